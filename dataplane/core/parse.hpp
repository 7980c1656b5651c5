#pragma once
// Stage 1: decode Ethernet, one 802.1Q tag, ARP, IPv4 (with options), IPv6 (with extension headers), TCP,
// UDP, ICMP and ICMPv6 into PacketMeta. Never trusts a length field; never reads beyond `length`.
#include <cstdint>

#include "dataplane/core/burst.hpp"
#include "dataplane/core/packet_meta.hpp"

namespace torwart::dataplane {

struct ParseOptions {
  bool verify_ipv4_checksum = true;  // off when the NIC already verified it
  // Sources no packet on a wire may carry (multicast, loopback, ...) are dropped; `torwart inspect` reads
  // captures taken on loopback and keeps them.
  bool check_source_addresses = true;
};

// Fills `meta` (zeroing it first) for the frame at `frame`; returns DropReason::kNone for a packet that may
// go on, otherwise why it must be dropped. Symmetric flow hash is computed here (both directions alike).
DropReason parse_frame(const uint8_t* frame, uint32_t length, PacketMeta& meta, const ParseOptions& options);

// Runs parse_frame over a burst; drops what fails. Multi-segment mbufs are dropped as truncated_ethernet
// unless the first segment holds all headers.
void stage_parse(Burst& burst, const ParseOptions& options);

}  // namespace torwart::dataplane
