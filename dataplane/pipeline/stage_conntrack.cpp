// Connection tracking: packets of known connections are tracked (TCP state and window) and keep their flow;
// ICMP errors must quote a known connection; everything else is new and goes to the policy stage.
#include "dataplane/conntrack/icmp_error_match.hpp"
#include "dataplane/pipeline/flow_log.hpp"
#include "dataplane/pipeline/stages.hpp"
#include "dataplane/pipeline/syn_proxy.hpp"

namespace torwart::dataplane {
namespace {

// Flows looked at per burst by the expiry sweep: the whole table is visited every capacity/budget bursts,
// while a single burst never pays for more than this.
constexpr unsigned kExpiryBudget = 32;

}  // namespace

void stage_conntrack(WorkerContext& ctx, Burst& burst) {
  FlowEndLogger on_end(ctx);
  ctx.flows.expire(ctx.now_ns, kExpiryBudget, on_end);
  // Pass 1: the tuples of the packets tracked by their own tuple, looked up together so that the table
  // can prefetch their buckets and flows.
  conntrack::FlowTuple tuples[kMaxBurst];
  const conntrack::FlowTuple* tuple_pointers[kMaxBurst];
  conntrack::LookupResult found[kMaxBurst];
  unsigned looked_up = 0;
  for (uint16_t i = 0; i < burst.count; ++i) {
    PacketMeta& meta = meta_of(burst.pkts[i]);
    meta.flow = nullptr;
    meta.flow_id = 0;
    meta.policy_rule = kNoPolicyRuleInMeta;
    if (meta.flags & (meta_flag::kLocallyOriginated | meta_flag::kIcmpError)) continue;
    if (!conntrack::tuple_of_packet(meta, burst.pkts[i], tuples[looked_up])) {
      meta.flags |= meta_flag::kStateless;
      continue;
    }
    tuple_pointers[looked_up] = &tuples[looked_up];
    ++looked_up;
  }
  ctx.flows.lookup_burst(tuple_pointers, looked_up, found, ctx.now_ns, on_end);

  // Pass 2, in packet order: track, match ICMP errors, mark what is new.
  unsigned next = 0;
  keep_if(burst, [&](rte_mbuf* m) {
    PacketMeta& meta = meta_of(m);
    // The box's own answers pass; untrackable packets go to the policy as they are.
    if (meta.flags & (meta_flag::kLocallyOriginated | meta_flag::kStateless)) {
      return true;
    }
    if (meta.flags & meta_flag::kIcmpError) {
      const conntrack::LookupResult related =
          conntrack::match_icmp_error(ctx.flows, meta, m, ctx.now_ns, on_end);
      if (related.flow == nullptr) {
        burst.drop(m, DropReason::kUnrelatedIcmpError);
        return false;
      }
      meta.flow = related.flow;  // errors about allowed connections pass (PMTU discovery needs them)
      meta.flow_id = related.flow->id;
      if (related.direction == conntrack::Direction::kReply) meta.flags |= meta_flag::kReplyDirection;
      return true;
    }
    const conntrack::LookupResult& result = found[next++];
    if (result.flow == nullptr) {
      meta.flags |= meta_flag::kNewFlow;
      return true;
    }
    // SYN proxy: a proxied flow's client acknowledgements into the server's sequence space.
    meta.flow_id = result.flow->id;  // also when tracking refuses the packet: its drop names the flow
    const conntrack::FlowState before = synflood::before_track(ctx, burst, *result.flow, result.direction, m);
    const conntrack::TrackVerdict verdict =
        ctx.flows.track(*result.flow, result.direction, meta, m, ctx.now_ns);
    if (verdict != conntrack::TrackVerdict::kAccept) {
      burst.drop(m, conntrack::drop_reason_of(verdict));
      return false;
    }
    // Half-open accounting; the SYN proxy answers the server's SYN-ACK itself and translates server seqs.
    if (synflood::after_track(ctx, burst, *result.flow, before, result.direction, m) ==
        synflood::Outcome::kConsumed)
      return false;
    meta.flow = result.flow;
    meta.policy_rule = result.flow->policy_rule;
    if (result.direction == conntrack::Direction::kReply) meta.flags |= meta_flag::kReplyDirection;
    if (result.flow->policy_version != ctx.snapshot->epoch()) meta.flags |= meta_flag::kPolicyRecheck;
    return true;
  });
}

}  // namespace torwart::dataplane
