#pragma once
// The two measured loops. Both receive bursts of kBurst from the net_null port `rx_port` (the PMD allocates
// the mbufs from the pool), write the next preloaded frames into them (Traffic::refill) and transmit on
// net_null ports (the PMD frees the mbufs back to the pool). The pipeline loop also reads the clock and runs
// pipeline_receive and pipeline_process in between; its Transmitter is rte_eth_tx_burst on the egress port.
//
// The functions have C linkage and are never inlined, so that `valgrind --tool=callgrind
// --toggle-collect=torwart_bench_bare_loop` (or ..._pipeline_loop) counts exactly the instructions of a loop.
#include <cstdint>

#include "benchmarks/traffic.hpp"
#include "dataplane/core/parse.hpp"
#include "dataplane/pipeline/worker_context.hpp"
#include "platform/clock.hpp"

namespace torwart::bench {

inline constexpr uint16_t kBurst = 32;

struct BareLoop {
  uint16_t rx_port = 0;
  uint16_t tx_port = 0;
  Traffic* traffic = nullptr;
};

struct PipelineLoop {
  uint16_t rx_port = 0;
  Traffic* traffic = nullptr;
  dataplane::WorkerContext* context = nullptr;
  const platform::TscClock* clock = nullptr;
  dataplane::ParseOptions parse_options;
};

// Transmits on queue 0 of the egress port, like a live worker's QueueTransmitter.
class NullPortTransmitter final : public dataplane::Transmitter {
 public:
  uint16_t transmit(uint16_t port, rte_mbuf** packets, uint16_t count) override;
};

}  // namespace torwart::bench

// Each runs `bursts` iterations and returns the packets received.
extern "C" uint64_t torwart_bench_bare_loop(torwart::bench::BareLoop* loop, uint64_t bursts);
extern "C" uint64_t torwart_bench_pipeline_loop(torwart::bench::PipelineLoop* loop, uint64_t bursts);
