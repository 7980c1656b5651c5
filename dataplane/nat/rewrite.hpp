#pragma once
// Rewriting one endpoint of an IPv4 packet for NAT, with every checksum updated incrementally (RFC 1624):
// the IPv4 header checksum for the address; the TCP or UDP checksum for the address (pseudo-header) and the
// port; the ICMP checksum for the echo identifier. A UDP checksum of 0 (none, RFC 768) stays 0. The packet's
// meta follows (ports), so that the stages after NAT see the translated packet.
#include <cstdint>

#include <rte_mbuf.h>

#include "dataplane/core/packet_meta.hpp"

namespace torwart::dataplane::nat {

enum class Side : uint8_t { kSource, kDestination };

// `address` in network order, `port` in host order (ICMP echo: the identifier, whichever side). Later
// fragments carry no transport header: only the address changes (the first fragment's checksum covers the
// ports and the pseudo-header). Other protocols: the address only.
void rewrite_endpoint(rte_mbuf* m, PacketMeta& meta, Side side, uint32_t address, uint16_t port);

// An ICMP error about a translated flow (RFC 5508): the outer header's `outer_side` address becomes
// `outer_address`, and the quoted packet's `inner_side` endpoint becomes inner_address:inner_port, with the
// quoted IPv4 header checksum, the quoted TCP/UDP/ICMP checksum (as far as the quote holds it) and the ICMP
// checksum adjusted. False (nothing changed) when the quote is cut short before the quoted addresses.
bool rewrite_icmp_error(rte_mbuf* m, PacketMeta& meta, Side outer_side, uint32_t outer_address,
                        Side inner_side, uint32_t inner_address, uint16_t inner_port);

// The box's own answer (TCP RST, ICMP error) to a packet whose destination NAT translated before the policy
// refused it: the answer must come from the address and port the sender used, not from the inside host
// (`refused` is the refused packet's meta, with nat_original_address/port).
void answer_from_original_destination(const PacketMeta& refused, rte_mbuf* answer);

}  // namespace torwart::dataplane::nat
