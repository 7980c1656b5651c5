#pragma once
// Content probe for QUIC on the first datagram of each direction. A datagram is whole, so the answer is never
// kNeedMore.
//
// to_server matches a client Initial: quic_parse_long_header() accepts it, it is an Initial of version 1, 2
// or a draft, its Destination Connection ID has at least 8 bytes (RFC 9000 7.2) and the datagram carries at
// least 1200 bytes of UDP payload (RFC 9000 14.1); or, padded alike, the first datagram of a client forcing
// version negotiation (the parser's kReservedVersion).
// to_client matches a server Initial (Token Length 0, RFC 9000 17.2.2), a Retry, or a Version Negotiation
// packet, whatever the datagram's size.
#include <span>

#include "dataplane/applayer/common.hpp"

namespace torwart::dataplane::applayer::quic {

inline constexpr size_t kQuicMinClientInitialDatagram = 1200;
inline constexpr size_t kQuicMinClientInitialDcid = 8;

ProbeResult probe_quic(Direction direction, std::span<const uint8_t> datagram);

}  // namespace torwart::dataplane::applayer::quic
