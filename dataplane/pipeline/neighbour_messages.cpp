#include "dataplane/pipeline/neighbour_messages.hpp"

#include <netinet/in.h>

#include <cstring>

#include <rte_arp.h>
#include <rte_ip.h>

#include "dataplane/core/packet_access.hpp"

namespace torwart::dataplane {
namespace {

constexpr uint8_t kNeighbourSolicitation = 135;
constexpr uint8_t kNeighbourAdvertisement = 136;
constexpr uint8_t kOptionSourceLinkLayer = 1;
constexpr uint8_t kOptionTargetLinkLayer = 2;
constexpr uint8_t kNdHopLimit = 255;

// Ethernet (+ tag) header for a frame the box originates; returns the L3 start.
uint8_t* start_frame(rte_mbuf* m, const Interface& iface, const rte_ether_addr& destination,
                     uint16_t ether_type, uint16_t l3_length) {
  const uint16_t l2 =
      static_cast<uint16_t>(sizeof(rte_ether_hdr) + (iface.vlan_id != 0 ? sizeof(rte_vlan_hdr) : 0));
  auto* frame = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, l2 + l3_length));
  if (frame == nullptr) return nullptr;
  auto* eth = reinterpret_cast<rte_ether_hdr*>(frame);
  eth->dst_addr = destination;
  eth->src_addr = iface.mac;
  if (iface.vlan_id != 0) {
    eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
    auto* tag = reinterpret_cast<rte_vlan_hdr*>(eth + 1);
    tag->vlan_tci = rte_cpu_to_be_16(iface.vlan_id);
    tag->eth_proto = rte_cpu_to_be_16(ether_type);
  } else {
    eth->ether_type = rte_cpu_to_be_16(ether_type);
  }
  m->port = iface.port;
  return frame + l2;
}

rte_mbuf* build_nd(rte_mempool* pool, const Interface& iface, uint8_t type, uint32_t flags,
                   const uint8_t* source, const uint8_t* destination, const uint8_t* target,
                   uint8_t option_type, const rte_ether_addr& eth_destination) {
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  if (m == nullptr) return nullptr;
  constexpr uint16_t kPayload = 8 + 16 + 8;  // header, target, one link-layer option
  uint8_t* l3 = start_frame(m, iface, eth_destination, RTE_ETHER_TYPE_IPV6, 40 + kPayload);
  if (l3 == nullptr) {
    rte_pktmbuf_free(m);
    return nullptr;
  }
  auto* ip = reinterpret_cast<rte_ipv6_hdr*>(l3);
  ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
  ip->payload_len = rte_cpu_to_be_16(kPayload);
  ip->proto = IPPROTO_ICMPV6;
  ip->hop_limits = kNdHopLimit;
  std::memcpy(ip->src_addr, source, 16);
  std::memcpy(ip->dst_addr, destination, 16);
  uint8_t* icmp = l3 + 40;
  std::memset(icmp, 0, kPayload);
  icmp[0] = type;
  const uint32_t flags_be = rte_cpu_to_be_32(flags);
  std::memcpy(icmp + 4, &flags_be, 4);
  std::memcpy(icmp + 8, target, 16);
  icmp[24] = option_type;
  icmp[25] = 1;  // length in units of 8 octets
  std::memcpy(icmp + 26, iface.mac.addr_bytes, 6);
  const uint16_t checksum = rte_ipv6_udptcp_cksum(ip, icmp);
  std::memcpy(icmp + 2, &checksum, 2);
  return m;
}

}  // namespace

std::optional<ArpMessage> read_arp(rte_mbuf* m, const PacketMeta& meta) {
  if (rte_pktmbuf_data_len(m) < meta.l3_offset + sizeof(rte_arp_hdr)) return std::nullopt;
  const auto* arp = rte_pktmbuf_mtod_offset(m, const rte_arp_hdr*, meta.l3_offset);
  ArpMessage message;
  message.operation = rte_be_to_cpu_16(arp->arp_opcode);
  message.sender_mac = arp->arp_data.arp_sha;
  message.sender_ip = rte_be_to_cpu_32(arp->arp_data.arp_sip);
  message.target_ip = rte_be_to_cpu_32(arp->arp_data.arp_tip);
  if (message.operation != RTE_ARP_OP_REQUEST && message.operation != RTE_ARP_OP_REPLY) return std::nullopt;
  if (rte_is_multicast_ether_addr(&message.sender_mac) || rte_is_zero_ether_addr(&message.sender_mac))
    return std::nullopt;
  return message;
}

std::optional<NeighbourMessage> read_neighbour_message(rte_mbuf* m, const PacketMeta& meta) {
  const rte_ipv6_hdr* ip = ipv6_of(m, meta);
  const uint8_t* icmp = l4_of(m, meta);
  const uint32_t icmp_length = meta.l3_offset + meta.l3_length - meta.l4_offset;
  if (ip->hop_limits != kNdHopLimit || icmp[1] != 0 || icmp_length < 24) return std::nullopt;
  if (meta.l4_offset + icmp_length > rte_pktmbuf_data_len(m)) return std::nullopt;
  NeighbourMessage message;
  message.type = icmp[0];
  std::memcpy(message.source, ip->src_addr, 16);
  std::memcpy(message.target, icmp + 8, 16);
  message.solicited = (icmp[4] & 0x40) != 0;
  if (is_ipv6_multicast(message.target)) return std::nullopt;
  const uint8_t wanted =
      message.type == kNeighbourSolicitation ? kOptionSourceLinkLayer : kOptionTargetLinkLayer;
  for (uint32_t offset = 24; offset + 2 <= icmp_length;) {
    const uint32_t length = icmp[offset + 1] * 8u;
    if (length == 0 || offset + length > icmp_length)
      return std::nullopt;  // RFC 4861: zero length is invalid
    if (icmp[offset] == wanted && length >= 8) {
      rte_ether_addr mac;
      std::memcpy(mac.addr_bytes, icmp + offset + 2, 6);
      message.link_layer = mac;
    }
    offset += length;
  }
  return message;
}

rte_mbuf* build_arp(rte_mempool* pool, const Interface& iface, uint16_t operation,
                    const rte_ether_addr& eth_destination, uint32_t sender_ip,
                    const rte_ether_addr& target_mac, uint32_t target_ip) {
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  if (m == nullptr) return nullptr;
  uint8_t* l3 = start_frame(m, iface, eth_destination, RTE_ETHER_TYPE_ARP, sizeof(rte_arp_hdr));
  if (l3 == nullptr) {
    rte_pktmbuf_free(m);
    return nullptr;
  }
  auto* arp = reinterpret_cast<rte_arp_hdr*>(l3);
  arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
  arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
  arp->arp_hlen = RTE_ETHER_ADDR_LEN;
  arp->arp_plen = 4;
  arp->arp_opcode = rte_cpu_to_be_16(operation);
  arp->arp_data.arp_sha = iface.mac;
  arp->arp_data.arp_sip = rte_cpu_to_be_32(sender_ip);
  arp->arp_data.arp_tha = target_mac;
  arp->arp_data.arp_tip = rte_cpu_to_be_32(target_ip);
  return m;
}

rte_mbuf* build_neighbour_solicitation(rte_mempool* pool, const Interface& iface, const uint8_t* target) {
  uint8_t solicited_node[16] = {0xff, 0x02, 0, 0,    0,    0,          0,          0,
                                0,    0,    0, 0x01, 0xff, target[13], target[14], target[15]};
  const rte_ether_addr eth_destination{{0x33, 0x33, 0xff, target[13], target[14], target[15]}};
  return build_nd(pool, iface, kNeighbourSolicitation, 0, iface.link_local_v6.data(), solicited_node, target,
                  kOptionSourceLinkLayer, eth_destination);
}

rte_mbuf* build_neighbour_probe(rte_mempool* pool, const Interface& iface, const uint8_t* target,
                                const rte_ether_addr& mac) {
  return build_nd(pool, iface, kNeighbourSolicitation, 0, iface.link_local_v6.data(), target, target,
                  kOptionSourceLinkLayer, mac);
}

rte_mbuf* build_neighbour_advertisement(rte_mempool* pool, const Interface& iface, const uint8_t* target,
                                        const uint8_t* destination, const rte_ether_addr& eth_destination,
                                        bool solicited) {
  // Router, (solicited,) override.
  const uint32_t flags = 0x80000000u | (solicited ? 0x40000000u : 0) | 0x20000000u;
  return build_nd(pool, iface, kNeighbourAdvertisement, flags, target, destination, target,
                  kOptionTargetLinkLayer, eth_destination);
}

}  // namespace torwart::dataplane
