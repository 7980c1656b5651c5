#pragma once
// SipHash-2-4 (J.-P. Aumasson, D. J. Bernstein, "SipHash: a fast short-input PRF", 2012): a keyed hash that
// an attacker who does not know the key cannot predict or forge, and cheap enough for one call per SYN.
// Written from the paper's description; checked against its test vector (synflood/syn_cookie_test.cpp).
#include <array>
#include <cstddef>
#include <cstdint>

namespace torwart::dataplane::synflood {

using SipKey = std::array<uint8_t, 16>;

uint64_t siphash24(const SipKey& key, const void* data, std::size_t length);

}  // namespace torwart::dataplane::synflood
