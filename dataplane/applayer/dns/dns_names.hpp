#pragma once
// Mnemonics for EVE records: RR types (IANA "Resource Record (RR) TYPEs") and rcodes (IANA "DNS RCODEs").
#include <cstdint>
#include <string_view>

#include "dataplane/applayer/common.hpp"

namespace torwart::dataplane::applayer::dns {

// "A", "AAAA", ...; empty for a type without a mnemonic here.
std::string_view dns_rrtype_name(uint16_t type);
// The mnemonic, or "TYPE<n>" (RFC 3597) when there is none.
void format_dns_rrtype(uint16_t type, FixedString<16>& out);

// "NOERROR", "NXDOMAIN", ... for the 12-bit rcode; empty when unassigned.
std::string_view dns_rcode_name(uint16_t rcode);
// The mnemonic, or "RCODE<n>" when there is none.
void format_dns_rcode(uint16_t rcode, FixedString<16>& out);

// "query" for a query, "answer" for a response (the EVE dns version 2 `type`).
inline std::string_view dns_eve_type(bool is_response) {
  return is_response ? "answer" : "query";
}

}  // namespace torwart::dataplane::applayer::dns
