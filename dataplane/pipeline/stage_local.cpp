#include <netinet/in.h>

#include <algorithm>

#include "dataplane/core/packet_access.hpp"
#include "dataplane/pipeline/stages.hpp"

namespace torwart::dataplane {
namespace {

constexpr uint8_t kLocalTtl = 64;
constexpr uint8_t kEchoRequestV4 = 8, kEchoReplyV4 = 0;
constexpr uint8_t kEchoRequestV6 = 128, kEchoReplyV6 = 129;

// Rewrites the echo request into its reply where it lies and routes it back. False: cannot answer.
bool answer_echo(const Snapshot& snapshot, rte_mbuf* m, PacketMeta& meta) {
  uint8_t* icmp = l4_of(m, meta);
  uint16_t checksum = 0;
  std::memcpy(&checksum, icmp + 2, 2);
  const uint16_t old_word = rte_cpu_to_be_16(static_cast<uint16_t>(icmp[0] << 8 | icmp[1]));
  uint32_t hop = kNoNextHop;
  if (meta.l3 == L3Kind::kIpv4) {
    rte_ipv4_hdr* ip = ipv4_of(m, meta);
    const rte_be32_t source = ip->src_addr;
    ip->src_addr = ip->dst_addr;
    ip->dst_addr = source;
    ip->time_to_live = kLocalTtl;
    ip->hdr_checksum = 0;
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    icmp[0] = kEchoReplyV4;
    hop = snapshot.fib().lookup_v4(rte_be_to_cpu_32(ip->dst_addr));
  } else {
    rte_ipv6_hdr* ip = ipv6_of(m, meta);
    std::swap_ranges(ip->src_addr, ip->src_addr + 16, ip->dst_addr);  // the pseudo-header sum stays the same
    ip->hop_limits = kLocalTtl;
    icmp[0] = kEchoReplyV6;
    hop = snapshot.fib().lookup_v6(ip->dst_addr);
  }
  const uint16_t new_word = rte_cpu_to_be_16(static_cast<uint16_t>(icmp[0] << 8 | icmp[1]));
  checksum = checksum_adjust16(checksum, old_word, new_word);
  std::memcpy(icmp + 2, &checksum, 2);
  if (hop == kNoNextHop || snapshot.next_hop(hop).kind != NextHopKind::kForward) return false;
  meta.next_hop = hop;
  meta.out_iface = snapshot.next_hop(hop).iface;
  meta.ttl = kLocalTtl;
  meta.flags |= meta_flag::kLocallyOriginated;
  return true;
}

bool is_echo_request(const PacketMeta& meta) {
  if (!meta.l4_present || (meta.flags & meta_flag::kFragment)) return false;
  const uint8_t type = icmp_type_of(meta);
  return (meta.l3 == L3Kind::kIpv4 && meta.ip_proto == IPPROTO_ICMP && type == kEchoRequestV4) ||
         (meta.l3 == L3Kind::kIpv6 && meta.ip_proto == IPPROTO_ICMPV6 && type == kEchoRequestV6);
}

}  // namespace

void stage_local(WorkerContext& ctx, Burst& burst) {
  const Snapshot& snapshot = *ctx.snapshot;
  keep_if(burst, [&](rte_mbuf* m) {
    PacketMeta& meta = meta_of(m);
    if (snapshot.for_the_box(meta.next_hop)) {
      if (meta.from_kernel) {  // the kernel reaches its own addresses itself, never through a twin
        burst.drop(m, DropReason::kLocalUnhandled);
        return false;
      }
      if (!is_echo_request(meta)) {
        // The twin carries the port's own addresses only: VLAN sub-interfaces have none (README).
        if (ctx.kernel != nullptr && meta.vlan_id == 0 && ctx.kernel->reaches(m->port))
          return true;  // conntrack and the input policy decide; forward delivers
        burst.drop(m, DropReason::kLocalUnhandled);
        return false;
      }
      if (!ctx.local_policer.admit(m->port, LocalClass::kIcmp, ctx.now_ns)) {
        burst.drop(m, DropReason::kLocalRateExceeded);
        return false;
      }
      if (!answer_echo(snapshot, m, meta)) {
        burst.drop(m, DropReason::kNoRoute);
        return false;
      }
    }
    return true;
  });
}

}  // namespace torwart::dataplane
