#include <rte_hash_crc.h>

#include "dataplane/core/packet_access.hpp"
#include "dataplane/nat/rewrite.hpp"
#include "dataplane/pipeline/icmp_error.hpp"
#include "dataplane/pipeline/ipv4_fragment.hpp"
#include "dataplane/pipeline/stages.hpp"

namespace torwart::dataplane {
namespace {

bool has_link_local_source(rte_mbuf* m, const PacketMeta& meta) {
  if (meta.l3 == L3Kind::kIpv4) {
    const uint32_t source = rte_be_to_cpu_32(ipv4_of(m, meta)->src_addr);
    return source == 0 || is_ipv4_link_local(source);
  }
  const uint8_t* source = ipv6_of(m, meta)->src_addr;
  static constexpr uint8_t kUnspecified[16] = {};
  return is_ipv6_link_local(source) || std::memcmp(source, kUnspecified, 16) == 0;
}

void decrement_ttl(rte_mbuf* m, const PacketMeta& meta) {
  if (meta.l3 == L3Kind::kIpv4) {
    rte_ipv4_hdr* ip = ipv4_of(m, meta);
    // TTL shares a 16-bit checksum word with the protocol field.
    const uint16_t old_word =
        rte_cpu_to_be_16(static_cast<uint16_t>(ip->time_to_live << 8 | ip->next_proto_id));
    --ip->time_to_live;
    const uint16_t new_word =
        rte_cpu_to_be_16(static_cast<uint16_t>(ip->time_to_live << 8 | ip->next_proto_id));
    ip->hdr_checksum = checksum_adjust16(ip->hdr_checksum, old_word, new_word);
  } else {
    --ipv6_of(m, meta)->hop_limits;
  }
}

// An ICMP error about a packet whose destination NAT translated quotes it as its sender sent it, or the
// sender could not match the error (PMTU discovery through a port forward).
void refuse_with_icmp(WorkerContext& ctx, Burst& burst, rte_mbuf* m, IcmpErrorKind kind, uint16_t mtu = 0) {
  const uint16_t before = burst.generated_count;
  send_icmp_error(ctx, burst, m, kind, mtu);
  const PacketMeta& meta = meta_of(m);
  if ((meta.nat_flags & (nat_flag::kForwarded | nat_flag::kViaMapping)) && burst.generated_count > before)
    nat::answer_from_original_destination(meta, burst.generated[burst.generated_count - 1]);
}

// Spreads sources over the input policer's groups; only for packets the box accepted, never per transit
// packet.
uint32_t source_group_hash(rte_mbuf* m, const PacketMeta& meta) {
  if (meta.l3 == L3Kind::kIpv4) return rte_hash_crc_4byte(ipv4_of(m, meta)->src_addr, 0x746f7277u);
  return rte_hash_crc(ipv6_of(m, meta)->src_addr, 16, 0x746f7277u);
}

}  // namespace

void stage_forward(WorkerContext& ctx, Burst& burst) {
  const Snapshot& snapshot = *ctx.snapshot;
  keep_if(burst, [&](rte_mbuf* m) {
    PacketMeta& meta = meta_of(m);
    if (meta.flags & meta_flag::kLocallyOriginated) {
      return true;
    }
    if (snapshot.for_the_box(meta.next_hop)) {
      // The input policy accepted it: the slow path hands it to the box's kernel, within the port's share.
      const bool established = meta.flow != nullptr && meta.flow->packets[0] > 0 && meta.flow->packets[1] > 0;
      if (!ctx.local_policer.admit_input(m->port, established, source_group_hash(m, meta), ctx.now_ns)) {
        burst.drop(m, DropReason::kLocalRateExceeded);
        return false;
      }
      meta.for_kernel = true;
      burst.punt(m);
      return false;
    }
    if (has_link_local_source(m, meta)) {  // RFC 3927 / RFC 4291: never routed off the link
      burst.drop(m, DropReason::kBadSourceAddress);
      return false;
    }
    if (meta.from_kernel) {
      // The box's kernel set TTL and hop limit for a packet that starts here, and knows the port's MTU; a
      // route through a port with a smaller one cannot answer it with an ICMP error (nothing returns to a
      // twin from a worker but by the input path).
      if (meta.l3_length > snapshot.interface(meta.out_iface).mtu) {
        burst.drop(m, DropReason::kMtuExceeded);
        return false;
      }
      return true;
    }
    if (meta.ttl <= 1) {
      refuse_with_icmp(ctx, burst, m, IcmpErrorKind::kTimeExceeded);
      burst.drop(m, DropReason::kTtlExceeded);
      return false;
    }
    const uint16_t mtu = snapshot.interface(meta.out_iface).mtu;
    if (meta.l3_length > mtu) {
      if (meta.l3 == L3Kind::kIpv4 && (meta.flags & meta_flag::kDontFragment) == 0) {
        decrement_ttl(m, meta);
        if (!fragment_ipv4(ctx, burst, m, mtu)) burst.drop(m, DropReason::kMtuExceeded);
        return false;
      }
      refuse_with_icmp(ctx, burst, m, IcmpErrorKind::kFragmentationNeeded, mtu);
      burst.drop(m, DropReason::kMtuExceeded);
      return false;
    }
    decrement_ttl(m, meta);
    return true;
  });
}

}  // namespace torwart::dataplane
