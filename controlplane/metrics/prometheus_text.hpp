#pragma once
// The box's counters in Prometheus' text exposition format (version 0.0.4): the fast path's `stats` answer
// as `torwart_*` and torwartd's own state as `torwartd_*`. Names follow Prometheus' conventions: snake_case,
// `_total` on counters, units in the name (`_bytes`), one family per quantity with what varies as labels
// (port, drop reason, protocol, application, worker, HTTP status), HELP and TYPE for every family.
#include <string>

#include <nlohmann/json.hpp>

namespace torwart::controlplane::metrics {

inline constexpr char kContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// `fastpath_stats`: the fast path's stats result, or null when the fast path did not answer (then only
// torwart_fastpath_up 0 is written for it). `torwartd_status`: torwartd's status result.
std::string prometheus_text(const nlohmann::json& fastpath_stats, const nlohmann::json& torwartd_status);

}  // namespace torwart::controlplane::metrics
