#pragma once
// A burst of packets moving through the stages. A stage keeps the packets that go on in `pkts` (compacting
// in place) and hands the others to one of the side lists; the worker finishes those after the pipeline.
#include <array>
#include <cstdint>
#include <type_traits>

#include <rte_mbuf.h>

#include "dataplane/core/packet_meta.hpp"

namespace torwart::dataplane {

inline constexpr uint16_t kMaxBurst = 64;

struct Burst {
  std::array<rte_mbuf*, kMaxBurst> pkts;
  uint16_t count = 0;

  // Dropped: counted by reason, reported in EVE `drop` records (rate-limited), then freed.
  std::array<rte_mbuf*, kMaxBurst> dropped;
  uint16_t dropped_count = 0;
  // Punted: handed to the control lcore's slow path (ARP, neighbour discovery, unresolved next hops).
  std::array<rte_mbuf*, kMaxBurst> punted;
  uint16_t punted_count = 0;
  // Generated: packets the box builds (ICMP errors, IPv4 fragments); they run the L2 and output stages
  // afterwards. Each packet yields at most two (MTU >= 1280 and frames <= 2 KiB), hence twice the burst.
  std::array<rte_mbuf*, size_t{2} * kMaxBurst> generated;
  uint16_t generated_count = 0;

  void drop(rte_mbuf* m, DropReason reason) {
    meta_of(m).drop_reason = reason;
    dropped[dropped_count++] = m;
  }
  void punt(rte_mbuf* m) { punted[punted_count++] = m; }
  void add_generated(rte_mbuf* m) {
    if (generated_count < generated.size()) {
      generated[generated_count++] = m;
    } else {
      rte_pktmbuf_free(m);
    }
  }
  void reset_side_lists() { dropped_count = punted_count = generated_count = 0; }
};

// Keeps the packets `keep` returns true for, in order, at the front of burst.pkts; `keep` moves the others to
// a side list (burst.drop, burst.punt, …) or consumes them. The one compaction loop every stage uses. `keep`
// takes the packet, or the packet and its index in the burst as it came.
template <typename KeepFunction>
inline void keep_if(Burst& burst, KeepFunction&& keep) {
  uint16_t kept = 0;
  for (uint16_t i = 0; i < burst.count; ++i) {
    rte_mbuf* m = burst.pkts[i];
    bool keeps;
    if constexpr (std::is_invocable_v<KeepFunction, rte_mbuf*, uint16_t>)
      keeps = keep(m, i);
    else
      keeps = keep(m);
    if (keeps) burst.pkts[kept++] = m;
  }
  burst.count = kept;
}

}  // namespace torwart::dataplane
