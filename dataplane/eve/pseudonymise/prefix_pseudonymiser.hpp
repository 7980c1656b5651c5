#pragma once
// Prefix-preserving keyed pseudonymisation of IPv4 and IPv6 addresses for logs: two addresses that share
// their first n bits map to two pseudonyms that share exactly their first n bits, so subnets stay
// recognisable while the addresses themselves do not, to anyone without the key.
//
// Output bit i is input bit i XOR the lowest bit of SipHash-2-4(key, family || i || first i input bits,
// the rest zero). Equal prefixes give equal PRF inputs, hence equal output bits; at the first differing bit
// the PRF input is still the same, so the output bits differ there too. The mapping is a permutation of the
// address space (each bit can be undone in order, knowing the key); the inverse is not provided.
#include <array>
#include <cstdint>

#include "dataplane/core/siphash.hpp"

namespace torwart::dataplane::applayer::pseudonymise {

using PseudonymKey = synflood::SipKey;  // 128 bits
using Ipv4Bytes = std::array<uint8_t, 4>;
using Ipv6Bytes = std::array<uint8_t, 16>;

// Addresses in network byte order.
Ipv4Bytes pseudonymise_ipv4(const PseudonymKey& key, const Ipv4Bytes& address);
Ipv6Bytes pseudonymise_ipv6(const PseudonymKey& key, const Ipv6Bytes& address);

}  // namespace torwart::dataplane::applayer::pseudonymise
