#include "dataplane/pipeline/stages.hpp"

namespace torwart::dataplane {

void stage_output(WorkerContext& ctx, Burst& burst) {
  const Snapshot& snapshot = *ctx.snapshot;
  // Each packet's egress port, looked up once rather than once per port.
  uint16_t egress[kMaxBurst];
  for (uint16_t i = 0; i < burst.count; ++i)
    egress[i] = snapshot.interface(meta_of(burst.pkts[i]).out_iface).port;
  rte_mbuf* batch[kMaxBurst];
  for (const uint16_t port : snapshot.ports()) {
    uint16_t n = 0;
    uint64_t bytes = 0;
    for (uint16_t i = 0; i < burst.count; ++i) {
      if (egress[i] != port) continue;
      batch[n++] = burst.pkts[i];
      bytes += rte_pktmbuf_pkt_len(burst.pkts[i]);
    }
    if (n == 0) continue;
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
