#pragma once
// Typed views of the headers that parse has already validated.
#include <cstring>

#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dataplane/core/checksum.hpp"
#include "dataplane/core/packet_meta.hpp"

namespace torwart::dataplane {

inline rte_ipv4_hdr* ipv4_of(rte_mbuf* m, const PacketMeta& meta) {
  return rte_pktmbuf_mtod_offset(m, rte_ipv4_hdr*, meta.l3_offset);
}
inline rte_ipv6_hdr* ipv6_of(rte_mbuf* m, const PacketMeta& meta) {
  return rte_pktmbuf_mtod_offset(m, rte_ipv6_hdr*, meta.l3_offset);
}
inline uint8_t* l4_of(rte_mbuf* m, const PacketMeta& meta) {
  return rte_pktmbuf_mtod_offset(m, uint8_t*, meta.l4_offset);
}
inline uint8_t icmp_type_of(const PacketMeta& meta) {
  return static_cast<uint8_t>(meta.dst_port >> 8);
}

inline bool is_ipv4_multicast_or_broadcast(uint32_t host_order) {
  return (host_order >> 28) == 0xe || host_order == 0xffffffffu;
}
inline bool is_ipv6_multicast(const uint8_t* address) {
  return address[0] == 0xff;
}
inline bool is_ipv6_link_local(const uint8_t* address) {
  return address[0] == 0xfe && (address[1] & 0xc0) == 0x80;
}
inline bool is_ipv4_link_local(uint32_t host_order) {
  return (host_order >> 16) == 0xa9fe;
}

}  // namespace torwart::dataplane
