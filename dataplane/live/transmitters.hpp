#pragma once
// Live ends of the pipeline: a NIC transmit queue, and the ring to the control lcore.
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "dataplane/pipeline/worker_context.hpp"

namespace torwart::dataplane::live {

class QueueTransmitter final : public Transmitter {
 public:
  explicit QueueTransmitter(uint16_t queue) : queue_(queue) {}
  uint16_t transmit(uint16_t port, rte_mbuf** packets, uint16_t count) override {
    return rte_eth_tx_burst(port, queue_, packets, count);
  }

 private:
  uint16_t queue_;
};

class RingPuntSink final : public PuntSink {
 public:
  explicit RingPuntSink(rte_ring* ring) : ring_(ring) {}
  uint16_t punt(rte_mbuf** packets, uint16_t count) override {
    return static_cast<uint16_t>(
        rte_ring_mp_enqueue_burst(ring_, reinterpret_cast<void* const*>(packets), count, nullptr));
  }

 private:
  rte_ring* ring_;
};

// The slow path resolves everything itself; what it would punt has nowhere further to go.
class RefusingPuntSink final : public PuntSink {
 public:
  uint16_t punt(rte_mbuf**, uint16_t) override { return 0; }
};

}  // namespace torwart::dataplane::live
