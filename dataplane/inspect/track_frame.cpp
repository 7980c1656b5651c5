#include "dataplane/inspect/track_frame.hpp"

#include <netinet/in.h>

#include <cstring>
#include <stdexcept>

#include "dataplane/conntrack/track.hpp"

namespace torwart::dataplane::inspect {

TrackedFrame track_frame(WorkerContext& ctx, std::span<const uint8_t> frame,
                         const ParseOptions& parse_options, bool midstream, FlowEndLogger& on_end,
                         Burst& burst) {
  TrackedFrame result;
  rte_mbuf* m = rte_pktmbuf_alloc(ctx.pool);
  if (m == nullptr) throw std::runtime_error("out of packet buffers");
  std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size())), frame.data(), frame.size());
  m->port = 0;
  burst.pkts[0] = m;
  burst.count = 1;
  stage_parse(burst, parse_options);
  if (burst.count == 0) {
    result.fate = FrameFate::kMalformed;
    result.malformed_reason = meta_of(burst.dropped[0]).drop_reason;
    rte_pktmbuf_free_bulk(burst.dropped.data(), burst.dropped_count);
    burst.reset_side_lists();
    return result;
  }
  PacketMeta& meta = meta_of(m);
  conntrack::FlowTuple tuple;
  auto give_up = [&](FrameFate fate) {
    rte_pktmbuf_free(m);
    burst.count = 0;
    result.fate = fate;
    return result;
  };
  if (meta.flags & meta_flag::kFragment) return give_up(FrameFate::kFragment);
  if (meta.l3 == L3Kind::kArp || meta.l3 == L3Kind::kNone || !conntrack::tuple_of_packet(meta, m, tuple))
    return give_up(FrameFate::kUntrackable);
  conntrack::LookupResult found = ctx.flows.lookup(tuple, ctx.now_ns, on_end);
  if (found.flow == nullptr) {
    if (meta.ip_proto == IPPROTO_TCP && !midstream && !conntrack::tcp_may_open(meta, m))
      return give_up(FrameFate::kNoHandshake);
    const conntrack::CreateResult created =
        ctx.flows.create(tuple, conntrack::mirror(tuple), ctx.now_ns, on_end);
    if (created.flow == nullptr) return give_up(FrameFate::kTableFull);
    created.flow->flags = conntrack::flow_flag::kPolicyDecided | conntrack::flow_flag::kLog;
    created.flow->policy_rule = conntrack::kNoPolicyRule;
    found = {created.flow, conntrack::Direction::kOriginal};
    result.new_flow = true;
  }
  // The TCP state is kept for timeouts and records; what it would refuse is still inspected, as an IDS does.
  (void)ctx.flows.track(*found.flow, found.direction, meta, m, ctx.now_ns);
  meta.flow = found.flow;
  if (found.direction == conntrack::Direction::kReply) meta.flags |= meta_flag::kReplyDirection;
  result.fate = FrameFate::kTracked;
  return result;
}

void discard_forwarded(Burst& burst) {
  if (burst.count > 0) rte_pktmbuf_free_bulk(burst.pkts.data(), burst.count);
  burst.count = 0;
  if (burst.generated_count > 0) rte_pktmbuf_free_bulk(burst.generated.data(), burst.generated_count);
  burst.generated_count = 0;
}

}  // namespace torwart::dataplane::inspect
