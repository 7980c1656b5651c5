#pragma once
// The long header of a QUIC packet (RFC 9000 17.2, version 2 per RFC 9369, Version Negotiation per RFC 8999),
// read from the start of a UDP datagram without removing packet protection. Only the fields that header
// protection leaves in the clear are read: the packet number length and reserved bits are not.
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

namespace torwart::dataplane::applayer::quic {

inline constexpr uint32_t kQuicVersion1 = 0x00000001;
inline constexpr uint32_t kQuicVersion2 = 0x6b3343cf;  // RFC 9369
inline constexpr uint32_t kQuicVersionNegotiation = 0;
inline constexpr size_t kQuicMaxConnectionIdBytes = 20;  // RFC 9000 17.2, for versions 1 and 2
// Header protection samples 16 bytes starting 4 bytes after the packet number (RFC 9001 5.4.2), so a
// protected packet's Length field can be no smaller than this.
inline constexpr uint64_t kQuicMinProtectedPayload = 20;
inline constexpr size_t kQuicRetryIntegrityTagBytes = 16;

// kReservedVersion: a version of the pattern 0x?a?a?a?a (RFC 9000 15), which a client sends to force version
// negotiation; its packet types and fields are undefined, so only the version-independent ones are read.
enum class QuicPacketType : uint8_t {
  kInitial,
  kZeroRtt,
  kHandshake,
  kRetry,
  kVersionNegotiation,
  kReservedVersion
};

// Versions 1 and 2, and IETF drafts 0xff0000xx (which use version 1's packet types).
bool quic_version_known(uint32_t version);
// 0x?a?a?a?a: never a real version (RFC 9000 15).
bool quic_version_reserved(uint32_t version);

struct QuicLongHeader {
  uint32_t version = 0;
  QuicPacketType type = QuicPacketType::kInitial;
  uint8_t first_byte = 0;
  uint8_t dcid_length = 0;
  uint8_t scid_length = 0;
  uint8_t dcid[kQuicMaxConnectionIdBytes] = {};
  uint8_t scid[kQuicMaxConnectionIdBytes] = {};
  uint16_t supported_versions = 0;  // Version Negotiation: how many versions it lists
  uint32_t token_offset = 0;        // Initial and Retry: where the token starts
  uint64_t token_length = 0;        // Initial: the Token Length field; Retry: the bytes before the tag
  uint64_t payload_length = 0;      // Initial, 0-RTT, Handshake: the Length field (packet number + payload)
  uint32_t payload_offset = 0;      // where the packet number starts
  uint32_t packet_length = 0;       // header and payload: a coalesced packet may follow from here
};

static_assert(std::is_trivially_copyable_v<QuicLongHeader>);
static_assert(sizeof(QuicLongHeader) == 80);

// Reads the long header at the start of `datagram`. True when it is a well-formed long header of a known or
// reserved version (or a Version Negotiation packet) whose fields all fit in the datagram:
//  - header form bit set; for versions other than Version Negotiation the fixed bit set too;
//  - Connection ID lengths at most 20 (also for Version Negotiation, which only answers versions 1 and 2
//    clients here);
//  - Initial: Token Length and token within the datagram; Initial, 0-RTT, Handshake: a Length field of at
//    least kQuicMinProtectedPayload whose bytes are in the datagram (more may follow: coalesced packets);
//  - Retry: more than the 16-byte integrity tag after the Source Connection ID (the token is not empty);
//  - Version Negotiation: one or more 4-byte versions filling the rest of the datagram;
//  - reserved version: nothing beyond the Connection IDs (packet_length is the datagram's).
bool quic_parse_long_header(std::span<const uint8_t> datagram, QuicLongHeader& header);

}  // namespace torwart::dataplane::applayer::quic
