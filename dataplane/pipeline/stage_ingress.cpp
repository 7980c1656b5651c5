#include <netinet/in.h>

#include "dataplane/core/packet_access.hpp"
#include "dataplane/pipeline/stages.hpp"

namespace torwart::dataplane {
namespace {

enum Icmpv6Type : uint8_t {
  kRouterSolicitation = 133,
  kRouterAdvertisement = 134,
  kNeighbourSolicitation = 135,
  kNeighbourAdvertisement = 136,
  kRedirect = 137,
};

constexpr uint16_t kDhcpServerPort = 67, kDhcpClientPort = 68;

}  // namespace

void stage_ingress(WorkerContext& ctx, Burst& burst) {
  const Snapshot& snapshot = *ctx.snapshot;
  ctx.local_policer.follow(snapshot);
  keep_if(burst, [&](rte_mbuf* m) {
    PacketMeta& meta = meta_of(m);
    if (meta.decapsulated) return true;  // from a tunnel, handed over by another worker's esp_in
    const uint16_t iface = snapshot.interface_of(m->port, meta.vlan_id);
    if (iface == kNoInterface) {
      burst.drop(m, DropReason::kUnknownVlan);
      return false;
    }
    meta.in_iface = iface;
    if (meta.from_kernel) return true;  // addressed by the twin's kernel; ARP and ND went out directly
    const auto* eth = rte_pktmbuf_mtod(m, const rte_ether_hdr*);
    if ((meta.flags & meta_flag::kL2Multicast) == 0 &&
        !rte_is_same_ether_addr(&eth->dst_addr, &snapshot.interface(iface).mac)) {
      burst.drop(m, DropReason::kNotForUs);
      return false;
    }
    if (meta.l3 == L3Kind::kArp) {
      if (ctx.local_policer.admit(m->port, LocalClass::kArp, ctx.now_ns))
        burst.punt(m);
      else
        burst.drop(m, DropReason::kLocalRateExceeded);
      return false;
    }
    if (meta.l3 == L3Kind::kIpv4 && meta.ip_proto == IPPROTO_UDP && meta.l4_present &&
        meta.src_port == kDhcpServerPort && meta.dst_port == kDhcpClientPort &&
        snapshot.interface(iface).dhcp_client) {
      // Offers come to an address the box does not have yet (or to broadcast): for the twin's DHCP client.
      if (ctx.local_policer.admit(m->port, LocalClass::kDhcp, ctx.now_ns)) {
        meta.for_kernel = true;
        burst.punt(m);
      } else {
        burst.drop(m, DropReason::kLocalRateExceeded);
      }
      return false;
    }
    if (meta.l3 == L3Kind::kIpv6 && meta.ip_proto == IPPROTO_ICMPV6 && meta.l4_present) {
      const uint8_t type = icmp_type_of(meta);
      if (type == kNeighbourSolicitation || type == kNeighbourAdvertisement) {
        if (ctx.local_policer.admit(m->port, LocalClass::kNd, ctx.now_ns))
          burst.punt(m);
        else
          burst.drop(m, DropReason::kLocalRateExceeded);
        return false;
      }
      // The box routes statically (BSI NET.3.2.A8): router discovery and redirects are not acted upon.
      if (type == kRouterSolicitation || type == kRouterAdvertisement || type == kRedirect) {
        burst.drop(m, DropReason::kLocalUnhandled);
        return false;
      }
    }
    return true;
  });
}

}  // namespace torwart::dataplane
