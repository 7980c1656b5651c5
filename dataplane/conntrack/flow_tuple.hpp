#pragma once
// The key connection tracking files flows under: one direction of a connection as the box sees it arrive.
#include <cstdint>
#include <cstring>

#include <rte_mbuf.h>

#include "dataplane/core/packet_meta.hpp"

namespace torwart::dataplane::conntrack {

enum class Direction : uint8_t { kOriginal = 0, kReply = 1 };

inline Direction opposite(Direction d) {
  return d == Direction::kOriginal ? Direction::kReply : Direction::kOriginal;
}
inline unsigned index_of(Direction d) {
  return static_cast<unsigned>(d);
}

inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kProtoIcmpv6 = 58;

// Packed so that it can be compared and hashed as bytes: no padding, unused address bytes are zero.
struct FlowTuple {
  uint8_t source[16];  // IPv4: the first 4 bytes, network order; the rest zero
  uint8_t destination[16];
  uint16_t source_port;       // host order. ICMP echo: the identifier, on both sides, because request and
  uint16_t destination_port;  // reply carry the same one; other protocols without ports: 0
  uint8_t protocol;
  uint8_t family;  // 4 or 6

  bool operator==(const FlowTuple& other) const { return std::memcmp(this, &other, sizeof(FlowTuple)) == 0; }
  bool is_ipv6() const { return family == 6; }
};
static_assert(sizeof(FlowTuple) == 38, "FlowTuple must have no padding: it is compared and hashed as bytes");

// The tuple of a packet travelling the other way (the reply to a packet with tuple `t`, without NAT).
FlowTuple mirror(const FlowTuple& t);

FlowTuple make_ipv4_tuple(uint32_t source_be, uint32_t destination_be, uint16_t source_port,
                          uint16_t destination_port, uint8_t protocol);
FlowTuple make_ipv6_tuple(const uint8_t* source, const uint8_t* destination, uint16_t source_port,
                          uint16_t destination_port, uint8_t protocol);

// The packet's tuple, from headers parse has validated. False for what cannot be tracked by its own tuple:
// ARP, non-IP, later fragments not released by reassembly (no ports known), ICMP errors (they belong to the
// flow they quote, see icmp_error_match.hpp) and ICMP messages other than echo. IP protocols other than
// TCP/UDP/ICMP get ports 0.
bool tuple_of_packet(const PacketMeta& meta, const rte_mbuf* m, FlowTuple& out);

// Hash for the flow table's index. Directional (a tuple and its mirror hash differently) so that the two keys
// of a flow spread over the table.
uint32_t tuple_hash(const FlowTuple& t);

// The symmetric hash parse.cpp computes for a packet with this tuple (dataplane/core/flow_hash.hpp), i.e. the
// value software distribution steers by.
uint32_t symmetric_flow_hash(const FlowTuple& t);

bool is_icmp_echo_request(uint8_t protocol, uint8_t type);
bool is_icmp_echo(uint8_t protocol, uint8_t type);

}  // namespace torwart::dataplane::conntrack
