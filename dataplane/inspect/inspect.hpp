#pragma once
// `torwart inspect`: analyses a capture the way `suricata -r` does. Both directions of every connection are
// in the one file; nothing is routed or forwarded; each flow is tracked, reassembled, identified and parsed
// by the same application layer as the live fast path, on capture time; DIR/eve.json gets the http, tls,
// dns, alert and flow records and a final stats record, DIR/counters.json the counters.
#include <stdexcept>
#include <string>

#include "dataplane/ids/ruleset.hpp"
#include "rules/config/config.hpp"

namespace torwart::dataplane::inspect {

struct InspectOptions {
  config::Config config;  // inspection limits and record switches; ports and policy are not used
  std::string config_text;
  std::string capture;
  std::string out_dir;
  bool ips = false;        // inline: what the engine refuses (fail-closed limits) is dropped and logged
  bool midstream = false;  // TCP connections whose handshake is not in the capture are picked up
  bool verify_checksums = false;
  std::shared_ptr<const ids::Ruleset> signatures;  // nullptr: no signature engine
};

struct InspectInputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct InspectSummary {
  uint64_t packets = 0;
  uint64_t flows = 0;
  uint64_t not_ip = 0;       // frames of other protocols, or of a link type without IP
  uint64_t not_tracked = 0;  // TCP segments of connections whose start is missing (without midstream)
  uint64_t malformed = 0;    // decode failures
  uint64_t fragments = 0;    // IP fragments, passed without inspection
  uint64_t dropped = 0;      // --ips only
  // Where a damaged capture broke off; the records are inspected up to there.
  std::string capture_damage;
};

// Needs the EAL started. Throws InspectInputError (unreadable capture, unsupported link type) or
// std::runtime_error.
InspectSummary run_inspect(const InspectOptions& options);

}  // namespace torwart::dataplane::inspect
