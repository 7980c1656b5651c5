#pragma once
// ICMP and ICMPv6 errors the box sends about packets it cannot forward (RFC 792/1812, RFC 4443).
#include <cstdint>

#include "dataplane/core/burst.hpp"
#include "dataplane/pipeline/worker_context.hpp"

namespace torwart::dataplane {

enum class IcmpErrorKind : uint8_t {
  kTimeExceeded,                // v4 11/0, v6 3/0
  kNoRoute,                     // v4 3/0 (net unreachable), v6 1/0 (no route to destination)
  kFragmentationNeeded,         // v4 3/4 with the next-hop MTU, v6 2/0 (packet too big)
  kAdministrativelyProhibited,  // v4 3/13, v6 1/1: a policy rule rejected the packet
};

// Builds the error about `original` (which the caller then drops) and queues it on burst.generated, unless
// the rules forbid an error here (about an ICMP error, a non-first fragment, a multicast or broadcast, an
// unspecified source) or the per-worker rate limit is exhausted.
void send_icmp_error(WorkerContext& ctx, Burst& burst, rte_mbuf* original, IcmpErrorKind kind,
                     uint16_t mtu = 0);

}  // namespace torwart::dataplane
