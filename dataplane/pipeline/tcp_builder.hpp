#pragma once
// TCP segments the SYN proxy sends on its own (SYN-ACK with a cookie, SYN and ACK to the server, window
// update to the client): built in a fresh mbuf with valid checksums, routed to their destination, ready for
// burst.generated (L2 rewrite and output).
#include <cstdint>

#include <rte_mbuf.h>

#include "dataplane/pipeline/worker_context.hpp"

namespace torwart::dataplane::synflood {

struct SegmentSpec {
  bool ipv6 = false;
  const uint8_t* source = nullptr;  // 4 or 16 bytes, network order
  const uint8_t* destination = nullptr;
  uint16_t source_port = 0;  // host order
  uint16_t destination_port = 0;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint8_t flags = 0;  // RTE_TCP_*_FLAG
  uint16_t window = 0;
  uint16_t mss = 0;  // 0: no options; else the MSS option alone
  uint16_t in_iface = kNoInterface;
  uint16_t port = 0;  // mbuf port (counters of the packet it answers)
};

// nullptr when no buffer is free or the destination has no forwarding route.
rte_mbuf* build_tcp_segment(WorkerContext& ctx, const SegmentSpec& spec);

}  // namespace torwart::dataplane::synflood
