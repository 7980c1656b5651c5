#pragma once
// How much DPDK memory (dataplane.memory_mb) `torwart run` asks for with a configuration, so that `check`
// refuses a figure the first start or commit would fail on. rules/config may not see the fast path's types:
// the sizes below are the fast path's own, written down here, and dataplane/live/memory_need_test.cpp holds
// them against what DPDK really hands out.
#include <cstdint>

#include "rules/config/config.hpp"

namespace torwart::config {

// Upper bounds of the fast path's structures (their real sizes are checked against these by the test).
inline constexpr uint64_t kPacketMetadataBytes = 64;   // dataplane::kMbufPrivSize
inline constexpr uint64_t kFlowBytes = 168;            // sizeof(conntrack::Flow)
inline constexpr uint64_t kFlowIndexBucketBytes = 64;  // sizeof(conntrack::FlowTable::Bucket), 8 slots
inline constexpr uint64_t kSynFloodSideBytes = 16;     // sizeof(synflood::FlowSide)

struct MemoryNeed {
  uint64_t packet_buffers = 0;  // the mbuf pool: buffers, its ring, the per-lcore caches
  uint64_t per_worker = 0;      // one worker's flow table, its index, the SYN-flood state per flow
  uint64_t snapshot = 0;        // one snapshot's route tables (IPv4 and IPv6 LPM) and policy classifier
  uint64_t fixed = 0;           // EAL, rings between lcores, neighbour table, NIC queues
  unsigned workers = 1;

  // A reload builds the new snapshot beside the running one: two at the peak.
  uint64_t total_bytes() const { return packet_buffers + workers * per_worker + 2 * snapshot + fixed; }
  unsigned megabytes() const { return static_cast<unsigned>((total_bytes() + (1u << 20) - 1) >> 20); }
};

MemoryNeed memory_need(const Config& config);

}  // namespace torwart::config
