#include "dataplane/pipeline/flow_log.hpp"

#include <cstring>

#include "dataplane/eve/eve_address.hpp"
#include "dataplane/eve/eve_format.hpp"
#include "dataplane/pipeline/app_hooks.hpp"
#include "dataplane/pipeline/syn_proxy.hpp"

namespace torwart::dataplane {
namespace {

const char* end_reason_name(conntrack::FlowEndReason reason) {
  switch (reason) {
    case conntrack::FlowEndReason::kTimeout:
      return "timeout";
    case conntrack::FlowEndReason::kEvicted:
      return "forced";
    case conntrack::FlowEndReason::kRemoved:
      return "policy";
    case conntrack::FlowEndReason::kShutdown:
      return "shutdown";
  }
  return "unknown";
}

}  // namespace

std::string_view interface_towards(const Snapshot& snapshot, bool ipv6, const uint8_t* address) {
  uint32_t hop = kNoNextHop;
  if (ipv6) {
    hop = snapshot.fib().lookup_v6(address);
  } else {
    uint32_t be;
    std::memcpy(&be, address, 4);
    hop = snapshot.fib().lookup_v4(rte_be_to_cpu_32(be));
  }
  if (hop == kNoNextHop || snapshot.next_hop(hop).iface == kNoInterface) return {};
  return snapshot.interface(snapshot.next_hop(hop).iface).name;
}

size_t flow_community_id(const conntrack::Flow& flow, const uint8_t* source, const uint8_t* destination,
                         char (&out)[kCommunityIdLength]) {
  const conntrack::FlowTuple& t = flow.original();
  CommunityIdTuple tuple{t.family == 6, t.protocol, source, destination, t.source_port, t.destination_port};
  if (t.protocol == conntrack::kProtoIcmp || t.protocol == conntrack::kProtoIcmpv6) {
    // The tuple holds the echo identifier; the id wants the first message's type and code.
    tuple.source_port = flow.icmp_type[0];
    tuple.destination_port = flow.icmp_code[0];
  }
  return community_id(tuple, out);
}

size_t flow_community_id(const config::Logging& logging, const conntrack::Flow& flow,
                         char (&out)[kCommunityIdLength]) {
  const conntrack::FlowTuple& t = flow.original();
  uint8_t source[16], destination[16];
  std::memcpy(source, t.source, 16);
  std::memcpy(destination, t.destination, 16);
  pseudonymise_in_place(logging, t.family == 6, source);
  pseudonymise_in_place(logging, t.family == 6, destination);
  return flow_community_id(flow, source, destination, out);
}

namespace {

// The originator's side as the outside saw it: the mapping's external source, a forward's public destination.
void add_nat_tuple(const WorkerContext& ctx, const conntrack::Flow& flow, FlowRecord& record) {
  const nat::FlowNat& nat = ctx.nat.record(ctx.flows.slot_of(flow));
  if (!(nat.flags & (nat::flow_nat::kSource | nat::flow_nat::kDestination))) return;
  record.nat = true;
  std::memcpy(record.nat_src, record.src, 16);
  std::memcpy(record.nat_dst, record.dst, 16);
  record.nat_src_port = record.src_port;
  record.nat_dst_port = record.dst_port;
  if (nat.flags & nat::flow_nat::kSource) {
    const nat::Mapping& mapping = ctx.nat.mapping(nat.mapping);
    std::memcpy(record.nat_src, &mapping.external, 4);
    record.nat_src_port = mapping.external_port;
  }
  if (nat.flags & nat::flow_nat::kDestination) {
    std::memcpy(record.nat_dst, &nat.public_address, 4);
    record.nat_dst_port = nat.public_port;
  }
}

// Suricata's flow states: "new" until both sides were seen, "closed" once TCP closed, else "established".
const char* suricata_state(conntrack::FlowState state) {
  using conntrack::FlowState;
  switch (state) {
    case FlowState::kTcpNew:
    case FlowState::kTcpSynSent:
    case FlowState::kTcpSynReceived:
    case FlowState::kUdpUnreplied:
    case FlowState::kIcmpUnreplied:
    case FlowState::kOtherUnreplied:
      return "new";
    case FlowState::kTcpFinWait:
    case FlowState::kTcpCloseWait:
    case FlowState::kTcpLastAck:
    case FlowState::kTcpTimeWait:
    case FlowState::kTcpClosed:
      return "closed";
    default:
      return "established";
  }
}

}  // namespace

void FlowEndLogger::operator()(const conntrack::Flow& flow, conntrack::FlowEndReason reason) {
  synflood::flow_ended(ctx_, flow);  // half-open accounting must see every flow that leaves
  ++ctx_.counters.flows_ended;
  log(flow, reason);
  StageAppHooks hooks(ctx_, nullptr);  // an unfinished transaction still gets its record
  ctx_.inspector.flow_ended(flow, ctx_.flows.slot_of(flow), hooks, ctx_.now_ns);
  ctx_.detector.flow_ended(ctx_.flows.slot_of(flow));
  // The mapping lives as long as its last flow (after the record above has named it).
  ctx_.nat.flow_ended(ctx_.flows.slot_of(flow));
}

void FlowEndLogger::log(const conntrack::Flow& flow, conntrack::FlowEndReason reason) {
  if ((flow.flags & conntrack::flow_flag::kLog) == 0 || ctx_.snapshot == nullptr) return;
  const conntrack::FlowTuple& original = flow.original();
  FlowRecord record;
  record.flow_id = flow.id;
  record.ipv6 = original.family == 6;
  record.protocol = original.protocol;
  std::memcpy(record.src, original.source, 16);
  std::memcpy(record.dst, original.destination, 16);
  record.src_port = original.source_port;
  record.dst_port = original.destination_port;
  record.packets_to_server = flow.packets[0];
  record.packets_to_client = flow.packets[1];
  record.bytes_to_server = flow.bytes[0];
  record.bytes_to_client = flow.bytes[1];
  record.start_ns = flow.first_seen_ns;
  record.end_ns = flow.last_seen_ns;
  record.state = suricata_state(flow.state);
  record.reason = end_reason_name(reason);
  record.action = "pass";
  const auto& rules = ctx_.snapshot->source().policy.rules;
  record.rule = flow.policy_rule < rules.size() ? std::string_view(rules[flow.policy_rule].name) : "default";
  record.in_iface = ctx_.interface_name_override.empty()
                        ? interface_towards(*ctx_.snapshot, record.ipv6, original.source)
                        : ctx_.interface_name_override;
  record.out_iface = interface_towards(*ctx_.snapshot, record.ipv6, original.destination);
  if (original.protocol == 6) record.tcp_state = conntrack::flow_state_name(flow.state);
  if (original.protocol == conntrack::kProtoIcmp || original.protocol == conntrack::kProtoIcmpv6) {
    record.icmp_type = flow.icmp_type[0];
    record.icmp_code = flow.icmp_code[0];
    record.icmp_response = flow.packets[1] > 0;
    record.response_icmp_type = flow.icmp_type[1];
    record.response_icmp_code = flow.icmp_code[1];
  }
  record.app_proto = applayer::app_proto_name(ctx_.inspector.app_proto(flow, ctx_.flows.slot_of(flow)));
  record.app_anomaly = ctx_.inspector.anomalous(flow, ctx_.flows.slot_of(flow));
  record.alerted = ctx_.detector.alerted(ctx_.flows.slot_of(flow), flow.id);
  if (ctx_.inspector.blocked(flow, ctx_.flows.slot_of(flow))) record.action = "drop";
  add_nat_tuple(ctx_, flow, record);
  const config::Logging& logging = ctx_.snapshot->source().logging;
  pseudonymise_in_place(logging, record.ipv6, record.src);
  pseudonymise_in_place(logging, record.ipv6, record.dst);
  if (record.nat) {
    pseudonymise_in_place(logging, false, record.nat_src);
    pseudonymise_in_place(logging, false, record.nat_dst);
  }
  char community[kCommunityIdLength];
  record.community_id = {community, flow_community_id(flow, record.src, record.dst, community)};
  char* slot = ctx_.eve.reserve();
  if (slot == nullptr) {
    ++ctx_.counters.eve_records_lost;
    return;
  }
  const size_t length = format_flow_record(slot, EveRing::kMaxRecord, record, ctx_.now_ns);
  if (length == 0) {
    ++ctx_.counters.eve_records_lost;
    return;
  }
  ctx_.eve.commit(static_cast<uint32_t>(length));
}

}  // namespace torwart::dataplane
