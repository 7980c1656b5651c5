// The policy decides every new connection (and every packet that cannot be tracked) by zone pair, addresses
// and service; only what a rule accepts passes (BSI R1). Accepted connections are created in the flow table,
// so their later packets, in both directions, never come here again, until a reload changes the policy.
#include <netinet/in.h>

#include <algorithm>

#include "dataplane/conntrack/track.hpp"
#include "dataplane/core/packet_access.hpp"
#include "dataplane/nat/rewrite.hpp"
#include "dataplane/pipeline/flow_log.hpp"
#include "dataplane/pipeline/flow_policy_query.hpp"
#include "dataplane/pipeline/icmp_error.hpp"
#include "dataplane/pipeline/stages.hpp"
#include "dataplane/pipeline/syn_proxy.hpp"
#include "dataplane/pipeline/tcp_reset.hpp"

namespace torwart::dataplane {
namespace {

constexpr uint16_t kNeedsDecision = meta_flag::kNewFlow | meta_flag::kStateless | meta_flag::kPolicyRecheck;

policy::PolicyQuery query_of(const Snapshot& snapshot, rte_mbuf* m, const PacketMeta& meta) {
  policy::PolicyQuery q;
  q.proto = meta.ip_proto;
  q.from_zone = meta.from_kernel ? static_cast<uint8_t>(config::kLocalZoneIndex)
                                 : static_cast<uint8_t>(snapshot.interface(meta.in_iface).zone);
  q.to_zone = snapshot.for_the_box(meta.next_hop)
                  ? static_cast<uint8_t>(config::kLocalZoneIndex)
                  : static_cast<uint8_t>(snapshot.interface(meta.out_iface).zone);
  q.src_port = meta.src_port;
  q.dst_port = meta.dst_port;
  if (meta.l3 == L3Kind::kIpv4) {
    q.family = config::Family::kIpv4;
    const rte_ipv4_hdr* ip = ipv4_of(m, meta);
    std::memcpy(q.src.data(), &ip->src_addr, 4);
    std::memcpy(q.dst.data(), &ip->dst_addr, 4);
  } else {
    q.family = config::Family::kIpv6;
    const rte_ipv6_hdr* ip = ipv6_of(m, meta);
    std::memcpy(q.src.data(), ip->src_addr, 16);
    std::memcpy(q.dst.data(), ip->dst_addr, 16);
  }
  return q;
}

void refuse(WorkerContext& ctx, Burst& burst, rte_mbuf* m, const policy::PolicyVerdict& verdict) {
  PacketMeta& meta = meta_of(m);
  meta.policy_rule = verdict.is_default() ? kNoPolicyRuleInMeta : static_cast<uint16_t>(verdict.rule);
  if (!verdict.log) meta.flags |= meta_flag::kNoLog;
  if (verdict.action == config::PolicyAction::kReject) {
    // The box's own packets are refused without an answer: a reset or ICMP error built here would be
    // addressed to the box, and only the input path leads to its kernel.
    if (!meta.from_kernel) {
      const uint16_t answers_before = burst.generated_count;
      if (meta.ip_proto == IPPROTO_TCP) {
        send_tcp_reset(ctx, burst, m);
      } else {
        send_icmp_error(ctx, burst, m, IcmpErrorKind::kAdministrativelyProhibited);
      }
      if ((meta.nat_flags & (nat_flag::kForwarded | nat_flag::kViaMapping)) &&
          burst.generated_count > answers_before)
        nat::answer_from_original_destination(meta, burst.generated[burst.generated_count - 1]);
    }
    burst.drop(m, DropReason::kPolicyReject);
  } else {
    burst.drop(m, DropReason::kPolicyDrop);
  }
}

uint8_t flow_flags_of(const policy::PolicyVerdict& verdict) {
  return static_cast<uint8_t>(conntrack::flow_flag::kPolicyDecided |
                              (verdict.log ? conntrack::flow_flag::kLog : 0) |
                              (verdict.app_pending ? conntrack::flow_flag::kAppPending : 0));
}

// An application rule can only apply to what the application layer looks at: TCP and UDP, when inspection is
// on. Anything else is decided now, as if every application match said no.
void settle_unless_inspected(const Snapshot& snapshot, const policy::PolicyQuery& query,
                             policy::PolicyVerdict& verdict) {
  if (!verdict.app_pending) return;
  const bool inspected =
      (query.proto == IPPROTO_TCP || query.proto == IPPROTO_UDP) && snapshot.source().inspection.enabled;
  if (inspected) return;
  verdict = *snapshot.policy().decide_app(
      query, [](const config::AppMatch&) { return policy::CompiledPolicy::AppAnswer::kNo; });
}

// A packet of a connection that an earlier packet of this burst opened (conntrack looked before that): it
// belongs to that flow, whatever the policy says about it on its own (a later fragment, a reply).
bool join_opened_flow(WorkerContext& ctx, Burst& burst, rte_mbuf* m, FlowEndLogger& on_end) {
  PacketMeta& meta = meta_of(m);
  conntrack::FlowTuple tuple;
  if (!conntrack::tuple_of_packet(meta, m, tuple)) return false;
  const conntrack::LookupResult found = ctx.flows.lookup(tuple, ctx.now_ns, on_end);
  if (found.flow == nullptr) return false;
  meta.flow_id = found.flow->id;
  const conntrack::FlowState before = synflood::before_track(ctx, burst, *found.flow, found.direction, m);
  const conntrack::TrackVerdict tracked = ctx.flows.track(*found.flow, found.direction, meta, m, ctx.now_ns);
  if (tracked != conntrack::TrackVerdict::kAccept) {
    burst.drop(m, conntrack::drop_reason_of(tracked));
    return true;
  }
  if (synflood::after_track(ctx, burst, *found.flow, before, found.direction, m) ==
      synflood::Outcome::kConsumed) {
    meta.flow = nullptr;
    return true;
  }
  meta.flow = found.flow;
  meta.policy_rule = found.flow->policy_rule;
  return true;
}

// Creates the connection the policy accepted and tracks its first packet; false when it must be dropped
// (with the reason already given to the burst).
bool open_flow(WorkerContext& ctx, Burst& burst, rte_mbuf* m, const policy::PolicyVerdict& verdict,
               FlowEndLogger& on_end) {
  PacketMeta& meta = meta_of(m);
  // SYN-flood protection: a SYN may be answered with a cookie or refused; an ACK may open a proxied flow.
  const synflood::GateResult gate = synflood::gate_new_connection(ctx, burst, m, on_end);
  if (gate.proxied_flow != nullptr) {
    gate.proxied_flow->policy_rule =
        verdict.is_default() ? conntrack::kNoPolicyRule : static_cast<uint16_t>(verdict.rule);
    gate.proxied_flow->flags |= flow_flags_of(verdict);  // keeps kSynProxied
    gate.proxied_flow->policy_version = ctx.snapshot->epoch();
  }
  if (gate.outcome == synflood::Outcome::kConsumed) return false;
  if (!conntrack::may_open(meta, m)) {
    burst.drop(m, DropReason::kInvalidTcpState);  // e.g. a mid-stream segment of a connection never seen
    return false;
  }
  conntrack::FlowTuple tuple;
  conntrack::tuple_of_packet(meta, m, tuple);
  const conntrack::CreateResult created =
      ctx.flows.create(tuple, conntrack::mirror(tuple), ctx.now_ns, on_end);
  if (created.flow == nullptr) {
    burst.drop(m, DropReason::kFlowTableFull);
    return false;
  }
  conntrack::Flow* flow = created.flow;
  meta.flow_id = flow->id;
  synflood::flow_opened(ctx, *flow, meta);
  flow->policy_rule = verdict.is_default() ? conntrack::kNoPolicyRule : static_cast<uint16_t>(verdict.rule);
  flow->flags = flow_flags_of(verdict);
  flow->policy_version = ctx.snapshot->epoch();
  const conntrack::TrackVerdict tracked =
      ctx.flows.track(*flow, conntrack::Direction::kOriginal, meta, m, ctx.now_ns);
  if (tracked != conntrack::TrackVerdict::kAccept) {
    burst.drop(m, conntrack::drop_reason_of(tracked));
    return false;
  }
  synflood::note_tracked(ctx, *flow);
  meta.flow = flow;
  meta.policy_rule = flow->policy_rule;
  return true;
}

}  // namespace

void stage_policy(WorkerContext& ctx, Burst& burst) {
  const Snapshot& snapshot = *ctx.snapshot;
  policy::PolicyQuery queries[kMaxBurst];
  const policy::PolicyQuery* query_pointers[kMaxBurst];
  policy::PolicyVerdict verdicts[kMaxBurst];
  uint16_t asking[kMaxBurst];
  unsigned asked = 0;
  for (uint16_t i = 0; i < burst.count; ++i) {
    const PacketMeta& meta = meta_of(burst.pkts[i]);
    if ((meta.flags & kNeedsDecision) == 0) continue;
    queries[asked] = (meta.flags & meta_flag::kPolicyRecheck) ? query_of_flow(snapshot, *meta.flow, meta)
                                                              : query_of(snapshot, burst.pkts[i], meta);
    query_pointers[asked] = &queries[asked];
    asking[asked++] = i;
  }
  if (asked == 0) return;
  snapshot.policy().classify(query_pointers, verdicts, asked);
  for (unsigned q = 0; q < asked; ++q) settle_unless_inspected(snapshot, queries[q], verdicts[q]);

  FlowEndLogger on_end(ctx);
  unsigned next = 0;
  unsigned opened = 0;  // flows this burst created: later packets of the burst may belong to them
  const conntrack::Flow* ended[kMaxBurst];  // flows a recheck ended: other packets of the burst may name them
  unsigned ended_count = 0;
  keep_if(burst, [&](rte_mbuf* m, uint16_t i) {
    if (next == asked || asking[next] != i) {
      return true;
    }
    const policy::PolicyVerdict& verdict = verdicts[next++];
    PacketMeta& meta = meta_of(m);
    // Provisionally accepted: an application rule may still decide once the application layer knows more.
    const bool accepted = verdict.action == config::PolicyAction::kAccept || verdict.app_pending;
    if (meta.flags & meta_flag::kPolicyRecheck) {
      ++ctx.counters.policy_rechecks;
      const bool ended_already = std::find(ended, ended + ended_count, meta.flow) != ended + ended_count;
      if (!accepted || ended_already) {
        // The new policy no longer allows this connection (an earlier packet of the burst may have ended it).
        if (!ended_already) {
          ctx.flows.remove(meta.flow, on_end);
          ended[ended_count++] = meta.flow;
        }
        meta.flow = nullptr;
        refuse(ctx, burst, m, verdict);
        return false;
      }
      meta.flow->policy_rule =
          verdict.is_default() ? conntrack::kNoPolicyRule : static_cast<uint16_t>(verdict.rule);
      meta.flow->flags = static_cast<uint8_t>(
          (meta.flow->flags & ~(conntrack::flow_flag::kLog | conntrack::flow_flag::kAppPending)) |
          flow_flags_of(verdict));
      meta.flow->policy_version = snapshot.epoch();
      return true;
    }
    const bool is_new = (meta.flags & meta_flag::kNewFlow) != 0;
    if (is_new && opened > 0 && join_opened_flow(ctx, burst, m, on_end)) {
      return meta.flow != nullptr;
    }
    if (!accepted) {
      refuse(ctx, burst, m, verdict);
      return false;
    }
    if (!is_new) {  // stateless: decided per packet
      return true;
    }
    if (open_flow(ctx, burst, m, verdict, on_end)) {
      ++opened;
      return true;
    }
    return false;
  });
}

}  // namespace torwart::dataplane
