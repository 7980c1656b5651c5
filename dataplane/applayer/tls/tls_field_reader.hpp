#pragma once
// Gathers one fixed-size field of a handshake message from input that may stop at any byte: first passes over
// `skip` bytes, then copies until `want` bytes are held. The message parsers keep one of these in the flow
// state, so a field split across feeds (or records) is completed by the next feed.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

namespace torwart::dataplane::applayer::tls {

template <size_t N>
struct FieldReader {
  static_assert(N > 0 && N < 65536);
  uint32_t skip = 0;
  uint16_t want = 0;
  uint16_t have = 0;
  uint8_t bytes[N];

  // Next field: `skip_first` bytes are passed over, then `field_bytes` (1..N) are gathered.
  void expect(uint32_t skip_first, uint16_t field_bytes) {
    skip = skip_first;
    want = std::min<uint16_t>(field_bytes, static_cast<uint16_t>(N));
    have = 0;
  }

  // Consumes from `in` (advancing it); true once the field is complete, with `in` holding the rest.
  bool collect(std::span<const uint8_t>& in) {
    const size_t passed = std::min<size_t>(skip, in.size());
    skip -= static_cast<uint32_t>(passed);
    in = in.subspan(passed);
    if (skip > 0) return false;
    const size_t take = std::min<size_t>(want - have, in.size());
    std::copy_n(in.data(), take, bytes + have);
    have = static_cast<uint16_t>(have + take);
    in = in.subspan(take);
    return have == want;
  }

  std::span<const uint8_t> field() const { return {bytes, have}; }
};

inline uint16_t read_u16(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint16_t>((b[at] << 8) | b[at + 1]);
}
inline uint32_t read_u24(std::span<const uint8_t> b, size_t at) {
  return (static_cast<uint32_t>(b[at]) << 16) | (static_cast<uint32_t>(b[at + 1]) << 8) | b[at + 2];
}

// RFC 8701: 0x0a0a, 0x1a1a, ... 0xfafa.
inline bool is_grease(uint16_t value) {
  return (value & 0x0f0f) == 0x0a0a && (value >> 8) == (value & 0xff);
}

}  // namespace torwart::dataplane::applayer::tls
