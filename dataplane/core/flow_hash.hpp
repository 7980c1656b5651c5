#pragma once
// The symmetric flow hash that steers both directions of a connection to one worker. Parse computes it for
// every packet; reassembly computes it again for fragments once the first fragment's ports are known, and
// connection tracking for the packet quoted in an ICMP error. All must agree bit for bit: one definition.
#include <nmmintrin.h>

#include <cstdint>
#include <cstring>
#include <utility>

#include "dataplane/core/packet_meta.hpp"

namespace torwart::dataplane {

// Each (address, port) endpoint is hashed in a fixed order (lower one first), so both directions give the
// same value. CRC32C is one instruction per word on every machine we build for (-march=x86-64-v3 implies
// SSE4.2).
class FlowHasher {
 public:
  explicit FlowHasher(uint8_t protocol) : crc_(_mm_crc32_u32(0x7f3a5c1du, protocol)) {}

  void endpoints_v4(uint32_t a, uint16_t port_a, uint32_t b, uint16_t port_b) {
    if (a > b || (a == b && port_a > port_b)) {
      std::swap(a, b);
      std::swap(port_a, port_b);
    }
    crc_ = _mm_crc32_u32(crc_, a);
    crc_ = _mm_crc32_u32(crc_, b);
    crc_ = _mm_crc32_u32(crc_, static_cast<uint32_t>(port_a) << 16 | port_b);
  }

  void endpoints_v6(const uint8_t* a, uint16_t port_a, const uint8_t* b, uint16_t port_b) {
    const int order = std::memcmp(a, b, 16);
    if (order > 0 || (order == 0 && port_a > port_b)) {
      std::swap(a, b);
      std::swap(port_a, port_b);
    }
    add_address_v6(a);
    add_address_v6(b);
    crc_ = _mm_crc32_u32(crc_, static_cast<uint32_t>(port_a) << 16 | port_b);
  }

  uint32_t value() const { return crc_; }

 private:
  void add_address_v6(const uint8_t* address) {
    uint64_t halves[2];
    std::memcpy(halves, address, sizeof(halves));
    crc_ = static_cast<uint32_t>(_mm_crc32_u64(crc_, halves[0]));
    crc_ = static_cast<uint32_t>(_mm_crc32_u64(crc_, halves[1]));
  }

  uint32_t crc_;
};

// The transport identifiers that join the flow hash, as (source side, destination side).
struct HashPorts {
  uint16_t source = 0;
  uint16_t destination = 0;
};

// For a packet whose transport header was seen (meta.l4_present, or a reassembled datagram's first fragment).
// For ICMP the type/code "port" differs between request and reply, but the echo identifier is the same both
// ways, so it stands on both sides.
inline HashPorts transport_hash_ports(const PacketMeta& meta) {
  constexpr uint8_t kProtoTcp = 6, kProtoUdp = 17;
  if (meta.ip_proto == kProtoTcp || meta.ip_proto == kProtoUdp) return {meta.src_port, meta.dst_port};
  return {meta.src_port, meta.src_port};  // ICMP: the echo identifier, 0 for other messages
}

inline uint32_t load_raw32(const uint8_t* p) {
  uint32_t value;
  std::memcpy(&value, p, sizeof(value));
  return value;
}

// `ip` points at the IPv4 / IPv6 header.
inline uint32_t ipv4_flow_hash(const uint8_t* ip, uint8_t protocol, HashPorts ports) {
  FlowHasher hasher(protocol);
  hasher.endpoints_v4(load_raw32(ip + 12), ports.source, load_raw32(ip + 16), ports.destination);
  return hasher.value();
}

inline uint32_t ipv6_flow_hash(const uint8_t* ip, uint8_t protocol, HashPorts ports) {
  FlowHasher hasher(protocol);
  hasher.endpoints_v6(ip + 8, ports.source, ip + 24, ports.destination);
  return hasher.value();
}

}  // namespace torwart::dataplane
