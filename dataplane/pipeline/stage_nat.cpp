// NAT (IPv4): destination translation before routing, source translation after the policy.
//
// Flows are tracked under their inside view: the originator's real source and the real (post-forward)
// destination, so the policy decides on internal addresses and conntrack's keys stay mirror images.
//   stage_nat_destination (before route): packets to an external address are translated back - through a
//     port forward (to its server) or through a source-NAT mapping (to the inside host) - and ICMP errors to
//     an external address get their outer destination and quoted source translated (RFC 5508). Routing, local
//     delivery, conntrack and policy then see the inside addresses.
//   stage_nat (after policy, before forward): a flow's first packet decides its translation (its FlowNat
//     record: a mapping from the worker's table for source NAT, the public address:port for a forward);
//     every packet of a translated flow then gets its source rewritten: the originator's to the mapping's
//     external endpoint, the replier's (a forward's server) to the public endpoint.
#include "dataplane/conntrack/icmp_error_match.hpp"
#include "dataplane/core/packet_access.hpp"
#include "dataplane/nat/rewrite.hpp"
#include "dataplane/pipeline/flow_log.hpp"
#include "dataplane/pipeline/stages.hpp"

namespace torwart::dataplane {
namespace {

using nat::Side;

constexpr uint8_t kTcp = 6, kUdp = 17, kIcmp = 1;

uint32_t destination_of(rte_mbuf* m, const PacketMeta& meta) {
  return ipv4_of(m, meta)->dst_addr;
}
uint32_t source_of(rte_mbuf* m, const PacketMeta& meta) {
  return ipv4_of(m, meta)->src_addr;
}

// An ICMP error that a host or router outside sent to an external address about a translated packet.
void translate_inbound_icmp_error(WorkerContext& ctx, rte_mbuf* m, PacketMeta& meta, uint32_t external) {
  conntrack::QuotedPacket quoted;
  if (!conntrack::quoted_packet_of(meta, m, quoted)) return;
  uint32_t quoted_source;
  std::memcpy(&quoted_source, quoted.tuple.source, 4);
  if (quoted_source != external) return;  // not about a packet we translated: conntrack decides
  const nat::NatRules& rules = ctx.snapshot->nat();
  const uint16_t port = quoted.tuple.source_port;
  uint32_t inside = 0;
  uint16_t inside_port = 0;
  if (const nat::Forward* forward = rules.forward_to(external, quoted.tuple.protocol, port)) {
    inside = forward->server;
    inside_port = forward->server_port;
  } else {
    nat::ProtoClass proto;
    if (!nat::proto_class_of(quoted.tuple.protocol, proto)) return;
    const uint32_t found = ctx.nat.find_external(proto, external, port);
    if (found == nat::NatTable::kNone) return;
    inside = ctx.nat.mapping(found).internal;
    inside_port = ctx.nat.mapping(found).internal_port;
  }
  if (nat::rewrite_icmp_error(m, meta, Side::kDestination, inside, Side::kSource, inside, inside_port)) {
    meta.nat_flags |= nat_flag::kIcmpInbound;
    ++ctx.nat.counters().icmp_errors_translated;
  }
}

void translate_destination(WorkerContext& ctx, rte_mbuf* m, PacketMeta& meta) {
  const uint32_t external = destination_of(m, meta);
  const nat::NatRules& rules = ctx.snapshot->nat();
  if (!rules.is_external(external)) return;
  if (meta.flags & meta_flag::kIcmpError) {
    translate_inbound_icmp_error(ctx, m, meta, external);
    return;
  }
  if (!meta.l4_present && !(meta.flags & meta_flag::kReassembled)) return;  // reassembly still holds it
  uint16_t port = 0;
  nat::ProtoClass proto;
  if (meta.ip_proto == kTcp || meta.ip_proto == kUdp) {
    port = meta.dst_port;
    if (const nat::Forward* forward = rules.forward_to(external, meta.ip_proto, port)) {
      meta.nat_original_address = external;
      meta.nat_original_port = port;
      nat::rewrite_endpoint(m, meta, Side::kDestination, forward->server, forward->server_port);
      meta.nat_flags |= nat_flag::kForwarded;
      ++ctx.nat.counters().packets_translated;
      return;
    }
  } else if (meta.ip_proto == kIcmp && (meta.dst_port >> 8) == 0) {
    port = meta.src_port;  // an echo reply to the identifier we gave its request
  } else {
    return;  // the box's own (e.g. echo requests to its address)
  }
  nat::proto_class_of(meta.ip_proto, proto);
  const uint32_t found = ctx.nat.find_external(proto, external, port);
  if (found == nat::NatTable::kNone) return;
  const nat::Mapping& mapping = ctx.nat.mapping(found);
  meta.nat_original_address = external;
  meta.nat_original_port = port;
  nat::rewrite_endpoint(m, meta, Side::kDestination, mapping.internal, mapping.internal_port);
  meta.nat_flags |= nat_flag::kViaMapping;
  ++ctx.nat.counters().packets_translated;
}

// Packets stage_forward will refuse with an ICMP error keep their inside source, so that the error reaches
// the host that sent them.
bool forward_will_refuse(const WorkerContext& ctx, const PacketMeta& meta) {
  if (meta.ttl <= 1) return true;
  return meta.l3_length > ctx.snapshot->interface(meta.out_iface).mtu &&
         (meta.flags & meta_flag::kDontFragment);
}

// The first packet of a flow decides its translation. False: the flow cannot be translated (the burst has the
// drop reason), and the caller removes it.
bool decide_flow(WorkerContext& ctx, rte_mbuf* m, PacketMeta& meta, nat::FlowNat& record, Burst& burst) {
  const nat::NatRules& rules = ctx.snapshot->nat();
  record = nat::FlowNat{};
  record.flags = nat::flow_nat::kSet;
  uint32_t external = 0;
  nat::PortRange range;
  if (meta.nat_flags & nat_flag::kForwarded) {
    record.flags |= nat::flow_nat::kDestination;
    record.public_address = meta.nat_original_address;
    record.public_port = meta.nat_original_port;
    // Hairpin: a client that did not come in through the public address's interface (e.g. on the LAN) is
    // source-translated to the public address too, so the server answers through the box.
    if (rules.interface_address(meta.in_iface) != meta.nat_original_address) {
      external = meta.nat_original_address;
      range = rules.range_of(external);
    }
  } else if (ctx.snapshot->for_the_box(meta.next_hop)) {
    return true;  // for the box itself: never masqueraded, whichever interface holds the address
  } else if (const nat::SourceRule* rule =
                 rules.source_rule(ctx.snapshot->interface(meta.in_iface).zone, meta.out_iface)) {
    if (rule->external == 0) {  // its interface waits for a DHCP lease: never leave with the inside source
      burst.drop(m, DropReason::kNatNoAddress);
      return false;
    }
    external = rule->external;
    range = rule->ports;
  }
  nat::ProtoClass proto;
  if (external == 0 || !nat::proto_class_of(meta.ip_proto, proto)) return true;
  const uint32_t mapping = ctx.nat.acquire(proto, source_of(m, meta), meta.src_port, external, range, rules);
  if (mapping == nat::NatTable::kNone) {
    burst.drop(m, DropReason::kNatPortExhausted);
    return false;
  }
  record.mapping = mapping;
  record.flags |= nat::flow_nat::kSource;
  return true;
}

// A packet that came in through a mapping's external port belongs to one of that mapping's own flows, or
// to nobody: address-and-port-dependent filtering (RFC 4787), whatever the policy says about inside hosts.
bool arrived_through_own_mapping(const WorkerContext& ctx, const PacketMeta& meta,
                                 const nat::FlowNat& record) {
  if (!(record.flags & nat::flow_nat::kSource)) return false;
  const nat::Mapping& mapping = ctx.nat.mapping(record.mapping);
  return mapping.external == meta.nat_original_address && mapping.external_port == meta.nat_original_port;
}

void translate_source(WorkerContext& ctx, rte_mbuf* m, PacketMeta& meta, const nat::FlowNat& record) {
  const bool reply = (meta.flags & meta_flag::kReplyDirection) != 0;
  uint32_t address = 0;
  uint16_t port = 0;
  if (!reply && (record.flags & nat::flow_nat::kSource)) {
    address = ctx.nat.mapping(record.mapping).external;
    port = ctx.nat.mapping(record.mapping).external_port;
  } else if (reply && (record.flags & nat::flow_nat::kDestination)) {
    address = record.public_address;
    port = record.public_port;
  } else {
    return;
  }
  if (meta.flags & meta_flag::kIcmpError) {
    // An error from the inside about a packet of the other direction: the quote's destination is the
    // endpoint we translate; the outer source becomes the external address.
    if (meta.nat_flags & nat_flag::kIcmpInbound) return;
    if (nat::rewrite_icmp_error(m, meta, Side::kSource, address, Side::kDestination, address, port))
      ++ctx.nat.counters().icmp_errors_translated;
    return;
  }
  nat::rewrite_endpoint(m, meta, Side::kSource, address, port);
  ++ctx.nat.counters().packets_translated;
}

}  // namespace

void stage_nat_destination(WorkerContext& ctx, Burst& burst) {
  if (ctx.snapshot->nat().empty()) return;
  for (uint16_t i = 0; i < burst.count; ++i) {
    rte_mbuf* m = burst.pkts[i];
    PacketMeta& meta = meta_of(m);
    meta.nat_flags &= static_cast<uint8_t>(~nat_flag::kDestinationTranslated);
    if (meta.l3 != L3Kind::kIpv4 || (meta.flags & meta_flag::kLocallyOriginated) || meta.from_kernel)
      continue;
    translate_destination(ctx, m, meta);
  }
}

void stage_nat(WorkerContext& ctx, Burst& burst) {
  if (ctx.snapshot->nat().empty()) return;
  FlowEndLogger on_end(ctx);
  keep_if(burst, [&](rte_mbuf* m) {
    PacketMeta& meta = meta_of(m);
    // The box's own connections already leave from its address on the port: no translation (a flow it
    // accepted for itself is never translated either, as it is not forwarded).
    if (meta.l3 != L3Kind::kIpv4 || meta.flow == nullptr || (meta.flags & meta_flag::kLocallyOriginated) ||
        meta.from_kernel) {
      return true;
    }
    conntrack::Flow* flow = meta.flow;
    nat::FlowNat& record = ctx.nat.record(ctx.flows.slot_of(*flow));
    if (!(record.flags & nat::flow_nat::kSet) && (meta.flags & meta_flag::kNewFlow)) {
      if (meta.nat_flags & nat_flag::kViaMapping) {  // a new connection to a mapping's port: unsolicited
        ctx.flows.remove(flow, on_end);
        burst.drop(m, DropReason::kNatUnsolicited);
        return false;
      }
      if (!decide_flow(ctx, m, meta, record, burst)) {
        ctx.flows.remove(flow, on_end);
        return false;
      }
    }
    if ((meta.nat_flags & nat_flag::kViaMapping) && !arrived_through_own_mapping(ctx, meta, record)) {
      burst.drop(m, DropReason::kNatUnsolicited);
      return false;
    }
    if ((meta.flags & meta_flag::kPolicyRecheck) && (record.flags & nat::flow_nat::kSource) &&
        !ctx.snapshot->nat().is_external(ctx.nat.mapping(record.mapping).external)) {
      // Its external address is no longer the box's (a new DHCP lease): nobody can answer it there.
      ctx.flows.remove(flow, on_end);
      burst.drop(m, DropReason::kNatAddressChanged);
      return false;
    }
    if (!forward_will_refuse(ctx, meta)) translate_source(ctx, m, meta, record);
    return true;
  });
}

}  // namespace torwart::dataplane
