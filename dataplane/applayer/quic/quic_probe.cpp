#include "dataplane/applayer/quic/quic_probe.hpp"

#include "dataplane/applayer/quic/quic_long_header.hpp"

namespace torwart::dataplane::applayer::quic {

ProbeResult probe_quic(Direction direction, std::span<const uint8_t> datagram) {
  QuicLongHeader header;
  if (!quic_parse_long_header(datagram, header)) return ProbeResult::kNoMatch;
  if (direction == Direction::kToServer) {
    // A client forcing version negotiation pads its first datagram like an Initial, and is QUIC all the same.
    const bool client_first =
        (header.type == QuicPacketType::kInitial && header.dcid_length >= kQuicMinClientInitialDcid) ||
        header.type == QuicPacketType::kReservedVersion;
    return client_first && datagram.size() >= kQuicMinClientInitialDatagram ? ProbeResult::kMatch
                                                                            : ProbeResult::kNoMatch;
  }
  switch (header.type) {
    case QuicPacketType::kInitial:
      return header.token_length == 0 ? ProbeResult::kMatch : ProbeResult::kNoMatch;
    case QuicPacketType::kRetry:
    case QuicPacketType::kVersionNegotiation:
      return ProbeResult::kMatch;
    case QuicPacketType::kZeroRtt:
    case QuicPacketType::kHandshake:
    case QuicPacketType::kReservedVersion:
      break;
  }
  return ProbeResult::kNoMatch;
}

}  // namespace torwart::dataplane::applayer::quic
