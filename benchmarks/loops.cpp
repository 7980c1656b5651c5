#include "benchmarks/loops.hpp"

#include <rte_ethdev.h>

#include "dataplane/pipeline/pipeline.hpp"

namespace torwart::bench {

uint16_t NullPortTransmitter::transmit(uint16_t port, rte_mbuf** packets, uint16_t count) {
  return rte_eth_tx_burst(port, 0, packets, count);
}

}  // namespace torwart::bench

using torwart::bench::kBurst;

extern "C" __attribute__((noinline)) uint64_t torwart_bench_bare_loop(torwart::bench::BareLoop* loop,
                                                                      uint64_t bursts) {
  rte_mbuf* packets[kBurst];
  uint64_t received = 0;
  for (uint64_t b = 0; b < bursts; ++b) {
    const uint16_t n = rte_eth_rx_burst(loop->rx_port, 0, packets, kBurst);
    loop->traffic->refill(packets, n);
    const uint16_t sent = rte_eth_tx_burst(loop->tx_port, 0, packets, n);
    if (sent < n) rte_pktmbuf_free_bulk(packets + sent, n - sent);
    received += n;
  }
  return received;
}

extern "C" __attribute__((noinline)) uint64_t torwart_bench_pipeline_loop(torwart::bench::PipelineLoop* loop,
                                                                          uint64_t bursts) {
  torwart::dataplane::WorkerContext& ctx = *loop->context;
  torwart::dataplane::Burst burst;
  uint64_t received = 0;
  for (uint64_t b = 0; b < bursts; ++b) {
    ctx.now_ns = loop->clock->now_ns();
    burst.count = rte_eth_rx_burst(loop->rx_port, 0, burst.pkts.data(), kBurst);
    loop->traffic->refill(burst.pkts.data(), burst.count);
    received += burst.count;
    torwart::dataplane::pipeline_receive(ctx, burst, loop->parse_options);
    torwart::dataplane::pipeline_process(ctx, burst);
  }
  return received;
}
