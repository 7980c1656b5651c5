#pragma once
// EVE JSON records in Suricata's field names (https://docs.suricata.io/ "Eve JSON Format").
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <rte_mbuf.h>

#include "dataplane/core/packet_meta.hpp"
#include "rules/config/config.hpp"

namespace torwart::dataplane {

// "2026-11-22T21:05:15.123456+0000" from nanoseconds since the epoch; returns the length (31).
size_t format_eve_timestamp(char* out, size_t capacity, uint64_t unix_ns);

// Suricata's protocol label ("TCP", "UDP", "ICMP", "IPv6-ICMP", else the number, written into `scratch`
// of at least 4 bytes).
std::string_view proto_name(uint8_t proto, char* scratch);

// One `drop` record for a packet the fast path dropped; 0 when it does not fit `capacity`. Addresses are
// pseudonymised as `logging` says (eve_address.hpp); `flow_id` when meta.flow_id names a tracked connection.
// `policy_rule` names the policy rule behind a policy_drop/policy_reject ("default" for the default verdict).
size_t format_drop_record(char* out, size_t capacity, const rte_mbuf* m, const PacketMeta& meta,
                          uint64_t unix_ns, std::string_view in_iface, std::string_view policy_rule = {},
                          const config::Logging& logging = {});

// What a `flow` record says about a finished connection (Suricata's flow event, plus torwart's policy
// verdict and interfaces). Addresses in network order; ports in host order; times in ns since the epoch.
struct FlowRecord {
  uint64_t flow_id = 0;
  bool ipv6 = false;
  uint8_t protocol = 0;
  uint8_t src[16]{};
  uint8_t dst[16]{};
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint64_t packets_to_server = 0, packets_to_client = 0;
  uint64_t bytes_to_server = 0, bytes_to_client = 0;
  uint64_t start_ns = 0, end_ns = 0;
  std::string_view state;   // "new", "established", "closed"
  std::string_view reason;  // "timeout", "forced" (evicted), "shutdown"
  std::string_view action;  // "pass" or "drop"
  std::string_view rule;    // the policy rule that decided, or "default"
  std::string_view in_iface, out_iface;
  std::string_view tcp_state;     // empty for other protocols
  std::string_view community_id;  // community_id.hpp; empty: not written
  // ICMP echo: the first message's type and code each way (the response's once one was seen).
  uint8_t icmp_type = 0, icmp_code = 0;
  bool icmp_response = false;
  uint8_t response_icmp_type = 0, response_icmp_code = 0;
  std::string_view app_proto;  // empty when the application layer did not look at the flow
  bool app_anomaly = false;    // the application layer found malformed data in it
  bool alerted = false;        // a signature alerted on it
  // NAT: the originator's direction as the outside saw it (IPv4), written as "nat": {src_ip, src_port,
  // dest_ip, dest_port}.
  bool nat = false;
  uint8_t nat_src[16]{};
  uint8_t nat_dst[16]{};
  uint16_t nat_src_port = 0;
  uint16_t nat_dst_port = 0;
};

// One `flow` record; 0 when it does not fit `capacity`.
size_t format_flow_record(char* out, size_t capacity, const FlowRecord& flow, uint64_t unix_ns);

}  // namespace torwart::dataplane
