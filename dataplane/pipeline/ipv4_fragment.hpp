#pragma once
// Splits a forwarded IPv4 datagram without DF into fragments that fit the egress MTU (RFC 791, RFC 1812
// 4.2.2.7). The fragments join burst.generated (they continue at the L2 stage); the original is consumed.
#include <cstdint>

#include "dataplane/core/burst.hpp"
#include "dataplane/pipeline/worker_context.hpp"

namespace torwart::dataplane {

// False when buffers ran out; the caller then drops the original. Its TTL must already be decremented.
bool fragment_ipv4(WorkerContext& ctx, Burst& burst, rte_mbuf* original, uint16_t mtu);

}  // namespace torwart::dataplane
