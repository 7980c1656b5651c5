#pragma once
// The checks an arriving ESP packet passes before any SA or cipher sees it: outer IPv4/IPv6 header, optional
// UDP encapsulation (RFC 3948), ESP header and the length AES-GCM needs. DPDK-free and allocation-free, so
// that libFuzzer can run it on its own (dataplane/ipsec/esp_wire_fuzz.cpp).
#include <cstddef>
#include <cstdint>

#include "dataplane/ipsec/esp_result.hpp"

namespace torwart::dataplane::ipsec {

// RFC 4303 with AES-GCM (RFC 4106): 8-byte ESP header, 8-byte IV, 16-byte ICV, ciphertext padded to 4.
inline constexpr size_t kEspHeaderLength = 8;
inline constexpr size_t kEspIvLength = 8;
inline constexpr size_t kEspIcvLength = 16;
inline constexpr size_t kEspTrailerLength = 2;  // pad length, next header
inline constexpr size_t kEspPadAlign = 4;
inline constexpr size_t kEspMinLength = kEspHeaderLength + kEspIvLength + kEspPadAlign + kEspIcvLength;
inline constexpr size_t kUdpHeaderLength = 8;

struct EspPacket {
  uint8_t outer_version = 0;  // 4 or 6
  bool udp_encapsulated = false;
  uint8_t destination[16] = {};  // outer destination, first 4 bytes for IPv4
  uint16_t header_length = 0;    // outer IP header (+ UDP): where the ESP header starts
  uint32_t packet_length = 0;    // the outer datagram's own length; bytes beyond it are link padding
  uint32_t spi = 0;              // host order
  uint32_t sequence = 0;         // host order, the low 32 bits
};

// `data` is the outer IP packet (no link header) with `length` bytes present. kOk fills `out`. It reads at
// most the first 76 bytes (IPv4 with options, UDP, ESP header), so a caller may hand it a copy of the first
// bytes of a segmented packet together with the whole packet's length.
EspResult parse_esp(const uint8_t* data, size_t length, EspPacket& out);

// RFC 4303 A.2: the 64-bit sequence number a received low half most likely stands for, given the highest
// one accepted so far and the window size.
uint64_t reconstruct_sequence(uint64_t highest, uint32_t low, uint32_t window);

// Why the replay check refused `sequence` (full, reconstructed): left of the window or a duplicate in it.
EspResult replay_reason(uint64_t highest, uint64_t sequence, uint32_t window);

// The anti-replay window of RFC 4303 3.4.3, as RFC 6479 lays it out: 64-bit buckets in a ring. rte_ipsec has
// one too, but DPDK 22.11's update keeps the bit mask in a 32-bit variable, so sequence numbers whose low six
// bits are 32..63 are never marked and their duplicates pass; this one decides, rte_ipsec's only infers the
// ESN high half. Covers highest - size .. highest, as rte_ipsec's does. Single writer.
class ReplayWindow {
 public:
  static constexpr uint32_t kMaxSize = 4096;
  void reset(uint32_t size, uint64_t highest);
  EspResult check(uint64_t sequence) const;  // kOk, kReplayed or kOutsideWindow
  bool update(uint64_t sequence);            // marks it; false (and no change) when check() refuses it
  uint64_t highest() const { return highest_; }
  uint32_t size() const { return size_; }

 private:
  static constexpr uint32_t kBuckets = 128;  // a power of two above kMaxSize / 64 + 1
  uint32_t size_ = 0;
  uint32_t mask_ = 0;
  uint64_t highest_ = 0;
  uint64_t bits_[kBuckets] = {};
};

}  // namespace torwart::dataplane::ipsec
