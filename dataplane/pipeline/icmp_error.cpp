#include "dataplane/pipeline/icmp_error.hpp"

#include <algorithm>
#include <cstring>

#include "dataplane/core/packet_access.hpp"

namespace torwart::dataplane {
namespace {

constexpr uint16_t kEthernetLength = sizeof(rte_ether_hdr);
constexpr uint16_t kIcmpHeaderLength = 8;
constexpr uint16_t kIpv4QuoteLimit = 576 - 20 - kIcmpHeaderLength;   // RFC 1812 4.3.2.3
constexpr uint16_t kIpv6QuoteLimit = 1280 - 40 - kIcmpHeaderLength;  // RFC 4443 2.4 (c)
constexpr uint8_t kLocalTtl = 64;

bool error_allowed(rte_mbuf* original, const PacketMeta& meta) {
  if (meta.flags & (meta_flag::kIcmpError | meta_flag::kLaterFragment)) return false;
  if (meta.flags & meta_flag::kL2Multicast) return false;
  if (meta.l3 == L3Kind::kIpv4) {
    const rte_ipv4_hdr* ip = ipv4_of(original, meta);
    const uint32_t src = rte_be_to_cpu_32(ip->src_addr);
    return src != 0 && !is_ipv4_multicast_or_broadcast(src) &&
           !is_ipv4_multicast_or_broadcast(rte_be_to_cpu_32(ip->dst_addr));
  }
  const rte_ipv6_hdr* ip = ipv6_of(original, meta);
  static constexpr uint8_t kUnspecified[16] = {};
  return std::memcmp(ip->src_addr, kUnspecified, 16) != 0 && !is_ipv6_multicast(ip->src_addr);
}

// Routes the freshly built error; false when its destination is unreachable from here.
bool route_generated(const Snapshot& snapshot, rte_mbuf* m, PacketMeta& meta, const uint8_t* destination) {
  const uint32_t hop =
      meta.l3 == L3Kind::kIpv4
          ? snapshot.fib().lookup_v4(rte_be_to_cpu_32(*reinterpret_cast<const rte_be32_t*>(destination)))
          : snapshot.fib().lookup_v6(destination);
  if (hop == kNoNextHop || snapshot.next_hop(hop).kind != NextHopKind::kForward) return false;
  meta.next_hop = hop;
  meta.out_iface = snapshot.next_hop(hop).iface;
  (void)m;
  return true;
}

rte_mbuf* build_v4(WorkerContext& ctx, rte_mbuf* original, const PacketMeta& meta, IcmpErrorKind kind,
                   uint16_t mtu) {
  const Interface& ingress = ctx.snapshot->interface(meta.in_iface);
  if (!ingress.has_v4) return nullptr;
  const uint16_t quote = std::min<uint16_t>(meta.l3_length, kIpv4QuoteLimit);
  const uint16_t ip_length = static_cast<uint16_t>(20 + kIcmpHeaderLength + quote);
  rte_mbuf* m = rte_pktmbuf_alloc(ctx.pool);
  if (m == nullptr) return nullptr;
  auto* frame = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, kEthernetLength + ip_length));
  if (frame == nullptr) {
    rte_pktmbuf_free(m);
    return nullptr;
  }
  std::memset(frame, 0, kEthernetLength);
  auto* ip = reinterpret_cast<rte_ipv4_hdr*>(frame + kEthernetLength);
  const rte_ipv4_hdr* offending = ipv4_of(original, meta);
  std::memset(ip, 0, sizeof *ip);
  ip->version_ihl = 0x45;
  ip->type_of_service = 0xc0;  // internetwork control
  ip->total_length = rte_cpu_to_be_16(ip_length);
  ip->time_to_live = kLocalTtl;
  ip->next_proto_id = IPPROTO_ICMP;
  ip->src_addr = rte_cpu_to_be_32(ingress.source_v4);
  ip->dst_addr = offending->src_addr;
  ip->hdr_checksum = rte_ipv4_cksum(ip);

  uint8_t* icmp = frame + kEthernetLength + 20;
  std::memset(icmp, 0, kIcmpHeaderLength);
  switch (kind) {
    case IcmpErrorKind::kTimeExceeded:
      icmp[0] = 11;
      break;
    case IcmpErrorKind::kNoRoute:
      icmp[0] = 3;
      break;
    case IcmpErrorKind::kAdministrativelyProhibited:
      icmp[0] = 3;
      icmp[1] = 13;
      break;
    case IcmpErrorKind::kFragmentationNeeded:
      icmp[0] = 3;
      icmp[1] = 4;
      icmp[6] = static_cast<uint8_t>(mtu >> 8);
      icmp[7] = static_cast<uint8_t>(mtu);
      break;
  }
  std::memcpy(icmp + kIcmpHeaderLength, offending, quote);
  const uint16_t checksum = static_cast<uint16_t>(~rte_raw_cksum(icmp, kIcmpHeaderLength + quote));
  std::memcpy(icmp + 2, &checksum, 2);

  PacketMeta& out = meta_of(m);
  out = PacketMeta{};
  out.l3 = L3Kind::kIpv4;
  out.l3_offset = kEthernetLength;
  out.l4_offset = kEthernetLength + 20;
  out.l3_length = ip_length;
  out.ip_proto = IPPROTO_ICMP;
  out.l4_present = 1;
  out.ttl = kLocalTtl;
  out.dst_port = static_cast<uint16_t>(icmp[0] << 8 | icmp[1]);
  out.flags = meta_flag::kLocallyOriginated | meta_flag::kIcmpError;
  out.in_iface = meta.in_iface;
  if (!route_generated(*ctx.snapshot, m, out, reinterpret_cast<const uint8_t*>(&ip->dst_addr))) {
    rte_pktmbuf_free(m);
    return nullptr;
  }
  return m;
}

rte_mbuf* build_v6(WorkerContext& ctx, rte_mbuf* original, const PacketMeta& meta, IcmpErrorKind kind,
                   uint16_t mtu) {
  const Interface& ingress = ctx.snapshot->interface(meta.in_iface);
  if (!ingress.has_v6) return nullptr;
  const uint16_t quote = std::min<uint16_t>(meta.l3_length, kIpv6QuoteLimit);
  const uint16_t payload_length = static_cast<uint16_t>(kIcmpHeaderLength + quote);
  rte_mbuf* m = rte_pktmbuf_alloc(ctx.pool);
  if (m == nullptr) return nullptr;
  auto* frame = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, kEthernetLength + 40 + payload_length));
  if (frame == nullptr) {
    rte_pktmbuf_free(m);
    return nullptr;
  }
  std::memset(frame, 0, kEthernetLength);
  auto* ip = reinterpret_cast<rte_ipv6_hdr*>(frame + kEthernetLength);
  const rte_ipv6_hdr* offending = ipv6_of(original, meta);
  ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
  ip->payload_len = rte_cpu_to_be_16(payload_length);
  ip->proto = IPPROTO_ICMPV6;
  ip->hop_limits = kLocalTtl;
  std::memcpy(ip->src_addr, ingress.source_v6.data(), 16);
  std::memcpy(ip->dst_addr, offending->src_addr, 16);

  uint8_t* icmp = frame + kEthernetLength + 40;
  std::memset(icmp, 0, kIcmpHeaderLength);
  switch (kind) {
    case IcmpErrorKind::kTimeExceeded:
      icmp[0] = 3;
      break;
    case IcmpErrorKind::kNoRoute:
      icmp[0] = 1;
      break;
    case IcmpErrorKind::kAdministrativelyProhibited:
      icmp[0] = 1;
      icmp[1] = 1;
      break;
    case IcmpErrorKind::kFragmentationNeeded:
      icmp[0] = 2;
      icmp[6] = static_cast<uint8_t>(mtu >> 8);
      icmp[7] = static_cast<uint8_t>(mtu);
      break;
  }
  std::memcpy(icmp + kIcmpHeaderLength, offending, quote);
  const uint16_t checksum = rte_ipv6_udptcp_cksum(ip, icmp);
  std::memcpy(icmp + 2, &checksum, 2);

  PacketMeta& out = meta_of(m);
  out = PacketMeta{};
  out.l3 = L3Kind::kIpv6;
  out.l3_offset = kEthernetLength;
  out.l4_offset = kEthernetLength + 40;
  out.l3_length = static_cast<uint16_t>(40 + payload_length);
  out.ip_proto = IPPROTO_ICMPV6;
  out.l4_present = 1;
  out.ttl = kLocalTtl;
  out.dst_port = static_cast<uint16_t>(icmp[0] << 8 | icmp[1]);
  out.flags = meta_flag::kLocallyOriginated | meta_flag::kIcmpError;
  out.in_iface = meta.in_iface;
  if (!route_generated(*ctx.snapshot, m, out, ip->dst_addr)) {
    rte_pktmbuf_free(m);
    return nullptr;
  }
  return m;
}

}  // namespace

void send_icmp_error(WorkerContext& ctx, Burst& burst, rte_mbuf* original, IcmpErrorKind kind, uint16_t mtu) {
  const PacketMeta& meta = meta_of(original);
  if (!error_allowed(original, meta)) return;
  if (!ctx.icmp_errors.take(ctx.now_ns)) {
    ++ctx.counters.icmp_errors_rate_limited;
    return;
  }
  rte_mbuf* error = meta.l3 == L3Kind::kIpv4 ? build_v4(ctx, original, meta, kind, mtu)
                                             : build_v6(ctx, original, meta, kind, mtu);
  if (error == nullptr) return;
  error->port = original->port;
  ++ctx.counters.icmp_errors_sent;
  burst.add_generated(error);
}

}  // namespace torwart::dataplane
