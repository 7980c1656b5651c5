#pragma once
// The box's own kernel behind a data port (issue 13): a service on a data-port address is refused by the
// default input policy and reached once a reload adds one input rule; a flood at the box's address is held
// to the control-plane policers while transit traffic and the box's own connections go on. The rows reload
// the running appliance with `to: [local]` rules put first in the policy; the rules stay for the rows after
// them (they open only the ports these rows listen on).
#include <string>

#include "dataplane/lab/appliance.hpp"
#include "dataplane/lab/lab_checks.hpp"
#include "rules/config/config.hpp"

namespace torwart::lab {

inline constexpr int kBoxServicePort = 5300;  // TCP echo on the box's LAN address
inline constexpr int kFloodSinkPort = 9999;   // UDP the flood sends into the inet twin

// The configuration text the appliance runs; reload() replaces it with a candidate once that runs.
class RunningConfig {
 public:
  RunningConfig(const LabContext& ctx, const ApplianceProcess& appliance, std::string text)
      : ctx_(ctx), appliance_(appliance), text_(std::move(text)) {}
  const std::string& text() const { return text_; }
  const ApplianceProcess& appliance() const { return appliance_; }
  // Puts `rule` (one YAML flow mapping) first in policy.rules, writes the candidate to the scratch directory
  // as `file_name` and reloads the appliance with it. Returns "" when the candidate runs, else why not.
  std::string add_rule_and_reload(const std::string& rule, const std::string& file_name);

 private:
  const LabContext& ctx_;
  const ApplianceProcess& appliance_;
  std::string text_;
};

// service-on-data-port-refused: a TCP echo service of the box's kernel on 192.168.10.1 gets nothing from a
// LAN client (the connection times out, the listener sees nothing, ports.lan.drops.policy_drop grows).
CheckResult check_box_service_refused(const LabContext& ctx, const ApplianceProcess& appliance);
// service-on-data-port-allowed: after a reload that adds one rule `from: [lan], to: [local]` for the port,
// the same client gets its line echoed by the box's kernel.
CheckResult check_box_service_allowed(const LabContext& ctx, RunningConfig& running);

// flood-at-box: about 100 000 frames/s for 5 s at 203.0.113.2 from the Internet router (box_flood.py: half
// echo requests, half UDP into the inet twin after a reload accepts udp/kFloodSinkPort to the box). Passes
// when at least half the flood reached the workers and what they saw beyond `cfg.local_traffic` is counted as
// local_rate_exceeded, echo replies stay within the icmp budget, tcp-bulk-v4's transfer during the flood
// (median of 3) keeps kFloodTransitShare of its unflooded figure (median of `tcp_bulk_mbit_per_s`, that row's
// own, and 2 more just before the flood), and the box's own pings to 203.0.113.1 (through the flooded port's
// twin) are all answered.
inline constexpr double kFloodTransitShare = 0.5;
CheckResult check_flood_at_box(const LabContext& ctx, RunningConfig& running, const config::Config& cfg,
                               double tcp_bulk_mbit_per_s);

}  // namespace torwart::lab
