#include "dataplane/conntrack/flow_tuple.hpp"

#include <nmmintrin.h>

#include "dataplane/core/flow_hash.hpp"

namespace torwart::dataplane::conntrack {

FlowTuple mirror(const FlowTuple& t) {
  FlowTuple m = t;
  std::memcpy(m.source, t.destination, sizeof(m.source));
  std::memcpy(m.destination, t.source, sizeof(m.destination));
  m.source_port = t.destination_port;
  m.destination_port = t.source_port;
  return m;
}

FlowTuple make_ipv4_tuple(uint32_t source_be, uint32_t destination_be, uint16_t source_port,
                          uint16_t destination_port, uint8_t protocol) {
  FlowTuple t{};
  std::memcpy(t.source, &source_be, 4);
  std::memcpy(t.destination, &destination_be, 4);
  t.source_port = source_port;
  t.destination_port = destination_port;
  t.protocol = protocol;
  t.family = 4;
  return t;
}

FlowTuple make_ipv6_tuple(const uint8_t* source, const uint8_t* destination, uint16_t source_port,
                          uint16_t destination_port, uint8_t protocol) {
  FlowTuple t{};
  std::memcpy(t.source, source, 16);
  std::memcpy(t.destination, destination, 16);
  t.source_port = source_port;
  t.destination_port = destination_port;
  t.protocol = protocol;
  t.family = 6;
  return t;
}

bool is_icmp_echo_request(uint8_t protocol, uint8_t type) {
  return (protocol == kProtoIcmp && type == 8) || (protocol == kProtoIcmpv6 && type == 128);
}

bool is_icmp_echo(uint8_t protocol, uint8_t type) {
  return (protocol == kProtoIcmp && (type == 8 || type == 0)) ||
         (protocol == kProtoIcmpv6 && (type == 128 || type == 129));
}

bool tuple_of_packet(const PacketMeta& meta, const rte_mbuf* m, FlowTuple& out) {
  if (meta.l3 != L3Kind::kIpv4 && meta.l3 != L3Kind::kIpv6) return false;
  if (meta.flags & meta_flag::kIcmpError) return false;
  // A later fragment carries no transport header; once reassembly released it, meta holds its first
  // fragment's ports.
  const bool reassembled = (meta.flags & meta_flag::kReassembled) != 0;
  if ((meta.flags & meta_flag::kLaterFragment) && !reassembled) return false;
  const bool ports_known = meta.l4_present || reassembled;
  uint16_t source_port = 0;
  uint16_t destination_port = 0;
  const uint8_t protocol = meta.ip_proto;
  if (protocol == kProtoTcp || protocol == kProtoUdp) {
    if (!ports_known) return false;
    source_port = meta.src_port;
    destination_port = meta.dst_port;
  } else if (protocol == kProtoIcmp || protocol == kProtoIcmpv6) {
    if (!ports_known || !is_icmp_echo(protocol, static_cast<uint8_t>(meta.dst_port >> 8))) return false;
    source_port = destination_port = meta.src_port;  // the echo identifier
  }
  const uint8_t* ip = rte_pktmbuf_mtod_offset(m, const uint8_t*, meta.l3_offset);
  if (meta.l3 == L3Kind::kIpv4) {
    uint32_t source;
    uint32_t destination;
    std::memcpy(&source, ip + 12, 4);
    std::memcpy(&destination, ip + 16, 4);
    out = make_ipv4_tuple(source, destination, source_port, destination_port, protocol);
  } else {
    out = make_ipv6_tuple(ip + 8, ip + 24, source_port, destination_port, protocol);
  }
  return true;
}

uint32_t tuple_hash(const FlowTuple& t) {
  static_assert(sizeof(FlowTuple) == 4 * 8 + 4 + 2);
  const auto* bytes = reinterpret_cast<const uint8_t*>(&t);
  uint64_t crc = 0x9e3779b9u;
  for (int i = 0; i < 4; ++i) {
    uint64_t word;
    std::memcpy(&word, bytes + size_t{8} * i, 8);
    crc = _mm_crc32_u64(crc, word);
  }
  uint32_t ports;
  std::memcpy(&ports, bytes + 32, 4);
  uint16_t rest;
  std::memcpy(&rest, bytes + 36, 2);
  uint32_t h = _mm_crc32_u32(static_cast<uint32_t>(crc), ports);
  h = _mm_crc32_u16(h, rest);
  // CRC is linear; a final multiply spreads its bits so that both the bucket (high bits) and the tag (low
  // bits) depend on the whole key.
  return static_cast<uint32_t>((static_cast<uint64_t>(h) * 0x9e3779b97f4a7c15ull) >> 32) ^ h;
}

uint32_t symmetric_flow_hash(const FlowTuple& t) {
  FlowHasher hasher(t.protocol);
  if (t.is_ipv6()) {
    hasher.endpoints_v6(t.source, t.source_port, t.destination, t.destination_port);
  } else {
    uint32_t a;
    uint32_t b;
    std::memcpy(&a, t.source, 4);
    std::memcpy(&b, t.destination, 4);
    hasher.endpoints_v4(a, t.source_port, b, t.destination_port);
  }
  return hasher.value();
}

}  // namespace torwart::dataplane::conntrack
