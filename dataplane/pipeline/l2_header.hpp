#pragma once
// Writes the Ethernet (and 802.1Q) header for the egress interface in front of the packet's L3 header,
// growing or shrinking the L2 space as the tag comes or goes. Shared by the worker and the slow path.
#include <cstring>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dataplane/core/packet_meta.hpp"
#include "dataplane/snapshot/snapshot.hpp"

namespace torwart::dataplane {

inline bool write_l2_header(rte_mbuf* m, PacketMeta& meta, const Interface& out,
                            const rte_ether_addr& destination) {
  const uint16_t wanted =
      static_cast<uint16_t>(sizeof(rte_ether_hdr) + (out.vlan_id != 0 ? sizeof(rte_vlan_hdr) : 0));
  if (wanted > meta.l3_offset) {
    if (rte_pktmbuf_prepend(m, static_cast<uint16_t>(wanted - meta.l3_offset)) == nullptr) return false;
  } else if (wanted < meta.l3_offset) {
    rte_pktmbuf_adj(m, static_cast<uint16_t>(meta.l3_offset - wanted));
  }
  const int delta = static_cast<int>(wanted) - static_cast<int>(meta.l3_offset);
  meta.l3_offset = wanted;
  meta.l4_offset = static_cast<uint16_t>(meta.l4_offset + delta);
  auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
  eth->dst_addr = destination;
  eth->src_addr = out.mac;
  const uint16_t l3_type = meta.l3 == L3Kind::kIpv4 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6;
  if (out.vlan_id != 0) {
    eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
    auto* tag = reinterpret_cast<rte_vlan_hdr*>(eth + 1);
    tag->vlan_tci = rte_cpu_to_be_16(out.vlan_id);
    tag->eth_proto = rte_cpu_to_be_16(l3_type);
  } else {
    eth->ether_type = rte_cpu_to_be_16(l3_type);
  }
  return true;
}

// The address the next hop must be resolved for: the gateway, or the destination itself when on-link.
inline config::IpAddress resolution_target(rte_mbuf* m, const PacketMeta& meta, const NextHop& hop) {
  if (hop.has_gateway) return hop.gateway;
  config::IpAddress target;
  const uint8_t* l3 = rte_pktmbuf_mtod_offset(m, const uint8_t*, meta.l3_offset);
  if (meta.l3 == L3Kind::kIpv4) {
    target.family = config::Family::kIpv4;
    std::memcpy(target.bytes.data(), l3 + 16, 4);
  } else {
    target.family = config::Family::kIpv6;
    std::memcpy(target.bytes.data(), l3 + 24, 16);
  }
  return target;
}

}  // namespace torwart::dataplane
