#pragma once
// Content probes: is this the start of DNS? They look at the header and the first question only.
//
// Checks (both transports): opcode QUERY (0), STATUS (2), NOTIFY (4), UPDATE (5) or DSO (6) (IQUERY is
// obsolete, the others unassigned); the Z bit clear; to_server a query (QR clear) with rcode 0, to_client a
// response (QR set); 1 to 4 questions (0 only for DSO); the counts plausible for the length (each question
// at least 5 bytes, each record at least 11); the first question's name and type/class parse within the
// message.
#include <span>

#include "dataplane/applayer/common.hpp"

namespace torwart::dataplane::applayer::dns {

// A UDP payload is a whole message: never kNeedMore.
ProbeResult probe_dns_udp(Direction direction, std::span<const uint8_t> payload);

// The first bytes of a TCP direction: 2-byte length prefix, then the message. kNeedMore while the header or
// first question is not yet all there.
ProbeResult probe_dns_tcp(Direction direction, std::span<const uint8_t> stream);

}  // namespace torwart::dataplane::applayer::dns
