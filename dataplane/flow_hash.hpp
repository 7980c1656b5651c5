#pragma once
// The symmetric flow hash that steers both directions of a connection to one worker. parse computes it for
// every packet; connection tracking computes it for the packet quoted in an ICMP error, so that the error can
// be steered to the worker holding the flow it is about. Both must agree bit for bit, hence one definition.
#include <nmmintrin.h>

#include <cstdint>
#include <cstring>
#include <utility>

namespace torwart::dataplane {

// Each (address, port) endpoint is hashed in a fixed order (lower one first), so both directions give the
// same value. CRC32C is one instruction per word on every machine we build for (-march=x86-64-v3 implies
// SSE4.2). Addresses are taken as raw network-order bytes.
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

}  // namespace torwart::dataplane
