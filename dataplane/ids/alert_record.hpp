#pragma once
// The `alert` object of an EVE alert record in Suricata's field names; the common header (timestamp,
// flow_id, in_iface, event_type, addresses, ports, proto) comes from the writer of the record.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "dataplane/core/fixed_json.hpp"

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
  // The rule's metadata (key, value) pairs, written as "metadata": {key: [values...]}.
  std::span<const std::pair<std::string, std::string>> metadata;
  // `target:src_ip|dest_ip`: which side is the target; the writer gives the two endpoints as text.
  std::string_view target;  // empty, "src_ip" or "dest_ip"
  std::string_view src_ip, dest_ip;
  uint64_t src_port = 0, dest_port = 0;
  bool ports = false;
};

// Writes "app_proto" (when known), the "alert" object and the "verdict" object into an open record object.
void write_alert(FixedJson& json, const AlertInfo& alert);

}  // namespace torwart::dataplane::ids
