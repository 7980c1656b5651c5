#include "dataplane/ipsec/esp_wire.hpp"

#include <cstring>

namespace torwart::dataplane::ipsec {
namespace {

constexpr uint8_t kProtocolEsp = 50;
constexpr uint8_t kProtocolUdp = 17;

uint16_t read16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

uint32_t read32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

// The ESP part, from `offset` to `end` of the datagram.
EspResult parse_esp_header(const uint8_t* data, size_t offset, size_t end, EspPacket& out) {
  if (end - offset < kEspMinLength) return EspResult::kTruncated;
  const size_t ciphertext = end - offset - kEspHeaderLength - kEspIvLength - kEspIcvLength;
  if (ciphertext % kEspPadAlign != 0) return EspResult::kMalformed;
  out.spi = read32(data + offset);
  out.sequence = read32(data + offset + 4);
  out.header_length = static_cast<uint16_t>(offset);
  out.packet_length = static_cast<uint32_t>(end);
  return EspResult::kOk;
}

// RFC 3948 2.2/2.3: a UDP payload starting with four zero octets is IKE, a single 0xFF a NAT keepalive.
EspResult parse_udp(const uint8_t* data, size_t offset, size_t end, EspPacket& out) {
  if (end - offset < kUdpHeaderLength) return EspResult::kTruncated;
  const size_t udp_length = read16(data + offset + 4);
  if (udp_length != end - offset) return EspResult::kMalformed;
  const size_t payload = offset + kUdpHeaderLength;
  if (end - payload == 1 && data[payload] == 0xff) return EspResult::kNotEsp;
  if (end - payload >= 4 && read32(data + payload) == 0) return EspResult::kNotEsp;
  out.udp_encapsulated = true;
  return parse_esp_header(data, payload, end, out);
}

EspResult parse_ipv4(const uint8_t* data, size_t length, EspPacket& out) {
  if (length < 20) return EspResult::kTruncated;
  const size_t header = size_t{data[0] & 0x0fu} * 4;
  if (header < 20) return EspResult::kMalformed;
  const size_t total = read16(data + 2);
  if (total < header) return EspResult::kMalformed;
  if (total > length || header > length) return EspResult::kTruncated;
  if ((read16(data + 6) & 0x3fff) != 0) return EspResult::kFragment;  // MF or an offset
  out.outer_version = 4;
  std::memcpy(out.destination, data + 16, 4);
  if (data[9] == kProtocolEsp) return parse_esp_header(data, header, total, out);
  if (data[9] == kProtocolUdp) return parse_udp(data, header, total, out);
  return EspResult::kNotEsp;
}

EspResult parse_ipv6(const uint8_t* data, size_t length, EspPacket& out) {
  if (length < 40) return EspResult::kTruncated;
  const size_t total = 40 + size_t{read16(data + 4)};
  if (total > length) return EspResult::kTruncated;
  out.outer_version = 6;
  std::memcpy(out.destination, data + 24, 16);
  if (data[6] == kProtocolEsp) return parse_esp_header(data, 40, total, out);
  if (data[6] == kProtocolUdp) return parse_udp(data, 40, total, out);
  // Extension headers (a fragment header among them) are not walked: the pipeline's reassembly and parse
  // run first, and an ESP tunnel end that receives extension headers is not worth the fast-path cost.
  return EspResult::kNotEsp;
}

}  // namespace

const char* esp_result_name(EspResult result) {
  switch (result) {
    case EspResult::kOk:
      return "ok";
    case EspResult::kUnknownSpi:
      return "unknown_spi";
    case EspResult::kReplayed:
      return "replayed";
    case EspResult::kOutsideWindow:
      return "outside_window";
    case EspResult::kAuthFailed:
      return "auth_failed";
    case EspResult::kTruncated:
      return "truncated";
    case EspResult::kMalformed:
      return "malformed";
    case EspResult::kBadPadding:
      return "bad_padding";
    case EspResult::kWrongInnerProtocol:
      return "wrong_inner_protocol";
    case EspResult::kNotEsp:
      return "not_esp";
    case EspResult::kFragment:
      return "fragment";
    case EspResult::kSaExpiredHard:
      return "sa_expired_hard";
    case EspResult::kSequenceExhausted:
      return "sequence_exhausted";
    case EspResult::kNoBufferRoom:
      return "no_buffer_room";
    case EspResult::kSaSuperseded:
      return "sa_superseded";
    case EspResult::kCount:
      break;
  }
  return "?";
}

EspResult parse_esp(const uint8_t* data, size_t length, EspPacket& out) {
  out = EspPacket{};
  if (length < 1) return EspResult::kTruncated;
  switch (data[0] >> 4) {
    case 4:
      return parse_ipv4(data, length, out);
    case 6:
      return parse_ipv6(data, length, out);
    default:
      return EspResult::kMalformed;
  }
}

uint64_t reconstruct_sequence(uint64_t highest, uint32_t low, uint32_t window) {
  const uint32_t top_low = static_cast<uint32_t>(highest);
  uint32_t top_high = static_cast<uint32_t>(highest >> 32);
  const uint32_t bottom = top_low - window + 1;  // the window's left edge, low half (wraps)
  if (window == 0) return uint64_t{top_high} << 32 | low;
  if (top_low >= window - 1) {
    // The window lies in one 2^32 subspace: a low half left of it belongs to the next subspace.
    if (low < bottom) ++top_high;
  } else if (top_high != 0 && low >= bottom) {
    // The window straddles a subspace boundary: a low half at or right of its (wrapped) edge is from before.
    --top_high;
  }
  return uint64_t{top_high} << 32 | low;
}

void ReplayWindow::reset(uint32_t size, uint64_t highest) {
  size_ = size < kMaxSize ? size : kMaxSize;
  uint32_t buckets = 2;
  while (buckets < size_ / 64 + 2) buckets <<= 1;
  mask_ = buckets - 1;
  highest_ = highest;
  for (uint64_t& b : bits_) b = 0;
}

EspResult ReplayWindow::check(uint64_t sequence) const {
  if (size_ == 0) return EspResult::kOk;
  if (sequence > highest_) return EspResult::kOk;
  if (sequence == 0 || sequence + size_ < highest_) return EspResult::kOutsideWindow;
  const uint64_t bucket = (sequence >> 6) & mask_;
  return (bits_[bucket] >> (sequence & 63) & 1) != 0 ? EspResult::kReplayed : EspResult::kOk;
}

bool ReplayWindow::update(uint64_t sequence) {
  if (check(sequence) != EspResult::kOk) return false;
  if (size_ == 0) {
    if (sequence > highest_) highest_ = sequence;
    return true;
  }
  if (sequence > highest_) {
    // Buckets the window slides over start empty; a jump of a whole ring clears them all.
    const uint64_t last = highest_ >> 6;
    const uint64_t steps = (sequence >> 6) - last;
    const uint64_t clear = steps < mask_ + 1 ? steps : mask_ + 1;
    for (uint64_t i = 1; i <= clear; ++i) bits_[(last + i) & mask_] = 0;
    highest_ = sequence;
  }
  bits_[(sequence >> 6) & mask_] |= uint64_t{1} << (sequence & 63);
  return true;
}

EspResult replay_reason(uint64_t highest, uint64_t sequence, uint32_t window) {
  if (sequence == 0 || sequence + window < highest) return EspResult::kOutsideWindow;
  return EspResult::kReplayed;
}

}  // namespace torwart::dataplane::ipsec
