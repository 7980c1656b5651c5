#pragma once
// Reading a domain name off the wire (RFC 1035 4.1.4 compression) and writing its presentation form.
//
// Bounds: a label is at most 63 octets (length bytes 0x40-0xbf are refused), the whole name at most 255
// octets counting length bytes and the root, at most kDnsMaxPointerHops pointers. Each pointer must point
// strictly before the start of the segment it was found in (the name's start, or the previous pointer's
// target) and the labels reached through it must end before that segment, so the walk only ever moves
// backwards through the message and cannot loop whatever the hop limit.
//
// Escaping (RFC 1035 5.1 style): bytes 0x21-0x7e are kept except '.' and '\', which become "\." and "\\"
// inside a label; every other byte becomes "\DDD" with three decimal digits. Labels are joined with '.',
// there is no trailing dot, and the root name is "".
#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/applayer/dns/dns_anomaly.hpp"
#include "dataplane/applayer/dns/dns_message.hpp"

namespace torwart::dataplane::applayer::dns {

inline constexpr unsigned kDnsMaxPointerHops = 32;
inline constexpr size_t kDnsMaxNameOctets = 255;

struct DnsNameRead {
  DnsAnomalyReason reason = DnsAnomalyReason::kNone;
  size_t end = 0;           // just past the name where it was found (past its first pointer if compressed)
  size_t fault_offset = 0;  // where the fault was found
  bool ran_past_limit = false;  // the fault is only that the labels before any pointer crossed `limit`
};

// Reads the name starting at `start`; the labels before its first pointer must end before `limit` (the end
// of the held message, or of the RDATA holding the name). `out` holds the presentation form, cut (and marked
// truncated) at its capacity.
DnsNameRead read_dns_name(std::span<const uint8_t> message, size_t start, size_t limit, DnsName& out);

// Appends one label's bytes, escaped as above.
template <size_t N>
void append_escaped_label(std::span<const uint8_t> label, FixedString<N>& out);

// Appends a TXT character-string inside double quotes: bytes 0x20-0x7e are kept except '"' and '\', which
// get a backslash; every other byte becomes "\DDD".
template <size_t N>
void append_quoted_string(std::span<const uint8_t> text, FixedString<N>& out);

}  // namespace torwart::dataplane::applayer::dns
