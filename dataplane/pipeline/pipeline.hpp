#pragma once
// What a worker does with a burst. Live workers and replay run exactly this code; only the Transmitter and
// PuntSink behind the WorkerContext differ.
//
//   receive:  count rx -> parse                        (on the worker that polled the queue)
//   [software distribution by symmetric flow hash,      (live, when the NIC has no symmetric RSS)
//    or by NAT steering for translated traffic]
//   process:  the stages of kStages in their order (stages.hpp): `torwart pipeline` prints them
//             then the packets the stages generated, from esp_out on
//             then dropped (counted, EVE `drop`, freed) and punted (to the slow path)
//             then fragments reassembly released: to their flow's worker (ctx.steering), or on from
//             nat_destination here, in bursts of their own
#include <string>

#include "dataplane/core/burst.hpp"
#include "dataplane/core/parse.hpp"
#include "dataplane/pipeline/worker_context.hpp"

namespace torwart::dataplane {

void pipeline_receive(WorkerContext& ctx, Burst& burst, const ParseOptions& options);
void pipeline_process(WorkerContext& ctx, Burst& burst);
// Counts, logs and frees burst.dropped; hands burst.punted to the punt sink.
void pipeline_finish(WorkerContext& ctx, Burst& burst);

// Live software distribution (ctx.steering set): the worker a packet's flow belongs to, by NAT steering
// where NAT decides, else by its flow hash.
unsigned flow_owner(const WorkerContext& ctx, rte_mbuf* m);
// Hands `count` packets, all of `owner`'s flows, over in order; what its ring refuses is dropped
// (distribution_queue_full: counted, logged, freed). Returns how many were handed over.
uint16_t hand_over(WorkerContext& ctx, unsigned owner, rte_mbuf** packets, uint16_t count);

// The pipeline for people (`torwart pipeline`): receive, distribution and the stages, one line each, in the
// order they run.
std::string pipeline_description();

}  // namespace torwart::dataplane
