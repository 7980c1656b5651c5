#include "dataplane/live/worker_loop.hpp"

#include <unistd.h>

#include <rte_ethdev.h>

#include "dataplane/pipeline/nat_steering.hpp"
#include "dataplane/pipeline/pipeline.hpp"

namespace torwart::dataplane::live {
namespace {

constexpr unsigned kIdlePollsBeforeSleep = 256;

// Keeps the packets whose flow belongs to this worker; hands the others to their worker's ring.
void distribute(SharedState& shared, WorkerContext& ctx, Burst& burst) {
  std::array<std::array<rte_mbuf*, kMaxBurst>, kMaxWorkers> outgoing;
  std::array<uint16_t, kMaxWorkers> outgoing_count{};
  uint16_t kept = 0;
  for (uint16_t i = 0; i < burst.count; ++i) {
    rte_mbuf* m = burst.pkts[i];
    PacketMeta& meta = meta_of(m);
    unsigned target = meta.flow_hash % shared.workers;
    // Translated flows meet on the worker NAT steering names (nat_steering.hpp), before any stage runs.
    if (const auto nat_owner = nat::steering_owner(*ctx.snapshot, meta, m, shared.workers)) {
      meta.nat_flags |= nat_flag::kSteered;
      if (*nat_owner != target) ++ctx.counters.nat_steered;
      target = *nat_owner;
    }
    if (target == ctx.worker_id) {
      burst.pkts[kept++] = m;
    } else {
      outgoing[target][outgoing_count[target]++] = m;
    }
  }
  burst.count = kept;
  for (unsigned target = 0; target < shared.workers; ++target) {
    const uint16_t n = outgoing_count[target];
    if (n == 0) continue;
    const unsigned sent =
        rte_ring_sp_enqueue_burst(shared.handoff[ctx.worker_id][target],
                                  reinterpret_cast<void* const*>(outgoing[target].data()), n, nullptr);
    ctx.counters.handed_off += sent;
    for (unsigned i = sent; i < n; ++i) burst.drop(outgoing[target][i], DropReason::kDistributionQueueFull);
  }
}

// Released fragments go to their flow's worker over the same rings as distribute(): this worker is still the
// only producer on its rings, and a ring keeps the fragments' release order.
class RingSteering final : public FlowSteering {
 public:
  RingSteering(SharedState& shared, unsigned self) : shared_(shared), self_(self) {}
  unsigned owner(uint32_t flow_hash) const override { return flow_hash % shared_.workers; }
  unsigned worker_count() const override { return shared_.workers; }
  uint16_t hand_off(unsigned worker, rte_mbuf** packets, uint16_t count) override {
    return static_cast<uint16_t>(rte_ring_sp_enqueue_burst(
        shared_.handoff[self_][worker], reinterpret_cast<void* const*>(packets), count, nullptr));
  }

 private:
  SharedState& shared_;
  unsigned self_;
};

}  // namespace

int worker_main(SharedState& shared, WorkerPlan& plan) {
  WorkerContext& ctx = *plan.context;
  RingSteering steering(shared, plan.id);
  // With NIC RSS (no software distribution) there is no hand-off: fragments stay where the NIC put them.
  if (shared.software_distribution && shared.workers > 1) ctx.steering = &steering;
  rte_rcu_qsbr_thread_register(shared.qsbr, plan.id);
  rte_rcu_qsbr_thread_online(shared.qsbr, plan.id);
  Burst burst;
  unsigned idle_polls = 0;
  while (!shared.stop.load(std::memory_order_relaxed)) {
    const auto burst_size = static_cast<uint16_t>(shared.burst.load(std::memory_order_relaxed));
    ctx.snapshot = shared.snapshot.load(std::memory_order_acquire);
    const ipsec::SaTable* sa_table = shared.sa_table.load(std::memory_order_acquire);
    ctx.sas = sa_table != nullptr ? sa_table->current() : nullptr;
    ctx.counters.snapshot_version = ctx.snapshot->version();
    ctx.now_ns = shared.clock.now_ns();
    unsigned received = 0;
    for (const RxAssignment& rx : plan.rx) {
      burst.count = rte_eth_rx_burst(rx.port, rx.queue, burst.pkts.data(), burst_size);
      if (burst.count == 0) continue;
      received += burst.count;
      pipeline_receive(ctx, burst, shared.parse_options);
      if (shared.software_distribution && shared.workers > 1) distribute(shared, ctx, burst);
      pipeline_process(ctx, burst);
    }
    if (shared.software_distribution) {
      for (unsigned from = 0; from < shared.workers; ++from) {
        if (from == plan.id) continue;
        burst.count = static_cast<uint16_t>(rte_ring_sc_dequeue_burst(
            shared.handoff[from][plan.id], reinterpret_cast<void**>(burst.pkts.data()), burst_size, nullptr));
        if (burst.count == 0) continue;
        received += burst.count;
        pipeline_process(ctx, burst);
      }
    }
    if (rte_ring* ring = shared.from_kernel[plan.id]) {
      burst.count = static_cast<uint16_t>(
          rte_ring_sc_dequeue_burst(ring, reinterpret_cast<void**>(burst.pkts.data()), burst_size, nullptr));
      if (burst.count > 0) {
        received += burst.count;
        pipeline_process(ctx, burst);  // parsed and marked from_kernel by the control lcore
      }
    }
    // Past this point the worker holds no pointer into the snapshot.
    rte_rcu_qsbr_quiescent(shared.qsbr, plan.id);
    if (FlowDumpMailbox* dump = shared.flow_dumps[plan.id]) answer_flow_dump(*dump, ctx.flows);
    if (received > 0) {
      idle_polls = 0;
    } else if (const unsigned sleep_us = shared.idle_sleep_us.load(std::memory_order_relaxed);
               ++idle_polls > kIdlePollsBeforeSleep && sleep_us > 0) {
      // Two vCPUs carry the workers and the control lcore: an idle worker yields its CPU. Offline, so a
      // snapshot swap does not wait for a sleeping worker.
      rte_rcu_qsbr_thread_offline(shared.qsbr, plan.id);
      usleep(sleep_us);
      rte_rcu_qsbr_thread_online(shared.qsbr, plan.id);
    }
  }
  ctx.steering = nullptr;
  rte_rcu_qsbr_thread_offline(shared.qsbr, plan.id);
  rte_rcu_qsbr_thread_unregister(shared.qsbr, plan.id);
  return 0;
}

}  // namespace torwart::dataplane::live
