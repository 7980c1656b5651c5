#include "dataplane/pipeline/monitor_track.hpp"

#include <netinet/in.h>

#include "dataplane/conntrack/track.hpp"

namespace torwart::dataplane {

MonitorTrack track_monitored(WorkerContext& ctx, rte_mbuf* m, bool midstream, FlowEndLogger& on_end) {
  MonitorTrack result;
  PacketMeta& meta = meta_of(m);
  conntrack::FlowTuple tuple;
  if (meta.flags & meta_flag::kFragment) {
    result.fate = MonitorFate::kFragment;
    return result;
  }
  if (meta.l3 == L3Kind::kArp || meta.l3 == L3Kind::kNone || !conntrack::tuple_of_packet(meta, m, tuple))
    return result;
  conntrack::LookupResult found = ctx.flows.lookup(tuple, ctx.now_ns, on_end);
  if (found.flow == nullptr) {
    if (meta.ip_proto == IPPROTO_TCP && !midstream && !conntrack::tcp_may_open(meta, m)) {
      result.fate = MonitorFate::kNoHandshake;
      return result;
    }
    const conntrack::CreateResult created =
        ctx.flows.create(tuple, conntrack::mirror(tuple), ctx.now_ns, on_end);
    if (created.flow == nullptr) {
      result.fate = MonitorFate::kTableFull;
      return result;
    }
    created.flow->flags = conntrack::flow_flag::kPolicyDecided | conntrack::flow_flag::kLog;
    // Picked up in the middle: the handshake happened before the capture began, so the connection is
    // established (as Suricata takes midstream sessions), not a new one that never completes.
    if (meta.ip_proto == IPPROTO_TCP && !conntrack::tcp_may_open(meta, m))
      created.flow->state = conntrack::FlowState::kTcpEstablished;
    created.flow->policy_rule = conntrack::kNoPolicyRule;
    found = {created.flow, conntrack::Direction::kOriginal};
    result.new_flow = true;
  }
  // What the TCP state would refuse is still inspected, as an IDS does.
  (void)ctx.flows.track(*found.flow, found.direction, meta, m, ctx.now_ns);
  meta.flow = found.flow;
  meta.flow_id = found.flow->id;
  if (found.direction == conntrack::Direction::kReply) meta.flags |= meta_flag::kReplyDirection;
  result.fate = MonitorFate::kTracked;
  return result;
}

}  // namespace torwart::dataplane
