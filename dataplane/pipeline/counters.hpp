#pragma once
// Per-worker counters: one writer (the worker), read without locks by the control lcore for stats.
#include <array>

#include <cstdint>
#include "dataplane/applayer/inspector.hpp"

#include <rte_common.h>

#include "dataplane/core/drop_reason.hpp"
#include "dataplane/snapshot/snapshot.hpp"

namespace torwart::dataplane {

struct alignas(RTE_CACHE_LINE_SIZE) PortCounters {
  uint64_t rx_packets = 0;
  uint64_t rx_bytes = 0;
  uint64_t tx_packets = 0;
  uint64_t tx_bytes = 0;
  std::array<uint64_t, kDropReasonCount> drops{};
};

struct alignas(RTE_CACHE_LINE_SIZE) WorkerCounters {
  std::array<PortCounters, kMaxPorts> ports{};
  uint64_t icmp_errors_sent = 0;
  uint64_t icmp_errors_rate_limited = 0;
  uint64_t tcp_resets_sent = 0;
  uint64_t drop_records_rate_limited = 0;
  uint64_t eve_records_lost = 0;  // the EVE ring to the control lcore was full
  uint64_t packets_fragmented = 0;
  uint64_t fragments_created = 0;
  uint64_t flows_ended = 0;
  uint64_t policy_rechecks = 0;  // flows asked again after a reload
  // Copied from the worker's flow table after every burst (conntrack::ConntrackCounters).
  uint64_t flows_active = 0;  // a gauge
  uint64_t flows_created = 0;
  uint64_t flows_expired = 0;
  uint64_t flows_evicted = 0;
  uint64_t flows_refused = 0;  // table full of established flows
  uint64_t punted = 0;
  uint64_t handed_off = 0;             // sent to another worker by software distribution
  uint64_t datagrams_reassembled = 0;  // complete, valid fragmented datagrams released
  uint64_t fragments_held = 0;         // a gauge: fragments waiting for their datagram now
  uint64_t fragments_resteered = 0;    // released fragments handed to their flow's worker
  // IPsec (stage_esp_in, stage_esp_out); their drops are drop reasons esp_*.
  uint64_t esp_decrypted = 0;   // tunnel packets decrypted and admitted into the tunnel's zone
  uint64_t esp_handed_off = 0;  // of those, handed to the worker of their inner flow
  uint64_t esp_encrypted = 0;   // packets routed into a tunnel and sent encrypted
  // SYN-flood protection (synflood/syn_proxy.hpp).
  uint64_t syn_cookies_sent = 0;     // SYN-ACKs with a cookie the box answered SYNs with
  uint64_t syn_cookies_valid = 0;    // ACKs whose cookie checked out
  uint64_t syn_cookies_invalid = 0;  // ACKs with a forged, foreign or expired cookie (syn_cookie_invalid)
  uint64_t syn_proxied_flows = 0;    // connections the box opened to the server after a valid cookie
  uint64_t half_open = 0;            // a gauge: connections in the handshake now (all zones)
  // Copied from the worker's NAT table after every burst (nat::NatCounters).
  uint64_t nat_mappings_active = 0;  // a gauge
  uint64_t nat_mappings_created = 0;
  uint64_t nat_mapping_table_full = 0;
  uint64_t nat_ports_exhausted_tcp = 0;
  uint64_t nat_ports_exhausted_udp = 0;
  uint64_t nat_ports_exhausted_icmp = 0;
  uint64_t nat_packets_translated = 0;
  uint64_t nat_icmp_errors_translated = 0;
  uint64_t nat_steered = 0;  // packets NAT steering gave another worker than the symmetric flow hash would
  uint64_t snapshot_version = 0;
  // Application layer (published from the worker's inspector once per burst).
  uint64_t app_policy_decisions = 0;   // application rules asked about a flow's new facts
  uint64_t app_skipped_fragments = 0;  // fragments of inspected protocols passed uninspected
  uint64_t mirrored_packets = 0;       // frames from mirror ports (inspected, never forwarded)
  uint64_t mirrored_untracked = 0;     // of those: no connection (fragments, ARP, table full)
  uint64_t alert_metadata_cut = 0;     // alerts written without their rule's metadata (too long a record)
  applayer::InspectionCounters inspection;
  stream::ReassemblyCounters reassembly;

  void add(const WorkerCounters& other);
};

}  // namespace torwart::dataplane
