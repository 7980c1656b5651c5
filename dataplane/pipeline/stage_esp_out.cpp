// Outbound IPsec: packets the route sent into a tunnel's interface (the policy, NAT, the application layer
// and the MTU check have seen them as such) are encrypted with the tunnel's newest outbound SA and routed
// to the peer as ESP packets out of the uplink. README "VPN" has the whole path.
#include <netinet/in.h>

#include <array>

#include <rte_ip.h>

#include "dataplane/ipsec/esp.hpp"
#include "dataplane/pipeline/esp_common.hpp"
#include "dataplane/pipeline/stages.hpp"

namespace torwart::dataplane {
namespace {

// The outbound SA of a tunnel's CHILD_SA, looked up once per burst and reqid.
class OutboundSas {
 public:
  explicit OutboundSas(const ipsec::SaTableVersion* sas) : sas_(sas) {}
  ipsec::SaState* of(uint32_t reqid) {
    if (sas_ == nullptr) return nullptr;
    for (uint16_t i = 0; i < count_; ++i) {
      if (reqids_[i] == reqid) return states_[i];
    }
    ipsec::SaState* state = sas_->outbound_for(reqid);
    if (count_ < kSlots) {
      reqids_[count_] = reqid;
      states_[count_++] = state;
    }
    return state;
  }

 private:
  static constexpr uint16_t kSlots = 8;
  const ipsec::SaTableVersion* sas_;
  std::array<uint32_t, kSlots> reqids_{};
  std::array<ipsec::SaState*, kSlots> states_{};
  uint16_t count_ = 0;
};

// The encrypted packet (from its outer IP header on) described for l2_rewrite and output, and routed to the
// peer. False when no route leads there other than into a tunnel or to the box.
bool route_outer(const Snapshot& snapshot, rte_mbuf* m, PacketMeta& meta) {
  const uint8_t* l3 = rte_pktmbuf_mtod(m, const uint8_t*);
  const bool ipv6 = (l3[0] >> 4) == 6;
  const uint32_t hop =
      ipv6 ? snapshot.fib().lookup_v6(l3 + 24)
           : snapshot.fib().lookup_v4(rte_be_to_cpu_32(reinterpret_cast<const rte_ipv4_hdr*>(l3)->dst_addr));
  if (hop == kNoNextHop || snapshot.next_hop(hop).kind != NextHopKind::kForward) return false;
  const uint16_t out = snapshot.next_hop(hop).iface;
  if (snapshot.interface(out).is_tunnel()) return false;  // ESP in ESP: a routing loop
  const uint16_t header = ipv6 ? 40 : static_cast<uint16_t>((l3[0] & 0x0f) * 4);
  meta.l3 = ipv6 ? L3Kind::kIpv6 : L3Kind::kIpv4;
  meta.l3_offset = 0;
  meta.l4_offset = header;
  meta.l3_length = static_cast<uint16_t>(rte_pktmbuf_pkt_len(m));
  meta.ip_proto = ipv6 ? l3[6] : l3[9];
  meta.l4_present = meta.ip_proto == IPPROTO_UDP;
  meta.vlan_id = 0;
  meta.flags = meta_flag::kLocallyOriginated;
  meta.next_hop = hop;
  meta.out_iface = out;
  return true;
}

}  // namespace

void stage_esp_out(WorkerContext& ctx, Burst& burst) {
  const Snapshot& snapshot = *ctx.snapshot;
  if (snapshot.tunnels().empty()) return;
  OutboundSas outbound(ctx.sas);
  std::array<rte_mbuf*, kMaxBurst> sealed;
  std::array<ipsec::SaState*, kMaxBurst> sa_of;
  uint16_t sealed_count = 0;
  keep_if(burst, [&](rte_mbuf* m) {
    PacketMeta& meta = meta_of(m);
    if (meta.out_iface == kNoInterface || !snapshot.interface(meta.out_iface).is_tunnel()) return true;
    const Tunnel& tunnel = snapshot.tunnels()[snapshot.interface(meta.out_iface).tunnel];
    const bool ipv6 = meta.l3 == L3Kind::kIpv6;
    // The route chose the tunnel by the destination (one of its remote networks); the source must be one
    // of its local networks, or the peer would refuse the packet (RFC 4301 5.1).
    const uint8_t* l3 = rte_pktmbuf_mtod_offset(m, const uint8_t*, meta.l3_offset);
    if (!in_prefixes(tunnel.local_subnets, l3, ipv6, /*destination=*/false)) {
      burst.drop(m, DropReason::kEspNoPolicy);
      return false;
    }
    ipsec::SaState* sa = outbound.of(tunnel.reqid(ipv6));
    if (sa == nullptr) {
      burst.drop(m, DropReason::kEspNoSa);
      return false;
    }
    rte_pktmbuf_adj(m, meta.l3_offset);  // dataplane/ipsec takes packets from their IP header on
    meta.l4_offset = static_cast<uint16_t>(meta.l4_offset - meta.l3_offset);
    meta.l3_offset = 0;
    sa_of[sealed_count] = sa;
    sealed[sealed_count++] = m;
    return false;
  });

  // Runs of one SA in one call (a burst mostly carries one tunnel's packets).
  std::array<ipsec::EspResult, kMaxBurst> results;
  for (uint16_t start = 0; start < sealed_count;) {
    uint16_t end = start + 1;
    while (end < sealed_count && sa_of[end] == sa_of[start]) ++end;
    ipsec::encapsulate(*sa_of[start], sealed.data() + start, static_cast<uint16_t>(end - start),
                       results.data() + start, ctx.now_ns, ctx.worker_id);
    start = end;
  }
  for (uint16_t i = 0; i < sealed_count; ++i) {
    rte_mbuf* m = sealed[i];
    PacketMeta& meta = meta_of(m);
    const DropReason reason = esp_drop_reason(results[i]);
    if (reason != DropReason::kNone) {
      burst.drop(m, reason);
    } else if (!route_outer(snapshot, m, meta)) {
      burst.drop(m, DropReason::kNoRoute);
    } else {
      ++ctx.counters.esp_encrypted;
      burst.pkts[burst.count++] = m;
    }
  }
}

}  // namespace torwart::dataplane
