#pragma once
// Where packets go when nothing is forwarded (`torwart inspect`, the application-layer benchmark): freed.
#include <rte_mbuf.h>

#include "dataplane/pipeline/worker_context.hpp"

namespace torwart::dataplane::inspect {

class DiscardingTransmitter final : public Transmitter {
 public:
  uint16_t transmit(uint16_t, rte_mbuf** packets, uint16_t count) override {
    rte_pktmbuf_free_bulk(packets, count);
    return count;
  }
};

class DiscardingPuntSink final : public PuntSink {
 public:
  uint16_t punt(rte_mbuf** packets, uint16_t count) override {
    rte_pktmbuf_free_bulk(packets, count);
    return count;
  }
};

}  // namespace torwart::dataplane::inspect
