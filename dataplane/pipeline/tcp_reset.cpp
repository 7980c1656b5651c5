#include "dataplane/pipeline/tcp_reset.hpp"

#include <netinet/in.h>

#include <cstring>

#include <rte_tcp.h>

#include "dataplane/core/packet_access.hpp"

namespace torwart::dataplane {
namespace {

constexpr uint16_t kEthernetLength = sizeof(rte_ether_hdr);
constexpr uint8_t kLocalTtl = 64;

// Sequence numbers per RFC 9293: answer an ACK with its acknowledgement number; otherwise acknowledge
// everything the segment occupied (its data, plus one each for SYN and FIN).
void fill_reset(rte_tcp_hdr* reset, const rte_tcp_hdr* segment, uint32_t segment_length) {
  std::memset(reset, 0, sizeof *reset);
  reset->src_port = segment->dst_port;
  reset->dst_port = segment->src_port;
  reset->data_off = 5 << 4;
  if (segment->tcp_flags & RTE_TCP_ACK_FLAG) {
    reset->sent_seq = segment->recv_ack;
    reset->tcp_flags = RTE_TCP_RST_FLAG;
  } else {
    uint32_t occupied = segment_length;
    if (segment->tcp_flags & RTE_TCP_SYN_FLAG) ++occupied;
    if (segment->tcp_flags & RTE_TCP_FIN_FLAG) ++occupied;
    reset->recv_ack = rte_cpu_to_be_32(rte_be_to_cpu_32(segment->sent_seq) + occupied);
    reset->tcp_flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG;
  }
}

}  // namespace

void send_tcp_reset(WorkerContext& ctx, Burst& burst, rte_mbuf* segment) {
  const PacketMeta& meta = meta_of(segment);
  if (meta.ip_proto != IPPROTO_TCP || !meta.l4_present) return;
  const auto* tcp = reinterpret_cast<const rte_tcp_hdr*>(l4_of(segment, meta));
  if (tcp->tcp_flags & RTE_TCP_RST_FLAG) return;
  if (!ctx.icmp_errors.take(ctx.now_ns)) {
    ++ctx.counters.icmp_errors_rate_limited;
    return;
  }
  const uint32_t segment_length =
      meta.l3_offset + meta.l3_length - meta.l4_offset - (tcp->data_off >> 4) * 4u;
  const bool v4 = meta.l3 == L3Kind::kIpv4;
  const uint16_t l3_header = v4 ? 20 : 40;
  rte_mbuf* m = rte_pktmbuf_alloc(ctx.pool);
  if (m == nullptr) return;
  auto* frame =
      reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, kEthernetLength + l3_header + sizeof(rte_tcp_hdr)));
  if (frame == nullptr) {
    rte_pktmbuf_free(m);
    return;
  }
  std::memset(frame, 0, kEthernetLength);
  auto* reset = reinterpret_cast<rte_tcp_hdr*>(frame + kEthernetLength + l3_header);
  fill_reset(reset, tcp, segment_length);
  uint32_t hop = kNoNextHop;
  if (v4) {
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(frame + kEthernetLength);
    const rte_ipv4_hdr* original = ipv4_of(segment, meta);
    std::memset(ip, 0, sizeof *ip);
    ip->version_ihl = 0x45;
    ip->total_length = rte_cpu_to_be_16(20 + sizeof(rte_tcp_hdr));
    ip->time_to_live = kLocalTtl;
    ip->next_proto_id = IPPROTO_TCP;
    ip->src_addr = original->dst_addr;
    ip->dst_addr = original->src_addr;
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    reset->cksum = rte_ipv4_udptcp_cksum(ip, reset);
    hop = ctx.snapshot->fib().lookup_v4(rte_be_to_cpu_32(ip->dst_addr));
  } else {
    auto* ip = reinterpret_cast<rte_ipv6_hdr*>(frame + kEthernetLength);
    const rte_ipv6_hdr* original = ipv6_of(segment, meta);
    ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
    ip->payload_len = rte_cpu_to_be_16(sizeof(rte_tcp_hdr));
    ip->proto = IPPROTO_TCP;
    ip->hop_limits = kLocalTtl;
    std::memcpy(ip->src_addr, original->dst_addr, 16);
    std::memcpy(ip->dst_addr, original->src_addr, 16);
    reset->cksum = rte_ipv6_udptcp_cksum(ip, reset);
    hop = ctx.snapshot->fib().lookup_v6(ip->dst_addr);
  }
  if (hop == kNoNextHop || ctx.snapshot->next_hop(hop).kind != NextHopKind::kForward) {
    rte_pktmbuf_free(m);
    return;
  }
  PacketMeta& out = meta_of(m);
  out = PacketMeta{};
  out.l3 = meta.l3;
  out.l3_offset = kEthernetLength;
  out.l4_offset = static_cast<uint16_t>(kEthernetLength + l3_header);
  out.l3_length = static_cast<uint16_t>(l3_header + sizeof(rte_tcp_hdr));
  out.ip_proto = IPPROTO_TCP;
  out.l4_present = 1;
  out.ttl = kLocalTtl;
  out.flags = meta_flag::kLocallyOriginated;
  out.in_iface = meta.in_iface;
  out.next_hop = hop;
  out.out_iface = ctx.snapshot->next_hop(hop).iface;
  m->port = segment->port;
  ++ctx.counters.tcp_resets_sent;
  burst.add_generated(m);
}

}  // namespace torwart::dataplane
