#include "dataplane/pipeline/tcp_builder.hpp"

#include <netinet/in.h>

#include <cstring>

#include <rte_ip.h>
#include <rte_tcp.h>

namespace torwart::dataplane::synflood {
namespace {

constexpr uint16_t kEthernetLength = sizeof(rte_ether_hdr);
constexpr uint8_t kLocalTtl = 64;
constexpr uint16_t kDontFragment = 0x4000;

}  // namespace

rte_mbuf* build_tcp_segment(WorkerContext& ctx, const SegmentSpec& spec) {
  const uint16_t l3_header = spec.ipv6 ? 40 : 20;
  const uint16_t tcp_length = spec.mss != 0 ? 24 : 20;
  uint32_t hop = kNoNextHop;
  if (spec.ipv6) {
    hop = ctx.snapshot->fib().lookup_v6(spec.destination);
  } else {
    uint32_t destination_be;
    std::memcpy(&destination_be, spec.destination, 4);
    hop = ctx.snapshot->fib().lookup_v4(rte_be_to_cpu_32(destination_be));
  }
  if (hop == kNoNextHop || ctx.snapshot->next_hop(hop).kind != NextHopKind::kForward) return nullptr;

  rte_mbuf* m = rte_pktmbuf_alloc(ctx.pool);
  if (m == nullptr) return nullptr;
  auto* frame = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, kEthernetLength + l3_header + tcp_length));
  if (frame == nullptr) {
    rte_pktmbuf_free(m);
    return nullptr;
  }
  std::memset(frame, 0, kEthernetLength + l3_header + tcp_length);
  auto* tcp = reinterpret_cast<rte_tcp_hdr*>(frame + kEthernetLength + l3_header);
  tcp->src_port = rte_cpu_to_be_16(spec.source_port);
  tcp->dst_port = rte_cpu_to_be_16(spec.destination_port);
  tcp->sent_seq = rte_cpu_to_be_32(spec.seq);
  tcp->recv_ack = rte_cpu_to_be_32(spec.ack);
  tcp->data_off = static_cast<uint8_t>(tcp_length / 4 << 4);
  tcp->tcp_flags = spec.flags;
  tcp->rx_win = rte_cpu_to_be_16(spec.window);
  if (spec.mss != 0) {
    auto* option = reinterpret_cast<uint8_t*>(tcp + 1);
    option[0] = 2;  // MSS, RFC 9293 3.2
    option[1] = 4;
    option[2] = static_cast<uint8_t>(spec.mss >> 8);
    option[3] = static_cast<uint8_t>(spec.mss);
  }
  if (spec.ipv6) {
    auto* ip = reinterpret_cast<rte_ipv6_hdr*>(frame + kEthernetLength);
    ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
    ip->payload_len = rte_cpu_to_be_16(tcp_length);
    ip->proto = IPPROTO_TCP;
    ip->hop_limits = kLocalTtl;
    std::memcpy(ip->src_addr, spec.source, 16);
    std::memcpy(ip->dst_addr, spec.destination, 16);
    tcp->cksum = rte_ipv6_udptcp_cksum(ip, tcp);
  } else {
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(frame + kEthernetLength);
    ip->version_ihl = 0x45;
    ip->total_length = rte_cpu_to_be_16(static_cast<uint16_t>(20 + tcp_length));
    ip->fragment_offset = rte_cpu_to_be_16(kDontFragment);
    ip->time_to_live = kLocalTtl;
    ip->next_proto_id = IPPROTO_TCP;
    std::memcpy(&ip->src_addr, spec.source, 4);
    std::memcpy(&ip->dst_addr, spec.destination, 4);
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
  }

  PacketMeta& meta = meta_of(m);
  meta = PacketMeta{};
  meta.l3 = spec.ipv6 ? L3Kind::kIpv6 : L3Kind::kIpv4;
  meta.l3_offset = kEthernetLength;
  meta.l4_offset = static_cast<uint16_t>(kEthernetLength + l3_header);
  meta.l3_length = static_cast<uint16_t>(l3_header + tcp_length);
  meta.ip_proto = IPPROTO_TCP;
  meta.l4_present = 1;
  meta.ttl = kLocalTtl;
  meta.src_port = spec.source_port;
  meta.dst_port = spec.destination_port;
  meta.flags = meta_flag::kLocallyOriginated | (spec.ipv6 ? 0 : meta_flag::kDontFragment);
  meta.in_iface = spec.in_iface;
  meta.next_hop = hop;
  meta.out_iface = ctx.snapshot->next_hop(hop).iface;
  m->port = spec.port;
  return m;
}

}  // namespace torwart::dataplane::synflood
