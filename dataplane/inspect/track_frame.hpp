#pragma once
// One captured frame on its way to the application layer, as `torwart inspect` and the application-layer
// benchmark take it: into an mbuf, parsed, and tracked as an IDS tracks
// (dataplane/pipeline/monitor_track.hpp).
#include <cstdint>
#include <span>

#include "dataplane/core/burst.hpp"
#include "dataplane/core/drop_reason.hpp"
#include "dataplane/core/parse.hpp"
#include "dataplane/pipeline/flow_log.hpp"
#include "dataplane/pipeline/monitor_track.hpp"
#include "dataplane/pipeline/worker_context.hpp"

namespace torwart::dataplane::inspect {

struct TrackedFrame {
  MonitorFate fate = MonitorFate::kUntrackable;  // kTracked: in burst.pkts[0], ready for stage_applayer
  bool new_flow = false;
  DropReason malformed_reason = DropReason::kNone;
};

// Every fate but kTracked leaves `burst` empty with the mbuf freed. Throws std::runtime_error when the
// mbuf pool is exhausted.
TrackedFrame track_frame(WorkerContext& ctx, std::span<const uint8_t> frame,
                         const ParseOptions& parse_options, bool midstream, FlowEndLogger& on_end,
                         Burst& burst);

// Frees what stage_applayer kept and generated (nothing is forwarded); what it dropped stays on
// burst.dropped.
void discard_forwarded(Burst& burst);

}  // namespace torwart::dataplane::inspect
