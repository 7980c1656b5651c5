#pragma once
// Community ID v1 (https://github.com/corelight/community-id-spec): one string per connection that Zeek,
// Suricata and SIEMs compute alike, "1:" and the base64 of a SHA-1 over seed, the endpoints in a fixed order,
// protocol and ports, so that records of one connection from different sensors can be joined.
#include <cstddef>
#include <cstdint>

namespace torwart::dataplane {

inline constexpr size_t kCommunityIdLength = 30;  // "1:" and 28 base64 characters

struct CommunityIdTuple {
  bool ipv6 = false;
  uint8_t protocol = 0;
  const uint8_t* source = nullptr;  // network order, 4 or 16 bytes
  const uint8_t* destination = nullptr;
  // TCP, UDP, SCTP: the ports. ICMP, ICMPv6: the message's type and code, mapped as the spec says (a request
  // and its reply give the same id; other types are one-way). Other protocols: ignored.
  uint16_t source_port = 0;
  uint16_t destination_port = 0;
};

// Writes the id into `out` (not terminated); returns kCommunityIdLength. No allocation (the digest runs on
// a stack context, not EVP's), so workers call it while they format a record.
size_t community_id(const CommunityIdTuple& tuple, char (&out)[kCommunityIdLength], uint16_t seed = 0);

}  // namespace torwart::dataplane
