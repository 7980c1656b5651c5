#pragma once
// Decoding the RDATA of the types an EVE record shows (A, AAAA, CNAME, NS, PTR, MX, TXT, SOA, SRV) into
// DnsRecord's fields and presentation text. Other types keep only their type and length.
#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/applayer/dns/dns_anomaly.hpp"
#include "dataplane/applayer/dns/dns_message.hpp"

namespace torwart::dataplane::applayer::dns {

// RDATA is message[start, start + record.rdata_length), all held. Names inside may point anywhere earlier.
// Returns kNone, kBadRdata, or the name fault found inside; `fault_offset` says where.
DnsAnomalyReason decode_dns_rdata(std::span<const uint8_t> message, size_t start, DnsRecord& record,
                                  size_t& fault_offset);

// RFC 5952 text of an IPv6 address (lower case, longest run of two or more zero groups as "::").
void format_ipv6(const uint8_t (&address)[16], DnsRdataText& out);
void format_ipv4(const uint8_t* address, DnsRdataText& out);

}  // namespace torwart::dataplane::applayer::dns
