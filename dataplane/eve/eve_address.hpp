#pragma once
// Addresses as EVE records show them: as they are, or pseudonymised (prefix-preserving, keyed) when
// logging.pseudonymise is configured, the same way in every record type so that a SIEM can still follow a
// host and its subnet across records (R14).
#include <cstddef>
#include <cstdint>

#include "rules/config/config.hpp"

namespace torwart::dataplane {

// Writes `address` (network order; IPv4 in the first 4 bytes) as text into `out` (at least 46 bytes).
void format_eve_address(const config::Logging& logging, bool ipv6, const uint8_t* address, char* out,
                        size_t size);
// Replaces `address` in place by its pseudonym, when configured.
void pseudonymise_in_place(const config::Logging& logging, bool ipv6, uint8_t* address);

}  // namespace torwart::dataplane
