#pragma once
// QUIC variable-length integers (RFC 9000 16): the top two bits of the first byte give the length, 1, 2, 4 or
// 8 bytes, big-endian, the rest is the value.
#include <cstddef>
#include <cstdint>
#include <span>

namespace torwart::dataplane::applayer::quic {

// Reads the integer at `pos` and moves `pos` past it; false (and nothing moved) when it does not fit.
inline bool read_quic_varint(std::span<const uint8_t> bytes, size_t& pos, uint64_t& value) {
  if (pos >= bytes.size()) return false;
  const size_t length = size_t{1} << (bytes[pos] >> 6);
  if (length > bytes.size() - pos) return false;
  value = bytes[pos] & 0x3f;
  for (size_t i = 1; i < length; ++i) value = value << 8 | bytes[pos + i];
  pos += length;
  return true;
}

}  // namespace torwart::dataplane::applayer::quic
