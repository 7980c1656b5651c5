#pragma once
// ICMP errors belong to the flow whose packet they quote. The quoted packet is one the box forwarded, as it
// left the box; an error travelling back towards that packet's sender therefore quotes a packet of the
// opposite direction, and the error's own tuple in the table is the mirror of the quoted one. That holds
// under NAT too: the quote shows the translated packet, whose mirror is exactly the flow's reply (or
// original) key.
#include <cstdint>

#include <rte_mbuf.h>

#include "dataplane/conntrack/flow_table.hpp"
#include "dataplane/conntrack/flow_tuple.hpp"
#include "dataplane/core/packet_meta.hpp"

namespace torwart::dataplane::conntrack {

struct QuotedPacket {
  FlowTuple tuple;  // as the quoted packet travelled
  bool fragment;    // the quote is a first fragment (parse hashed it without ports)
};

// Parses the quote of the ICMP (ipv6 = false) or ICMPv6 error message starting at `icmp` (its 8-byte
// header), of which `length` bytes may be read: the inner IP header (IPv4 with options, IPv6 with extension
// headers) and the first 8 bytes of its transport header. False when the quote is cut short, malformed, of
// the other IP version, a later fragment, or about ICMP other than echo.
bool parse_quoted_packet(const uint8_t* icmp, uint32_t length, bool ipv6, QuotedPacket& out);

// The same on a parsed packet with meta_flag::kIcmpError; never reads beyond the datagram or the first
// segment.
bool quoted_packet_of(const PacketMeta& meta, const rte_mbuf* m, QuotedPacket& out);

// The flow an ICMP error is about and the direction the error travels in within that flow; no flow when the
// quote cannot be parsed or names no flow. Expired flows are removed as in FlowTable::lookup.
LookupResult match_icmp_error(FlowTable& table, const PacketMeta& meta, const rte_mbuf* m, uint64_t now_ns,
                              FlowEndCallback on_end);

// The symmetric hash parse.cpp gave the quoted packet, i.e. the hash that steered the flow to its worker;
// software distribution can steer the error by it. An unparsable quote gives the error's own meta.flow_hash.
uint32_t icmp_error_flow_hash(const PacketMeta& meta, const rte_mbuf* m);
uint32_t quoted_flow_hash(const QuotedPacket& quoted);

}  // namespace torwart::dataplane::conntrack
