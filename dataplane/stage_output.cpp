#include "dataplane/stages.hpp"

namespace torwart::dataplane {

void stage_output(WorkerContext& ctx, Burst& burst) {
  const Snapshot& snapshot = *ctx.snapshot;
  rte_mbuf* batch[kMaxBurst];
  for (const uint16_t port : snapshot.ports()) {
    uint16_t n = 0;
    for (uint16_t i = 0; i < burst.count; ++i) {
      rte_mbuf* m = burst.pkts[i];
      if (snapshot.interface(meta_of(m).out_iface).port == port) batch[n++] = m;
    }
    if (n == 0) continue;
    uint64_t bytes = 0;
    for (uint16_t i = 0; i < n; ++i) bytes += rte_pktmbuf_pkt_len(batch[i]);
    const uint16_t sent = ctx.transmitter.transmit(port, batch, n);
    for (uint16_t i = sent; i < n; ++i) {
      bytes -= rte_pktmbuf_pkt_len(batch[i]);
      burst.drop(batch[i], DropReason::kTxQueueFull);
    }
    ctx.counters.ports[port].tx_packets += sent;
    ctx.counters.ports[port].tx_bytes += bytes;
  }
  burst.count = 0;
}

}  // namespace torwart::dataplane
