#include "dataplane/nat/rewrite.hpp"

#include <algorithm>
#include <cstring>

#include "dataplane/core/checksum.hpp"
#include "dataplane/core/packet_access.hpp"

namespace torwart::dataplane::nat {
namespace {

constexpr uint8_t kTcp = 6, kUdp = 17, kIcmp = 1;
constexpr uint32_t kTcpChecksum = 16, kUdpChecksum = 6, kIcmpChecksum = 2, kIcmpId = 4;

uint16_t load16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
uint32_t load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
void store16(uint8_t* p, uint16_t v) {
  std::memcpy(p, &v, 2);
}
void store32(uint8_t* p, uint32_t v) {
  std::memcpy(p, &v, 4);
}

bool is_echo(uint8_t type) {
  return type == 0 || type == 8;
}

// Sets the 16-bit word at `p` (raw, network order) and folds the change into `checksum`.
void set16(uint8_t* p, uint16_t value, uint8_t* checksum) {
  const uint16_t old = load16(p);
  store16(p, value);
  store16(checksum, checksum_adjust16(load16(checksum), old, value));
}

// A transport checksum after the address changed from old_address to address and the port word at
// `port_at` to `port` (raw). `covers_address`: the checksum includes the IPv4 pseudo-header (TCP/UDP).
// UDP: 0 means "no checksum" and stays 0; a computed 0 is sent as 0xffff.
void update_transport(uint8_t* checksum, bool udp, bool covers_address, uint32_t old_address,
                      uint32_t address, uint8_t* port_at, uint16_t port) {
  uint16_t sum = load16(checksum);
  if (udp && sum == 0) {
    store16(port_at, port);
    return;
  }
  if (covers_address) sum = checksum_adjust32(sum, old_address, address);
  sum = checksum_adjust16(sum, load16(port_at), port);
  store16(port_at, port);
  if (udp && sum == 0) sum = 0xffff;
  store16(checksum, sum);
}

}  // namespace

void rewrite_endpoint(rte_mbuf* m, PacketMeta& meta, Side side, uint32_t address, uint16_t port) {
  rte_ipv4_hdr* ip = ipv4_of(m, meta);
  uint8_t* address_at = reinterpret_cast<uint8_t*>(side == Side::kSource ? &ip->src_addr : &ip->dst_addr);
  const uint32_t old_address = load32(address_at);
  store32(address_at, address);
  ip->hdr_checksum = checksum_adjust32(ip->hdr_checksum, old_address, address);
  const bool has_transport = meta.l4_present && !(meta.flags & meta_flag::kLaterFragment);
  const uint16_t raw_port = rte_cpu_to_be_16(port);
  if (meta.ip_proto == kTcp || meta.ip_proto == kUdp) {
    if (has_transport) {
      uint8_t* l4 = l4_of(m, meta);
      const bool udp = meta.ip_proto == kUdp;
      update_transport(l4 + (udp ? kUdpChecksum : kTcpChecksum), udp, true, old_address, address,
                       l4 + (side == Side::kSource ? 0 : 2), raw_port);
    }
    (side == Side::kSource ? meta.src_port : meta.dst_port) = port;
  } else if (meta.ip_proto == kIcmp && is_echo(static_cast<uint8_t>(meta.dst_port >> 8))) {
    if (has_transport) {
      uint8_t* l4 = l4_of(m, meta);
      set16(l4 + kIcmpId, raw_port, l4 + kIcmpChecksum);
    }
    meta.src_port = port;  // the identifier
  }
}

bool rewrite_icmp_error(rte_mbuf* m, PacketMeta& meta, Side outer_side, uint32_t outer_address,
                        Side inner_side, uint32_t inner_address, uint16_t inner_port) {
  const uint32_t datagram_end = static_cast<uint32_t>(meta.l3_offset) + meta.l3_length;
  const uint32_t end = std::min<uint32_t>(datagram_end, rte_pktmbuf_data_len(m));
  const uint32_t inner_offset = meta.l4_offset + 8u;
  if (!meta.l4_present || end < inner_offset + 20) return false;
  uint8_t* icmp = l4_of(m, meta);
  uint8_t* icmp_checksum = icmp + kIcmpChecksum;
  uint8_t* inner = icmp + 8;
  const uint32_t inner_header = static_cast<uint32_t>(inner[0] & 0x0f) * 4;
  if (inner_header < 20 || end < inner_offset + inner_header) return false;

  // Quoted IPv4 header: the address, its checksum; every changed word also changes the ICMP checksum.
  uint8_t* address_at = inner + (inner_side == Side::kSource ? 12 : 16);
  const uint32_t old_inner_address = load32(address_at);
  const uint16_t old_inner_checksum = load16(inner + 10);
  const uint16_t new_inner_checksum = checksum_adjust32(old_inner_checksum, old_inner_address, inner_address);
  store32(address_at, inner_address);
  store16(inner + 10, new_inner_checksum);
  uint16_t sum = checksum_adjust32(load16(icmp_checksum), old_inner_address, inner_address);
  sum = checksum_adjust16(sum, old_inner_checksum, new_inner_checksum);

  // Quoted transport header, as far as the quote reaches (RFC 792 promises 8 bytes).
  const uint8_t protocol = inner[9];
  uint8_t* l4 = inner + inner_header;
  const uint32_t available = end - (inner_offset + inner_header);
  const uint16_t raw_port = rte_cpu_to_be_16(inner_port);
  auto change_word = [&](uint8_t* p, uint16_t value) {
    sum = checksum_adjust16(sum, load16(p), value);
    store16(p, value);
  };
  if ((protocol == kTcp || protocol == kUdp) && available >= 4) {
    const bool udp = protocol == kUdp;
    const uint32_t checksum_at = udp ? kUdpChecksum : kTcpChecksum;
    uint8_t* port_at = l4 + (inner_side == Side::kSource ? 0 : 2);
    if (available >= checksum_at + 2) {
      const uint16_t old_checksum = load16(l4 + checksum_at);
      const uint16_t old_port = load16(port_at);
      update_transport(l4 + checksum_at, udp, true, old_inner_address, inner_address, port_at, raw_port);
      sum = checksum_adjust16(sum, old_port, raw_port);
      sum = checksum_adjust16(sum, old_checksum, load16(l4 + checksum_at));
    } else {
      change_word(port_at, raw_port);
    }
  } else if (protocol == kIcmp && available >= 8 && is_echo(l4[0])) {
    const uint16_t old_id = load16(l4 + kIcmpId);
    const uint16_t old_checksum = load16(l4 + kIcmpChecksum);
    set16(l4 + kIcmpId, raw_port, l4 + kIcmpChecksum);
    sum = checksum_adjust16(sum, old_id, raw_port);
    sum = checksum_adjust16(sum, old_checksum, load16(l4 + kIcmpChecksum));
  }
  store16(icmp_checksum, sum);

  // The outer header: an ICMP checksum has no pseudo-header, so only the IPv4 header checksum changes.
  rte_ipv4_hdr* ip = ipv4_of(m, meta);
  uint8_t* outer_at = reinterpret_cast<uint8_t*>(outer_side == Side::kSource ? &ip->src_addr : &ip->dst_addr);
  const uint32_t old_outer = load32(outer_at);
  store32(outer_at, outer_address);
  ip->hdr_checksum = checksum_adjust32(ip->hdr_checksum, old_outer, outer_address);
  return true;
}

void answer_from_original_destination(const PacketMeta& refused, rte_mbuf* answer) {
  PacketMeta& meta = meta_of(answer);
  if (meta.l3 != L3Kind::kIpv4) return;
  if (meta.flags & meta_flag::kIcmpError) {
    // The box's own outer source stays; the quote shows the packet as it arrived.
    rewrite_icmp_error(answer, meta, Side::kSource, ipv4_of(answer, meta)->src_addr, Side::kDestination,
                       refused.nat_original_address, refused.nat_original_port);
  } else {
    rewrite_endpoint(answer, meta, Side::kSource, refused.nat_original_address, refused.nat_original_port);
  }
}

}  // namespace torwart::dataplane::nat
