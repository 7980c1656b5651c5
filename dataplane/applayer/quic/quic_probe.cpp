#include "dataplane/applayer/quic/quic_probe.hpp"

#include "dataplane/applayer/quic/quic_long_header.hpp"

namespace torwart::dataplane::applayer::quic {

namespace {

// RFC 9000 15: versions 0x?a?a?a?a are reserved so that clients can force version negotiation; such a
// client's first datagram carries no known version but is QUIC all the same: long header with the fixed bit,
// connection ID lengths within 20 and padded to the client minimum.
bool version_negotiation_probe(std::span<const uint8_t> datagram) {
  if (datagram.size() < kQuicMinClientInitialDatagram) return false;
  if ((datagram[0] & 0xc0) != 0xc0) return false;
  const uint32_t version =
      uint32_t{datagram[1]} << 24 | uint32_t{datagram[2]} << 16 | uint32_t{datagram[3]} << 8 | datagram[4];
  if ((version & 0x0f0f0f0fu) != 0x0a0a0a0au) return false;
  const size_t dcid_length = datagram[5];
  if (dcid_length > 20 || 6 + dcid_length >= datagram.size()) return false;
  return datagram[6 + dcid_length] <= 20;
}

}  // namespace

ProbeResult probe_quic(Direction direction, std::span<const uint8_t> datagram) {
  QuicLongHeader header;
  if (direction == Direction::kToServer && version_negotiation_probe(datagram)) return ProbeResult::kMatch;
  if (!quic_parse_long_header(datagram, header)) return ProbeResult::kNoMatch;
  if (direction == Direction::kToServer) {
    const bool client_initial = header.type == QuicPacketType::kInitial &&
                                header.dcid_length >= kQuicMinClientInitialDcid &&
                                datagram.size() >= kQuicMinClientInitialDatagram;
    return client_initial ? ProbeResult::kMatch : ProbeResult::kNoMatch;
  }
  switch (header.type) {
    case QuicPacketType::kInitial:
      return header.token_length == 0 ? ProbeResult::kMatch : ProbeResult::kNoMatch;
    case QuicPacketType::kRetry:
    case QuicPacketType::kVersionNegotiation:
      return ProbeResult::kMatch;
    case QuicPacketType::kZeroRtt:
    case QuicPacketType::kHandshake:
      break;
  }
  return ProbeResult::kNoMatch;
}

}  // namespace torwart::dataplane::applayer::quic
