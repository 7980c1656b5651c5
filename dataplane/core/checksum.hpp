#pragma once
// Internet checksum helpers (RFC 1071) and incremental updates (RFC 1624) for the forwarding stages.
//
// Byte order: every 16- and 32-bit value taken or returned here is the value as it lies in the packet, loaded
// with memcpy (or read from an rte_be16_t/rte_be32_t field) without byte swapping. The one's complement sum
// does not depend on byte order, so a result can be stored straight back into the checksum field.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <rte_ip.h>

namespace torwart::dataplane {

// Unfolded one's complement sum of `length` bytes added to `sum`; chain calls to cover several pieces. Every
// piece but the last must have an even length, or the words of the following pieces would be misaligned.
inline uint32_t checksum_accumulate(const void* data, std::size_t length, uint32_t sum = 0) {
  return __rte_raw_cksum(data, length, sum);
}

// Folds an accumulated sum and complements it: the value to store in a checksum field.
inline uint16_t checksum_finish(uint32_t sum) {
  return static_cast<uint16_t>(~__rte_raw_cksum_reduce(sum));
}

// Checksum of a whole buffer. Over a buffer that already contains its correct checksum the result is 0.
inline uint16_t internet_checksum(const void* data, std::size_t length) {
  return checksum_finish(checksum_accumulate(data, length));
}

// internet_checksum(data, 20) for the common option-less IPv4 header, as five 32-bit words: the one's
// complement sum of 32-bit words folds to the same 16-bit sum as that of the 16-bit words.
inline uint16_t internet_checksum20(const void* data) {
  uint32_t words[5];
  std::memcpy(words, data, sizeof words);
  uint64_t sum = uint64_t{words[0]} + words[1] + words[2] + words[3] + words[4];
  sum = (sum & 0xffffffffu) + (sum >> 32);
  sum = (sum & 0xffffffffu) + (sum >> 32);
  return checksum_finish(static_cast<uint32_t>(sum));
}

// IPv4 header checksum over IHL * 4 bytes, computed as though the checksum field were zero, so it serves both
// to fill the field and to verify it (compare with the stored value). The caller guarantees IHL * 4 bytes.
inline uint16_t ipv4_header_checksum(const rte_ipv4_hdr& header) {
  const std::size_t header_length = static_cast<std::size_t>(header.version_ihl & 0x0f) * 4;
  const auto* bytes = reinterpret_cast<const uint8_t*>(&header);
  constexpr std::size_t kChecksumOffset = offsetof(rte_ipv4_hdr, hdr_checksum);
  uint32_t sum = checksum_accumulate(bytes, kChecksumOffset);
  sum = checksum_accumulate(bytes + kChecksumOffset + 2, header_length - kChecksumOffset - 2, sum);
  return checksum_finish(sum);
}

// TCP, UDP or ICMPv6 checksum with the IPv4 pseudo-header (RFC 768/793). `l4` covers the whole segment with
// its checksum field zeroed (to fill it) or as received (then a correct segment yields 0). Addresses are the
// 4 bytes as in the header. UDP callers must store 0xffff where this returns 0 (RFC 768: 0 means "none").
inline uint16_t ipv4_l4_checksum(const uint8_t* source, const uint8_t* destination, uint8_t protocol,
                                 const void* l4, uint16_t l4_length) {
  uint8_t pseudo_header[12];
  std::memcpy(pseudo_header, source, 4);
  std::memcpy(pseudo_header + 4, destination, 4);
  pseudo_header[8] = 0;
  pseudo_header[9] = protocol;
  pseudo_header[10] = static_cast<uint8_t>(l4_length >> 8);
  pseudo_header[11] = static_cast<uint8_t>(l4_length);
  return checksum_finish(checksum_accumulate(l4, l4_length, checksum_accumulate(pseudo_header, 12)));
}

// The same with the IPv6 pseudo-header (RFC 8200 section 8.1). `protocol` is the upper-layer protocol after
// any extension headers and `destination` the final one (the last routing header address when there is one).
inline uint16_t ipv6_l4_checksum(const uint8_t* source, const uint8_t* destination, uint8_t protocol,
                                 const void* l4, uint32_t l4_length) {
  uint8_t pseudo_header[40];
  std::memcpy(pseudo_header, source, 16);
  std::memcpy(pseudo_header + 16, destination, 16);
  pseudo_header[32] = static_cast<uint8_t>(l4_length >> 24);
  pseudo_header[33] = static_cast<uint8_t>(l4_length >> 16);
  pseudo_header[34] = static_cast<uint8_t>(l4_length >> 8);
  pseudo_header[35] = static_cast<uint8_t>(l4_length);
  pseudo_header[36] = pseudo_header[37] = pseudo_header[38] = 0;
  pseudo_header[39] = protocol;
  return checksum_finish(checksum_accumulate(l4, l4_length, checksum_accumulate(pseudo_header, 40)));
}

// RFC 1624 equation 3, HC' = ~(~HC + ~m + m'): the new checksum after one 16-bit word of the covered data
// changed from `old_value` to `new_value`, without touching the rest of the data.
inline uint16_t checksum_adjust16(uint16_t old_checksum, uint16_t old_value, uint16_t new_value) {
  uint32_t sum = static_cast<uint16_t>(~old_checksum);
  sum += static_cast<uint16_t>(~old_value);
  sum += new_value;
  return checksum_finish(sum);
}

// The same for a 32-bit field (an IPv4 address, a TCP sequence number) that starts on an even offset.
inline uint16_t checksum_adjust32(uint16_t old_checksum, uint32_t old_value, uint32_t new_value) {
  uint32_t sum = static_cast<uint16_t>(~old_checksum);
  sum += static_cast<uint16_t>(~old_value) + static_cast<uint16_t>(~(old_value >> 16));
  sum += (new_value & 0xffff) + (new_value >> 16);
  return checksum_finish(sum);
}

}  // namespace torwart::dataplane
