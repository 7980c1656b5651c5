#pragma once
// The `alert` object of an EVE alert record in Suricata's field names; the common header (timestamp,
// flow_id, in_iface, event_type, addresses, ports, proto) comes from the writer of the record.
#include <cstdint>
#include <string_view>

#include "dataplane/fixed_json.hpp"

namespace torwart::dataplane::ids {

struct AlertInfo {
  bool blocked = false;  // "blocked" for drop/reject inline, "allowed" for alert (Suricata's alert.action)
  uint32_t gid = 1;
  uint32_t signature_id = 0;
  uint32_t rev = 0;
  std::string_view signature;  // msg
  std::string_view category;   // classtype's description
  uint32_t severity = 3;       // priority: 1 highest
  std::string_view app_proto;  // empty: left out
  // The packet's fate as Suricata 7 writes it in "verdict": "alert", or "drop" (blocked); a reject adds
  // which side got the reset and how.
  bool reject = false;
  std::string_view reject_target;  // "to_client" or "to_server"
  std::string_view reject_kind;    // "tcp-reset" or "icmp-prohib"
};

// Writes "app_proto" (when known), the "alert" object and the "verdict" object into an open record object.
void write_alert(FixedJson& json, const AlertInfo& alert);

}  // namespace torwart::dataplane::ids
