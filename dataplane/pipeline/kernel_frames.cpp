#include "dataplane/pipeline/kernel_frames.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <cstring>

namespace torwart::dataplane {
namespace {

constexpr uint32_t kEthernet = 14;
constexpr uint16_t kEtherArp = 0x0806, kEtherIpv4 = 0x0800, kEtherIpv6 = 0x86dd;
constexpr uint32_t kArpLength = 28, kIpv4Minimum = 20, kIpv6Header = 40, kUdpHeader = 8;
constexpr uint16_t kDhcpServerPort = 67, kDhcpClientPort = 68;
constexpr uint8_t kRouterSolicitation = 133, kNeighbourSolicitation = 135, kNeighbourAdvertisement = 136;

uint16_t be16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

bool is_box_address(const Interface& iface, config::Family family, const uint8_t* address) {
  const size_t size = family == config::Family::kIpv4 ? 4 : 16;
  return std::any_of(iface.addresses.begin(), iface.addresses.end(), [&](const config::InterfaceAddress& a) {
    return a.address.family == family && std::memcmp(a.address.bytes.data(), address, size) == 0;
  });
}

bool is_link_local_or_unspecified(const uint8_t* address) {
  static constexpr uint8_t kUnspecified[16] = {};
  return (address[0] == 0xfe && (address[1] & 0xc0) == 0x80) || std::memcmp(address, kUnspecified, 16) == 0;
}

KernelFrameRoute route_arp(const Interface& iface, const uint8_t* arp, uint32_t length) {
  // Ethernet/IPv4 ARP only: hardware type 1, protocol 0x0800, address lengths 6 and 4.
  if (length < kArpLength || be16(arp) != 1 || be16(arp + 2) != kEtherIpv4 || arp[4] != 6 || arp[5] != 4)
    return KernelFrameRoute::kRefused;
  return is_box_address(iface, config::Family::kIpv4, arp + 14) ? KernelFrameRoute::kToWire
                                                                : KernelFrameRoute::kRefused;
}

// A DHCP client message (UDP 68 → 67, unfragmented): DISCOVER and REQUEST come from 0.0.0.0 before the
// port has its lease, so they cannot pass as the box's own traffic.
bool dhcp_client_message(const uint8_t* ip, uint32_t length) {
  const uint32_t header = (ip[0] & 0x0fu) * 4u;
  const bool fragment = (be16(ip + 6) & 0x3fff) != 0;
  if (ip[9] != IPPROTO_UDP || header < kIpv4Minimum || fragment || length < header + kUdpHeader) return false;
  return be16(ip + header) == kDhcpClientPort && be16(ip + header + 2) == kDhcpServerPort;
}

KernelFrameRoute route_ipv4(const Interface& iface, const uint8_t* ip, uint32_t length) {
  if (length < kIpv4Minimum || (ip[0] >> 4) != 4) return KernelFrameRoute::kRefused;
  if (iface.dhcp_client && dhcp_client_message(ip, length)) return KernelFrameRoute::kToWire;
  return is_box_address(iface, config::Family::kIpv4, ip + 12) ? KernelFrameRoute::kThroughPipeline
                                                               : KernelFrameRoute::kRefused;
}

KernelFrameRoute route_ipv6(const Interface& iface, const uint8_t* ip, uint32_t length) {
  if (length < kIpv6Header || (ip[0] >> 4) != 6) return KernelFrameRoute::kRefused;
  const uint8_t* source = ip + 8;
  // Neighbour discovery carries no extension headers (RFC 4861 messages are checked by hop limit 255).
  if (ip[6] == IPPROTO_ICMPV6 && length > kIpv6Header && ip[7] == 255) {
    const uint8_t type = ip[kIpv6Header];
    if (type == kRouterSolicitation || type == kNeighbourSolicitation || type == kNeighbourAdvertisement) {
      return is_box_address(iface, config::Family::kIpv6, source) || is_link_local_or_unspecified(source)
                 ? KernelFrameRoute::kToWire
                 : KernelFrameRoute::kRefused;
    }
  }
  return is_box_address(iface, config::Family::kIpv6, source) ? KernelFrameRoute::kThroughPipeline
                                                              : KernelFrameRoute::kRefused;
}

}  // namespace

KernelFrameRoute route_kernel_frame(const Snapshot& snapshot, uint16_t port, const uint8_t* frame,
                                    uint32_t length) {
  if (length < kEthernet) return KernelFrameRoute::kRefused;
  const uint16_t index = snapshot.interface_of(port, 0);
  if (index == kNoInterface) return KernelFrameRoute::kRefused;
  const Interface& iface = snapshot.interface(index);
  const uint8_t* l3 = frame + kEthernet;
  const uint32_t l3_length = length - kEthernet;
  switch (be16(frame + 12)) {
    case kEtherArp:
      return route_arp(iface, l3, l3_length);
    case kEtherIpv4:
      return route_ipv4(iface, l3, l3_length);
    case kEtherIpv6:
      return route_ipv6(iface, l3, l3_length);
    default:
      return KernelFrameRoute::kRefused;  // VLAN tags included: the twin is the untagged interface
  }
}

}  // namespace torwart::dataplane
