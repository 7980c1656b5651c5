#pragma once
// The control lcore's share of packet work: answers ARP and neighbour solicitations for the box's
// addresses, learns neighbours, and holds packets whose next hop is not resolved yet (a few per
// neighbour) until the answer comes or the resolution fails. The only writer of the neighbour table.
#include <cstdint>
#include <map>
#include <vector>

#include "dataplane/core/burst.hpp"
#include "dataplane/pipeline/worker_context.hpp"
#include "dataplane/routing/neighbour_table.hpp"

namespace torwart::dataplane {

// Resolution and reachability (NeighbourTable, "as Linux does it"): requests and unicast probes are sent
// retry_interval apart, max_attempts times; a learned neighbour unconfirmed for reachable_time goes stale.
struct ResolutionPolicy {
  uint64_t retry_interval_ns = 1'000'000'000;
  unsigned max_attempts = 3;
  unsigned max_queued_per_neighbour = 8;
  uint64_t reachable_time_ns = 30'000'000'000;  // Linux's base_reachable_time
};

struct NeighbourAgingCounters {
  uint64_t went_stale = 0;
  uint64_t probes_sent = 0;
  uint64_t forgotten = 0;  // probes went unanswered
};

class SlowPath {
 public:
  // `context` is the slow path's own worker context (its transmitter sends on the control queue).
  SlowPath(WorkerContext& context, NeighbourTable& neighbours, const ResolutionPolicy& policy = {});
  ~SlowPath();

  // Installs the static neighbours of a new snapshot (and switches ctx.snapshot).
  void use_snapshot(const Snapshot* snapshot);
  void handle(rte_mbuf* const* packets, uint16_t count, uint64_t now_ns);
  // Retries and expiry of pending resolutions; reachability of learned neighbours.
  void tick(uint64_t now_ns);
  // Drops everything still waiting (end of a replay, shutdown).
  void flush_pending();
  size_t pending_neighbours() const { return pending_.size(); }
  const NeighbourAgingCounters& aging() const { return aging_; }

 private:
  struct Pending {
    std::vector<rte_mbuf*> packets;
    uint64_t last_request_ns = 0;
    unsigned attempts = 0;
  };

  void handle_arp(rte_mbuf* m, Burst& out);
  // A copy of ARP and neighbour discovery to the port's kernel twin, so that the box's kernel resolves its
  // own neighbours (the fast path answers for the box as well; the kernel's answers are duplicates).
  void share_with_kernel(rte_mbuf* m);
  void handle_neighbour_message(rte_mbuf* m, Burst& out);
  void hold_for_resolution(rte_mbuf* m, Burst& out);
  void learned(NeighbourTable::Entry& entry, const rte_ether_addr& mac, Burst& out);
  void request(const NeighbourKey& key, Burst& out);
  void probe(const NeighbourTable::Entry& entry, Burst& out);
  void age_neighbours(uint64_t now_ns, Burst& out);
  const Interface* interface_of(const NeighbourKey& key) const;
  void send(Burst& out);

  WorkerContext& ctx_;
  NeighbourTable& neighbours_;
  ResolutionPolicy policy_;
  // Ordered by entry address (entries live in one array), so that replays retry and expire in a fixed order.
  std::map<NeighbourTable::Entry*, Pending> pending_;
  NeighbourAgingCounters aging_;
};

}  // namespace torwart::dataplane
