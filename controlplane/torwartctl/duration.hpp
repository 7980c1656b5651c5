#pragma once
// Durations on the command line: "90" or "90s", "5m", "2h", "1h30m"; at least 1 s, at most 24 h.
#include <chrono>
#include <optional>
#include <string_view>

namespace torwart::controlplane {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace torwart::controlplane
