#pragma once
// SYN cookies (RFC 4987 section 3.6): the initial sequence number of the SYN-ACK the box answers a SYN with
// carries everything it needs to accept the client's ACK later, so that a SYN costs no state.
//
// Layout of the 32-bit cookie, most significant bits first:
//   2 bits  time slot (64 s each) the cookie was made in, modulo 4
//   2 bits  index of the client's MSS in kCookieMss (the largest entry not above what the SYN announced)
//  28 bits  SipHash-2-4 under a per-boot secret key of (full slot number, both addresses and ports, the
//           client's ISN, the MSS index), truncated
// Because the full slot number is hashed, the secret effectively rotates every 64 s without any shared state
// changing; a cookie is accepted in the slot it was made in and the next one (64 to 128 s). A blind attacker
// must guess 28 bits per try; an old or replayed cookie fails once its slot has passed.
#include <cstdint>
#include <optional>

#include "dataplane/conntrack/flow_tuple.hpp"
#include "dataplane/core/siphash.hpp"

namespace torwart::dataplane::synflood {

inline constexpr uint64_t kCookieSlotNs = 64ull * 1'000'000'000ull;
// Covers the common paths: minimum IPv4 MSS, IPv6 minimum MTU, PPPoE/IPv6 on Ethernet, plain Ethernet.
inline constexpr uint16_t kCookieMss[4] = {536, 1220, 1440, 1460};

// The index into kCookieMss for the MSS a SYN announced (0 when it announced none, RFC 9293: 536).
unsigned cookie_mss_index(uint16_t announced_mss);

// `tuple` is the SYN's (client -> server); `client_isn` its sequence number.
uint32_t make_syn_cookie(const SipKey& key, const conntrack::FlowTuple& tuple, uint32_t client_isn,
                         unsigned mss_index, uint64_t now_ns);

// For the client's ACK of a cookie SYN-ACK: `tuple` is the ACK's (client -> server), `client_isn` its
// sequence number - 1 and `cookie` its acknowledgement number - 1. The MSS the cookie encodes, or nothing
// when it is forged, belongs to another connection, or is older than its two slots.
std::optional<uint16_t> check_syn_cookie(const SipKey& key, const conntrack::FlowTuple& tuple,
                                         uint32_t client_isn, uint32_t cookie, uint64_t now_ns);

}  // namespace torwart::dataplane::synflood
