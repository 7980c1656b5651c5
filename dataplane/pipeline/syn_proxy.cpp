#include "dataplane/pipeline/syn_proxy.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <cstring>

#include <rte_tcp.h>

#include "dataplane/conntrack/tcp_segment.hpp"
#include "dataplane/core/checksum.hpp"
#include "dataplane/core/packet_access.hpp"
#include "dataplane/pipeline/tcp_builder.hpp"
#include "dataplane/synflood/syn_cookie.hpp"

namespace torwart::dataplane::synflood {
namespace {

constexpr uint8_t kHandshakeFlags = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG | RTE_TCP_FIN_FLAG;
constexpr uint16_t kNoMss = 0;

bool has_tcp_header(const PacketMeta& meta) {
  return meta.ip_proto == IPPROTO_TCP && meta.l4_present && !(meta.flags & meta_flag::kLaterFragment);
}

rte_tcp_hdr* tcp_of(rte_mbuf* m, const PacketMeta& meta) {
  return reinterpret_cast<rte_tcp_hdr*>(l4_of(m, meta));
}

uint8_t zone_of(const WorkerContext& ctx, const PacketMeta& meta) {
  if (meta.in_iface == kNoInterface) return 0;
  return static_cast<uint8_t>(std::min<uint16_t>(ctx.snapshot->interface(meta.in_iface).zone, kMaxZones - 1));
}

// Whether NAT translates this connection (stage_nat_destination already did, or stage_nat will for its
// source). The proxy's own segments never pass the NAT stages, so such connections are not proxied.
bool nat_translates(const WorkerContext& ctx, const PacketMeta& meta) {
  const nat::NatRules& rules = ctx.snapshot->nat();
  if (rules.empty() || meta.l3 != L3Kind::kIpv4) return false;
  if (meta.nat_flags & nat_flag::kDestinationTranslated) return true;
  return meta.in_iface != kNoInterface && meta.out_iface != kNoInterface &&
         rules.source_rule(ctx.snapshot->interface(meta.in_iface).zone, meta.out_iface) != nullptr;
}

const config::SynFlood& limits_of(const WorkerContext& ctx, uint8_t zone) {
  static const config::SynFlood kDefaults{};
  const auto& zones = ctx.snapshot->source().zones;
  return zone < zones.size() ? zones[zone].syn_flood : kDefaults;
}

// The MSS option of a SYN, or 0 when it has none (or its options are cut off).
uint16_t announced_mss(rte_mbuf* m, const PacketMeta& meta) {
  const auto* tcp = reinterpret_cast<const uint8_t*>(tcp_of(m, meta));
  const uint32_t header = static_cast<uint32_t>(tcp[12] >> 4) * 4;
  if (header <= 20 || meta.l4_offset + header > rte_pktmbuf_data_len(m)) return kNoMss;
  const uint8_t* options = tcp + 20;
  const uint32_t length = header - 20;
  for (uint32_t i = 0; i < length;) {
    if (options[i] == 0) break;
    if (options[i] == 1) {
      ++i;
      continue;
    }
    if (i + 1 >= length || options[i + 1] < 2 || i + options[i + 1] > length) break;
    if (options[i] == 2 && options[i + 1] == 4)
      return static_cast<uint16_t>(options[i + 2] << 8 | options[i + 3]);
    i += options[i + 1];
  }
  return kNoMss;
}

// The packet's addresses as 4 or 16 bytes in network order.
struct Addresses {
  bool ipv6;
  const uint8_t* source;
  const uint8_t* destination;
};

Addresses addresses_of(rte_mbuf* m, const PacketMeta& meta) {
  if (meta.l3 == L3Kind::kIpv4) {
    const rte_ipv4_hdr* ip = ipv4_of(m, meta);
    return {false, reinterpret_cast<const uint8_t*>(&ip->src_addr),
            reinterpret_cast<const uint8_t*>(&ip->dst_addr)};
  }
  const rte_ipv6_hdr* ip = ipv6_of(m, meta);
  return {true, ip->src_addr, ip->dst_addr};
}

// The MSS the box announces in a handshake segment of its own for a connection like `meta`'s: at most `mss`,
// the egress MTU's, and `mss_clamp` of both interfaces (stage_mss_clamp never sees the box's own segments).
uint16_t mss_for(const WorkerContext& ctx, const PacketMeta& meta, uint16_t mss) {
  const bool v6 = meta.l3 == L3Kind::kIpv6;
  for (const uint16_t index : {meta.in_iface, meta.out_iface}) {
    if (index == kNoInterface) continue;
    const Interface& iface = ctx.snapshot->interface(index);
    const uint16_t clamp = v6 ? iface.mss_clamp_v6 : iface.mss_clamp_v4;
    if (clamp != 0) mss = std::min(mss, clamp);
  }
  if (meta.out_iface != kNoInterface) {
    const uint16_t mtu = ctx.snapshot->interface(meta.out_iface).mtu;
    const uint16_t headers = v6 ? 60 : 40;
    if (mtu > headers) mss = std::min<uint16_t>(mss, static_cast<uint16_t>(mtu - headers));
  }
  return mss;
}

// A segment answering `m` (from its destination to its source).
SegmentSpec answer_to(rte_mbuf* m, const PacketMeta& meta) {
  const Addresses a = addresses_of(m, meta);
  SegmentSpec spec;
  spec.ipv6 = a.ipv6;
  spec.source = a.destination;
  spec.destination = a.source;
  spec.source_port = meta.dst_port;
  spec.destination_port = meta.src_port;
  spec.in_iface = meta.in_iface;
  spec.port = m->port;
  return spec;
}

// A segment continuing `m` (from its source to its destination).
SegmentSpec onward_from(rte_mbuf* m, const PacketMeta& meta) {
  const Addresses a = addresses_of(m, meta);
  SegmentSpec spec;
  spec.ipv6 = a.ipv6;
  spec.source = a.source;
  spec.destination = a.destination;
  spec.source_port = meta.src_port;
  spec.destination_port = meta.dst_port;
  spec.in_iface = meta.in_iface;
  spec.port = m->port;
  return spec;
}

void set_seq(rte_tcp_hdr* tcp, uint32_t seq) {
  const uint32_t new_value = rte_cpu_to_be_32(seq);
  tcp->cksum = checksum_adjust32(tcp->cksum, tcp->sent_seq, new_value);
  tcp->sent_seq = new_value;
}

void set_ack(rte_tcp_hdr* tcp, uint32_t ack) {
  const uint32_t new_value = rte_cpu_to_be_32(ack);
  tcp->cksum = checksum_adjust32(tcp->cksum, tcp->recv_ack, new_value);
  tcp->recv_ack = new_value;
}

// The box's SYN to the server in the client's name, continuing the client's segment `m`.
SegmentSpec server_syn(rte_mbuf* m, const PacketMeta& meta, uint32_t client_isn, const FlowSide& side) {
  SegmentSpec spec = onward_from(m, meta);
  spec.seq = client_isn;
  spec.flags = RTE_TCP_SYN_FLAG;
  spec.window = side.client_window;
  spec.mss = side.server_mss;
  return spec;
}

void send_cookie(WorkerContext& ctx, Burst& burst, rte_mbuf* syn, const PacketMeta& meta, uint8_t zone) {
  conntrack::FlowTuple tuple;
  if (!conntrack::tuple_of_packet(meta, syn, tuple)) return;
  const uint32_t client_isn = rte_be_to_cpu_32(tcp_of(syn, meta)->sent_seq);
  const unsigned mss_index = cookie_mss_index(announced_mss(syn, meta));
  SegmentSpec spec = answer_to(syn, meta);
  spec.seq = make_syn_cookie(ctx.synflood.key(), tuple, client_isn, mss_index, ctx.now_ns);
  spec.ack = client_isn + 1;
  spec.flags = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG;
  spec.window = 0;  // no data before the server side is open: the window update says when
  spec.mss = mss_for(ctx, meta, kCookieMss[mss_index]);
  rte_mbuf* answer = build_tcp_segment(ctx, spec);
  if (answer == nullptr) return;
  ++ctx.counters.syn_cookies_sent;
  ctx.synflood.cookie_sent(zone, ctx.now_ns);
  burst.add_generated(answer);
}

// The client's ACK of a cookie SYN-ACK: check it, create the proxied flow, send the SYN to the server.
GateResult accept_cookie(WorkerContext& ctx, Burst& burst, rte_mbuf* m, const PacketMeta& meta, uint8_t zone,
                         const config::SynFlood& limits, conntrack::FlowEndCallback on_end) {
  conntrack::FlowTuple tuple;
  if (!conntrack::tuple_of_packet(meta, m, tuple)) return {};
  const conntrack::TcpSegment segment = conntrack::read_tcp_segment(meta, m);
  const uint32_t client_isn = segment.seq - 1;
  const uint32_t cookie = segment.ack - 1;
  const auto mss = check_syn_cookie(ctx.synflood.key(), tuple, client_isn, cookie, ctx.now_ns);
  if (!mss) {
    ++ctx.counters.syn_cookies_invalid;
    burst.drop(m, DropReason::kSynCookieInvalid);
    return {Outcome::kConsumed};
  }
  ++ctx.counters.syn_cookies_valid;
  if (ctx.synflood.half_open(zone) >= limits.half_open_limit) {
    burst.drop(m, DropReason::kHalfOpenLimit);
    return {Outcome::kConsumed};
  }
  const conntrack::CreateResult created =
      ctx.flows.create(tuple, conntrack::mirror(tuple), ctx.now_ns, on_end);
  if (created.flow == nullptr) {
    // A duplicate: a flow this burst already opened from the same ACK is still in its handshake.
    burst.drop(m, created.error == conntrack::CreateError::kDuplicate ? DropReason::kInvalidTcpState
                                                                      : DropReason::kFlowTableFull);
    return {Outcome::kConsumed};
  }
  conntrack::Flow& flow = *created.flow;
  flow_opened(ctx, flow, meta);
  FlowSide& side = ctx.synflood.side(ctx.flows.slot_of(flow));
  flow.flags |= conntrack::flow_flag::kSynProxied;
  side.cookie_isn = cookie;
  side.client_window = segment.window;

  side.server_mss = mss_for(ctx, meta, *mss);
  rte_mbuf* syn = build_tcp_segment(ctx, server_syn(m, meta, client_isn, side));
  if (syn == nullptr || ctx.flows.track(flow, conntrack::Direction::kOriginal, meta_of(syn), syn,
                                        ctx.now_ns) != conntrack::TrackVerdict::kAccept) {
    // No buffer: forget the flow; the client's next segment still carries the cookie and tries again.
    if (syn != nullptr) rte_pktmbuf_free(syn);
    ctx.flows.remove(&flow, on_end);
    rte_pktmbuf_free(m);
    return {Outcome::kConsumed};
  }
  note_tracked(ctx, flow);
  ++ctx.counters.syn_proxied_flows;
  burst.add_generated(syn);
  rte_pktmbuf_free(m);  // its data, if any, comes again: the client retransmits what the server never acked
  return {Outcome::kConsumed, &flow};
}

// The server's SYN-ACK (first or retransmitted) on a proxied flow: ACK it in the client's name; the first
// time also learn the sequence offset and give the client the server's window.
void answer_server(WorkerContext& ctx, Burst& burst, conntrack::Flow& flow, FlowSide& side, rte_mbuf* m,
                   const PacketMeta& meta) {
  const conntrack::TcpSegment segment = conntrack::read_tcp_segment(meta, m);
  if (!(side.flags & side_flag::kServerAnswered)) {
    side.seq_delta = segment.seq - side.cookie_isn;
    side.flags |= side_flag::kServerAnswered;
    SegmentSpec update = onward_from(m, meta);
    update.seq = side.cookie_isn + 1;
    update.ack = segment.ack;
    update.flags = RTE_TCP_ACK_FLAG;
    update.window = segment.window;
    if (rte_mbuf* to_client = build_tcp_segment(ctx, update)) burst.add_generated(to_client);
  }
  SegmentSpec ack = answer_to(m, meta);
  ack.seq = segment.ack;
  ack.ack = segment.seq + 1;
  ack.flags = RTE_TCP_ACK_FLAG;
  ack.window = side.client_window;
  rte_mbuf* to_server = build_tcp_segment(ctx, ack);
  if (to_server == nullptr) return;  // the server retransmits its SYN-ACK
  if (ctx.flows.track(flow, conntrack::Direction::kOriginal, meta_of(to_server), to_server, ctx.now_ns) !=
      conntrack::TrackVerdict::kAccept) {
    rte_pktmbuf_free(to_server);
    return;
  }
  note_tracked(ctx, flow);
  burst.add_generated(to_server);
}

}  // namespace

GateResult gate_new_connection(WorkerContext& ctx, Burst& burst, rte_mbuf* m,
                               conntrack::FlowEndCallback on_end) {
  const PacketMeta& meta = meta_of(m);
  // The box's own connections are not a flood from a zone: no cookie answers its kernel's SYNs.
  if (!has_tcp_header(meta) || meta.from_kernel) return {};
  const uint8_t zone = zone_of(ctx, meta);
  const config::SynFlood& limits = limits_of(ctx, zone);
  const uint8_t flags = tcp_of(m, meta)->tcp_flags & kHandshakeFlags;
  if (flags == RTE_TCP_SYN_FLAG) {
    const uint32_t half_open = ctx.synflood.half_open(zone);
    if (limits.cookies && half_open >= limits.cookies_above && !nat_translates(ctx, meta)) {
      send_cookie(ctx, burst, m, meta, zone);
      rte_pktmbuf_free(m);
      return {Outcome::kConsumed};
    }
    if (half_open >= limits.half_open_limit) {
      burst.drop(m, DropReason::kHalfOpenLimit);
      return {Outcome::kConsumed};
    }
    return {};
  }
  // Only an ACK to a cookie this zone may have been sent is worth the hash; others stay invalid_tcp_state.
  if (flags == RTE_TCP_ACK_FLAG && limits.cookies && ctx.synflood.cookies_live(zone, ctx.now_ns))
    return accept_cookie(ctx, burst, m, meta, zone, limits, on_end);
  return {};
}

void flow_opened(WorkerContext& ctx, const conntrack::Flow& flow, const PacketMeta& meta) {
  ctx.synflood.opened(ctx.flows.slot_of(flow), zone_of(ctx, meta));
}

void note_tracked(WorkerContext& ctx, const conntrack::Flow& flow) {
  ctx.synflood.note(ctx.flows.slot_of(flow), flow.state);
}

void client_segment(WorkerContext& ctx, Burst& burst, const conntrack::Flow& flow, rte_mbuf* m) {
  const PacketMeta& meta = meta_of(m);
  if (!has_tcp_header(meta)) return;
  const FlowSide& side = ctx.synflood.side(ctx.flows.slot_of(flow));
  rte_tcp_hdr* tcp = tcp_of(m, meta);
  if (!(side.flags & side_flag::kServerAnswered)) {
    // The server has not answered the box's SYN (lost?): send it again. The client's segment itself is
    // refused by the tracker: nothing passes before the server side is open.
    if (flow.state == conntrack::FlowState::kTcpSynSent && !(tcp->tcp_flags & RTE_TCP_SYN_FLAG)) {
      if (rte_mbuf* syn = build_tcp_segment(ctx, server_syn(m, meta, flow.tcp[0].seq_end - 1, side)))
        burst.add_generated(syn);
    }
    return;
  }
  if (tcp->tcp_flags & RTE_TCP_ACK_FLAG) set_ack(tcp, rte_be_to_cpu_32(tcp->recv_ack) + side.seq_delta);
}

Outcome server_segment(WorkerContext& ctx, Burst& burst, conntrack::Flow& flow, rte_mbuf* m) {
  FlowSide& side = ctx.synflood.side(ctx.flows.slot_of(flow));
  const PacketMeta& meta = meta_of(m);
  if (!has_tcp_header(meta)) return Outcome::kContinue;
  rte_tcp_hdr* tcp = tcp_of(m, meta);
  if (tcp->tcp_flags & RTE_TCP_SYN_FLAG) {
    // The client has its handshake already: the server's SYN-ACK is the box's to answer. A bare SYN (a
    // simultaneous open) has nothing the client could use and nothing to acknowledge.
    if (tcp->tcp_flags & RTE_TCP_ACK_FLAG) answer_server(ctx, burst, flow, side, m, meta);
    rte_pktmbuf_free(m);
    return Outcome::kConsumed;
  }
  if (side.flags & side_flag::kServerAnswered) {
    set_seq(tcp, rte_be_to_cpu_32(tcp->sent_seq) - side.seq_delta);
  } else {
    // A RST while the server side opens (the tracker checked it acknowledges the box's SYN): the client knows
    // only the cookie.
    set_seq(tcp, side.cookie_isn + 1);
  }
  return Outcome::kContinue;
}

void flow_ended(WorkerContext& ctx, const conntrack::Flow& flow) {
  ctx.synflood.ended(ctx.flows.slot_of(flow));
}

}  // namespace torwart::dataplane::synflood
