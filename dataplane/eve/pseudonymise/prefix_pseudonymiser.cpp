#include "dataplane/eve/pseudonymise/prefix_pseudonymiser.hpp"

#include <cstddef>

namespace torwart::dataplane::applayer::pseudonymise {
namespace {

// The family goes into every PRF input so that an IPv4 address and the first 32 bits of an IPv6 address
// are pseudonymised independently.
constexpr uint8_t kFamilyIpv4 = 4;
constexpr uint8_t kFamilyIpv6 = 6;

template <size_t N>
std::array<uint8_t, N> pseudonymise(const PseudonymKey& key, uint8_t family,
                                    const std::array<uint8_t, N>& in) {
  static_assert(N * 8 <= 256, "the prefix length must fit in one byte");
  std::array<uint8_t, N> out = in;
  // family, prefix length, then the first `prefix length` bits of the input with the others zero
  uint8_t prf_input[2 + N] = {};
  prf_input[0] = family;
  for (size_t bit = 0; bit < N * 8; ++bit) {
    const size_t byte = bit / 8;
    const auto mask = static_cast<uint8_t>(0x80u >> (bit % 8));
    prf_input[1] = static_cast<uint8_t>(bit);
    if ((synflood::siphash24(key, prf_input, sizeof prf_input) & 1) != 0) out[byte] ^= mask;
    prf_input[2 + byte] |= static_cast<uint8_t>(in[byte] & mask);
  }
  return out;
}

}  // namespace

Ipv4Bytes pseudonymise_ipv4(const PseudonymKey& key, const Ipv4Bytes& address) {
  return pseudonymise(key, kFamilyIpv4, address);
}

Ipv6Bytes pseudonymise_ipv6(const PseudonymKey& key, const Ipv6Bytes& address) {
  return pseudonymise(key, kFamilyIpv6, address);
}

}  // namespace torwart::dataplane::applayer::pseudonymise
