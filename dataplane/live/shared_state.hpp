#pragma once
// What workers and the control lcore share. Workers read the snapshot pointer and write only their own
// counters and rings; the control lcore swaps the pointer and waits for quiescence before freeing.
#include <array>
#include <atomic>
#include <memory>
#include <vector>

#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "dataplane/core/parse.hpp"
#include "dataplane/ipsec/sa_table.hpp"
#include "dataplane/live/flow_dump.hpp"
#include "dataplane/snapshot/snapshot.hpp"
#include "platform/clock.hpp"

namespace torwart::dataplane::live {

inline constexpr unsigned kMaxWorkers = 16;

struct RxAssignment {
  uint16_t port;
  uint16_t queue;
};

struct SharedState {
  std::atomic<const Snapshot*> snapshot{nullptr};
  // The IPsec SA table, once charon installed the first SA (ipsec_sa_backend.hpp); it lives until shutdown,
  // its versions are retired through the same RCU as snapshots.
  std::atomic<const ipsec::SaTable*> sa_table{nullptr};
  std::atomic<bool> stop{false};
  rte_rcu_qsbr* qsbr = nullptr;
  rte_ring* punt_ring = nullptr;  // workers -> control lcore (multi-producer)
  // handoff[from][to]: single-producer single-consumer rings for software distribution.
  std::array<std::array<rte_ring*, kMaxWorkers>, kMaxWorkers> handoff{};
  // from_kernel[w]: control lcore -> worker w (single producer, single consumer), the box's own packets from
  // the kernel twins for the flows w owns; nullptr when no port has a twin.
  std::array<rte_ring*, kMaxWorkers> from_kernel{};
  unsigned workers = 1;
  bool software_distribution = true;
  // Changed by reloads while workers run: read anew each loop iteration.
  std::atomic<unsigned> burst{32};
  std::atomic<unsigned> idle_sleep_us{50};
  ParseOptions parse_options;
  platform::TscClock clock;
  // One per worker: `flows` requests from the control lcore (flow_dump.hpp).
  std::array<FlowDumpMailbox*, kMaxWorkers> flow_dumps{};
};

}  // namespace torwart::dataplane::live
