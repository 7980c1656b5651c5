// Inbound IPsec: ESP (protocol 50, or in UDP 4500 after NAT traversal) addressed to the box is checked and
// decrypted by dataplane/ipsec, and its inner packet goes on through the stages as a packet that arrived
// from the tunnel's interface, in the zone vpn-<name>. README "VPN" has the whole path.
#include <netinet/in.h>

#include <array>
#include <cstring>

#include "dataplane/conntrack/icmp_error_match.hpp"
#include "dataplane/core/packet_access.hpp"
#include "dataplane/core/parse.hpp"
#include "dataplane/ipsec/esp.hpp"
#include "dataplane/pipeline/esp_common.hpp"
#include "dataplane/pipeline/pipeline.hpp"
#include "dataplane/pipeline/stages.hpp"

namespace torwart::dataplane {
namespace {

constexpr uint16_t kNatTraversalPort = 4500;

enum class Arrival : uint8_t { kPass, kEsp, kFragment };

// ESP for the box itself: protocol 50, or UDP 4500 whose payload is neither the IKE non-ESP marker (four
// zero bytes: charon's, through the input policy) nor a NAT keepalive (one 0xff byte). Transit ESP, such as a
// client's own VPN through the box, passes untouched.
Arrival classify(const Snapshot& snapshot, rte_mbuf* m, const PacketMeta& meta) {
  if (meta.decapsulated || meta.from_kernel) return Arrival::kPass;
  if (meta.l3 != L3Kind::kIpv4 && meta.l3 != L3Kind::kIpv6) return Arrival::kPass;
  const bool fragment = (meta.flags & meta_flag::kFragment) != 0;
  if (meta.ip_proto == IPPROTO_UDP) {
    if (fragment || !meta.l4_present || meta.dst_port != kNatTraversalPort) return Arrival::kPass;
    const uint32_t payload = meta.l4_offset + 8u;
    const uint32_t end = meta.l3_offset + uint32_t{meta.l3_length};
    if (end > rte_pktmbuf_data_len(m) || payload > end) return Arrival::kPass;
    const uint8_t* p = rte_pktmbuf_mtod_offset(m, const uint8_t*, payload);
    if (end - payload < 4 || (p[0] | p[1] | p[2] | p[3]) == 0) return Arrival::kPass;
  } else if (meta.ip_proto != IPPROTO_ESP) {
    return Arrival::kPass;
  }
  const uint32_t hop = meta.l3 == L3Kind::kIpv4
                           ? snapshot.fib().lookup_v4(rte_be_to_cpu_32(ipv4_of(m, meta)->dst_addr))
                           : snapshot.fib().lookup_v6(ipv6_of(m, meta)->dst_addr);
  if (hop == kNoNextHop || !snapshot.for_the_box(hop)) return Arrival::kPass;
  return fragment ? Arrival::kFragment : Arrival::kEsp;
}

// The decrypted inner packet gets an Ethernet header again (the stages and the EVE records read frames),
// is parsed as if it had arrived, and must lie within the tunnel's networks (RFC 4301 5.2).
DropReason admit_inner(const Snapshot& snapshot, rte_mbuf* m, const ipsec::SaState& sa, PacketMeta& meta) {
  bool ipv6 = false;
  const Tunnel* tunnel = snapshot.tunnel_of_reqid(sa.spec().reqid, ipv6);
  if (tunnel == nullptr) return DropReason::kEspSelectorMismatch;
  const uint8_t version = rte_pktmbuf_data_len(m) > 0 ? *rte_pktmbuf_mtod(m, const uint8_t*) >> 4 : 0;
  auto* eth = reinterpret_cast<rte_ether_hdr*>(rte_pktmbuf_prepend(m, sizeof(rte_ether_hdr)));
  if (eth == nullptr) return DropReason::kEspNoBufferRoom;
  eth->dst_addr = eth->src_addr = rte_ether_addr{};
  eth->ether_type = rte_cpu_to_be_16(version == 6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
  const DropReason parsed =
      parse_frame(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m), meta, {});
  if (parsed != DropReason::kNone) return parsed;
  if ((meta.l3 == L3Kind::kIpv6) != ipv6) return DropReason::kEspWrongInnerProtocol;
  const uint8_t* l3 = rte_pktmbuf_mtod_offset(m, const uint8_t*, meta.l3_offset);
  if (!in_prefixes(tunnel->remote_subnets, l3, ipv6, /*destination=*/false) ||
      !in_prefixes(tunnel->local_subnets, l3, ipv6, /*destination=*/true))
    return DropReason::kEspSelectorMismatch;
  meta.in_iface = tunnel->iface;
  meta.decapsulated = true;
  if (meta.flags & meta_flag::kIcmpError) meta.flow_hash = conntrack::icmp_error_flow_hash(meta, m);
  return DropReason::kNone;
}

}  // namespace

void stage_esp_in(WorkerContext& ctx, Burst& burst) {
  const Snapshot& snapshot = *ctx.snapshot;
  if (snapshot.tunnels().empty() && ctx.sas == nullptr) return;
  std::array<rte_mbuf*, kMaxBurst> esp;
  std::array<uint16_t, kMaxBurst> outer_offset;
  uint16_t esp_count = 0;
  keep_if(burst, [&](rte_mbuf* m) {
    PacketMeta& meta = meta_of(m);
    switch (classify(snapshot, m, meta)) {
      case Arrival::kPass:
        return true;
      case Arrival::kFragment:
        burst.drop(m, DropReason::kEspFragment);
        return false;
      case Arrival::kEsp:
        break;
    }
    outer_offset[esp_count] = meta.l3_offset;
    rte_pktmbuf_adj(m, meta.l3_offset);  // dataplane/ipsec takes packets from their IP header on
    esp[esp_count++] = m;
    return false;
  });
  if (esp_count == 0) return;

  std::array<ipsec::EspResult, kMaxBurst> results;
  std::array<ipsec::SaState*, kMaxBurst> matched{};
  if (ctx.sas != nullptr) {
    ipsec::decapsulate(*ctx.sas, esp.data(), esp_count, results.data(), ctx.now_ns, ctx.worker_id,
                       matched.data());
  } else {
    results.fill(ipsec::EspResult::kUnknownSpi);
  }

  std::array<rte_mbuf*, kMaxBurst> handed;  // to other workers, with their owner
  std::array<unsigned, kMaxBurst> handed_owner;
  uint16_t handed_count = 0;
  for (uint16_t i = 0; i < esp_count; ++i) {
    rte_mbuf* m = esp[i];
    PacketMeta& meta = meta_of(m);
    DropReason reason = esp_drop_reason(results[i]);
    if (reason == DropReason::kNone) {
      reason = admit_inner(snapshot, m, *matched[i], meta);
    } else if (rte_pktmbuf_headroom(m) >= outer_offset[i]) {
      rte_pktmbuf_prepend(m, outer_offset[i]);  // the drop record describes the outer packet as it came
    } else {
      meta.in_iface = kNoInterface;
    }
    if (reason != DropReason::kNone) {
      burst.drop(m, reason);
      continue;
    }
    ++ctx.counters.esp_decrypted;
    const unsigned owner = ctx.steering != nullptr ? flow_owner(ctx, m) : ctx.worker_id;
    if (owner == ctx.worker_id) {
      burst.pkts[burst.count++] = m;
    } else {
      handed_owner[handed_count] = owner;
      handed[handed_count++] = m;
    }
  }
  // In runs of one owner, in arrival order: a flow's packets keep their order.
  for (uint16_t start = 0; start < handed_count;) {
    uint16_t end = start + 1;
    while (end < handed_count && handed_owner[end] == handed_owner[start]) ++end;
    ctx.counters.esp_handed_off +=
        hand_over(ctx, handed_owner[start], handed.data() + start, static_cast<uint16_t>(end - start));
    start = end;
  }
}

}  // namespace torwart::dataplane
