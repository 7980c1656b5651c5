#pragma once
// The order of the stages, and what happens to the packets they set aside. Live workers and replay run
// exactly this code; only the Transmitter and PuntSink behind the WorkerContext differ.
//
//   receive:  count rx -> parse                       (on the worker that polled the queue)
//   [software distribution by symmetric flow hash,     (live, when the NIC has no symmetric RSS)
//    or by NAT steering for translated traffic]
//   process:  ingress -> antispoof -> reassembly -> nat_destination -> route -> local
//             -> conntrack -> policy -> nat -> applayer -> [IDS: later issue]
//             -> forward -> mss_clamp -> l2_rewrite -> output
//             then generated ICMP errors: l2_rewrite -> output
//             then dropped (counted, EVE `drop`, freed) and punted (to the slow path)
//             then fragments reassembly released: to their flow's worker (ctx.steering), or route -> output
//             here, in bursts of their own
#include "dataplane/burst.hpp"
#include "dataplane/parse.hpp"
#include "dataplane/worker_context.hpp"

namespace torwart::dataplane {

void pipeline_receive(WorkerContext& ctx, Burst& burst, const ParseOptions& options);
void pipeline_process(WorkerContext& ctx, Burst& burst);
// Counts, logs and frees burst.dropped; hands burst.punted to the punt sink.
void pipeline_finish(WorkerContext& ctx, Burst& burst);

}  // namespace torwart::dataplane
