#pragma once
// A parsed frame tracked as an IDS tracks what it only watches (a capture in `torwart inspect`, a mirror
// port's copies): its connection found or opened (every connection is accepted: no routing, no policy), its
// TCP state kept for timeouts and records but not enforced.
#include <cstdint>

#include <rte_mbuf.h>

#include "dataplane/pipeline/flow_log.hpp"
#include "dataplane/pipeline/worker_context.hpp"

namespace torwart::dataplane {

enum class MonitorFate : uint8_t {
  kTracked,      // meta.flow set (and kReplyDirection for the responder's packets)
  kMalformed,    // parse refused it (`torwart inspect`'s frames only: the pipeline drops those before)
  kUntrackable,  // no connection tuple (ARP, protocols without one)
  kFragment,     // IP fragments are not inspected
  kNoHandshake,  // a TCP segment of a connection whose start is missing, without `midstream`
  kTableFull,
};

struct MonitorTrack {
  MonitorFate fate = MonitorFate::kUntrackable;
  bool new_flow = false;
};

MonitorTrack track_monitored(WorkerContext& ctx, rte_mbuf* m, bool midstream, FlowEndLogger& on_end);

}  // namespace torwart::dataplane
