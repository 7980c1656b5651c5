#pragma once
// The TCP RST a `reject` policy rule answers a TCP segment with (RFC 9293 3.10.7.1): sent back to the
// segment's source as if from its destination, so the client gives up at once instead of retrying.
#include "dataplane/core/burst.hpp"
#include "dataplane/pipeline/worker_context.hpp"

namespace torwart::dataplane {

// Queues the RST on burst.generated (rate-limited with the ICMP errors); never about a RST.
void send_tcp_reset(WorkerContext& ctx, Burst& burst, rte_mbuf* segment);

}  // namespace torwart::dataplane
