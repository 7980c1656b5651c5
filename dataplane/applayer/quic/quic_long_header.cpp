#include "dataplane/applayer/quic/quic_long_header.hpp"

#include <algorithm>

#include "dataplane/applayer/quic/quic_varint.hpp"

namespace torwart::dataplane::applayer::quic {
namespace {

constexpr uint8_t kHeaderForm = 0x80;
constexpr uint8_t kFixedBit = 0x40;

uint32_t load32(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint32_t>(b[at]) << 24 | static_cast<uint32_t>(b[at + 1]) << 16 |
         static_cast<uint32_t>(b[at + 2]) << 8 | b[at + 3];
}

// The two type bits mean different things in version 2 (RFC 9369 3.2).
QuicPacketType packet_type(uint32_t version, uint8_t first_byte) {
  const auto bits = static_cast<uint8_t>(first_byte >> 4 & 0x03);
  if (version == kQuicVersion2) {
    constexpr QuicPacketType kV2[] = {QuicPacketType::kRetry, QuicPacketType::kInitial,
                                      QuicPacketType::kZeroRtt, QuicPacketType::kHandshake};
    return kV2[bits];
  }
  constexpr QuicPacketType kV1[] = {QuicPacketType::kInitial, QuicPacketType::kZeroRtt,
                                    QuicPacketType::kHandshake, QuicPacketType::kRetry};
  return kV1[bits];
}

bool read_connection_id(std::span<const uint8_t> d, size_t& pos, uint8_t& length, uint8_t (&out)[20]) {
  if (pos >= d.size()) return false;
  length = d[pos++];
  if (length > kQuicMaxConnectionIdBytes || length > d.size() - pos) return false;
  std::copy_n(d.data() + pos, length, out);
  pos += length;
  return true;
}

bool read_version_list(std::span<const uint8_t> d, size_t pos, QuicLongHeader& h) {
  const size_t rest = d.size() - pos;
  if (rest == 0 || rest % 4 != 0) return false;
  h.supported_versions = static_cast<uint16_t>(std::min<size_t>(rest / 4, 0xffff));
  h.packet_length = static_cast<uint32_t>(d.size());
  return true;
}

bool read_length_and_payload(std::span<const uint8_t> d, size_t pos, QuicLongHeader& h) {
  if (!read_quic_varint(d, pos, h.payload_length)) return false;
  if (h.payload_length < kQuicMinProtectedPayload || h.payload_length > d.size() - pos) return false;
  h.payload_offset = static_cast<uint32_t>(pos);
  h.packet_length = static_cast<uint32_t>(pos + h.payload_length);
  return true;
}

}  // namespace

bool quic_version_known(uint32_t version) {
  return version == kQuicVersion1 || version == kQuicVersion2 || (version & 0xffffff00u) == 0xff000000u;
}

bool quic_version_reserved(uint32_t version) {
  return (version & 0x0f0f0f0fu) == 0x0a0a0a0au;
}

bool quic_parse_long_header(std::span<const uint8_t> datagram, QuicLongHeader& h) {
  h = QuicLongHeader{};
  if (datagram.size() > 0xffff) datagram = datagram.first(0xffff);  // the most a UDP datagram holds
  if (datagram.size() < 7) return false;  // first byte, version, two Connection ID lengths
  h.first_byte = datagram[0];
  if ((h.first_byte & kHeaderForm) == 0) return false;
  h.version = load32(datagram, 1);
  size_t pos = 5;
  if (!read_connection_id(datagram, pos, h.dcid_length, h.dcid)) return false;
  if (!read_connection_id(datagram, pos, h.scid_length, h.scid)) return false;
  if (h.version == kQuicVersionNegotiation) {
    h.type = QuicPacketType::kVersionNegotiation;
    return read_version_list(datagram, pos, h);
  }
  if ((h.first_byte & kFixedBit) == 0) return false;
  if (quic_version_reserved(h.version)) {
    h.type = QuicPacketType::kReservedVersion;
    h.packet_length = static_cast<uint32_t>(datagram.size());
    return true;
  }
  if (!quic_version_known(h.version)) return false;
  h.type = packet_type(h.version, h.first_byte);
  switch (h.type) {
    case QuicPacketType::kInitial:
      if (!read_quic_varint(datagram, pos, h.token_length)) return false;
      if (h.token_length > datagram.size() - pos) return false;
      h.token_offset = static_cast<uint32_t>(pos);
      pos += h.token_length;
      return read_length_and_payload(datagram, pos, h);
    case QuicPacketType::kZeroRtt:
    case QuicPacketType::kHandshake:
      return read_length_and_payload(datagram, pos, h);
    case QuicPacketType::kRetry:
      if (datagram.size() - pos <= kQuicRetryIntegrityTagBytes) return false;
      h.token_offset = static_cast<uint32_t>(pos);
      h.token_length = datagram.size() - pos - kQuicRetryIntegrityTagBytes;
      h.packet_length = static_cast<uint32_t>(datagram.size());
      return true;
    case QuicPacketType::kVersionNegotiation:
    case QuicPacketType::kReservedVersion:
      break;
  }
  return false;
}

}  // namespace torwart::dataplane::applayer::quic
