#include "dataplane/eve/pseudonymise/prefix_pseudonymiser.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace torwart::dataplane::applayer::pseudonymise {
namespace {

constexpr PseudonymKey kKey = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
constexpr PseudonymKey kOtherKey = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16};

template <size_t N>
size_t common_prefix_bits(const std::array<uint8_t, N>& a, const std::array<uint8_t, N>& b) {
  for (size_t bit = 0; bit < N * 8; ++bit) {
    const auto mask = static_cast<uint8_t>(0x80u >> (bit % 8));
    if ((a[bit / 8] & mask) != (b[bit / 8] & mask)) return bit;
  }
  return N * 8;
}

template <size_t N>
std::array<uint8_t, N> random_address(std::mt19937_64& random) {
  std::array<uint8_t, N> a;
  for (auto& byte : a) byte = static_cast<uint8_t>(random());
  return a;
}

// b equals a in its first n bits, differs at bit n, and is random after it.
template <size_t N>
std::array<uint8_t, N> sharing_first_bits(const std::array<uint8_t, N>& a, size_t n,
                                          std::mt19937_64& random) {
  auto b = random_address<N>(random);
  for (size_t bit = 0; bit < N * 8; ++bit) {
    const auto mask = static_cast<uint8_t>(0x80u >> (bit % 8));
    uint8_t& target = b[bit / 8];
    if (bit < n) target = static_cast<uint8_t>((target & ~mask) | (a[bit / 8] & mask));
    if (bit == n) target = static_cast<uint8_t>((target & ~mask) | (~a[bit / 8] & mask));
  }
  return b;
}

TEST(PrefixPseudonymiser, Ipv4AddressesSharingNBitsGivePseudonymsSharingExactlyNBits) {
  std::mt19937_64 random(1);
  for (int trial = 0; trial < 200; ++trial) {
    const auto a = random_address<4>(random);
    for (size_t n = 0; n <= 32; ++n) {
      const auto b = n == 32 ? a : sharing_first_bits(a, n, random);
      ASSERT_EQ(common_prefix_bits(a, b), n);
      EXPECT_EQ(common_prefix_bits(pseudonymise_ipv4(kKey, a), pseudonymise_ipv4(kKey, b)), n) << n;
    }
  }
}

TEST(PrefixPseudonymiser, Ipv6AddressesSharingNBitsGivePseudonymsSharingExactlyNBits) {
  std::mt19937_64 random(2);
  for (int trial = 0; trial < 20; ++trial) {
    const auto a = random_address<16>(random);
    for (size_t n = 0; n < 128; ++n) {
      const auto b = sharing_first_bits(a, n, random);
      EXPECT_EQ(common_prefix_bits(pseudonymise_ipv6(kKey, a), pseudonymise_ipv6(kKey, b)), n) << n;
    }
  }
}

TEST(PrefixPseudonymiser, DeterministicForOneKey) {
  const Ipv4Bytes a = {192, 0, 2, 1};
  EXPECT_EQ(pseudonymise_ipv4(kKey, a), pseudonymise_ipv4(kKey, a));
  const Ipv6Bytes b = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_EQ(pseudonymise_ipv6(kKey, b), pseudonymise_ipv6(kKey, b));
}

TEST(PrefixPseudonymiser, DependsOnTheKey) {
  std::mt19937_64 random(3);
  int v4_same = 0;
  int v6_same = 0;
  for (int i = 0; i < 1000; ++i) {
    const auto a = random_address<4>(random);
    const auto b = random_address<16>(random);
    v4_same += pseudonymise_ipv4(kKey, a) == pseudonymise_ipv4(kOtherKey, a) ? 1 : 0;
    v6_same += pseudonymise_ipv6(kKey, b) == pseudonymise_ipv6(kOtherKey, b) ? 1 : 0;
  }
  // Chance of one equal IPv4 pseudonym under two keys is 2^-32.
  EXPECT_EQ(v4_same, 0);
  EXPECT_EQ(v6_same, 0);
  // And the first bit alone already depends on the key for about half the keys.
  int first_bit_flips = 0;
  for (uint8_t k = 0; k < 64; ++k) {
    PseudonymKey key = kKey;
    key[0] = k;
    first_bit_flips += (pseudonymise_ipv4(key, Ipv4Bytes{10, 0, 0, 1})[0] & 0x80) != 0 ? 1 : 0;
  }
  EXPECT_GT(first_bit_flips, 16);
  EXPECT_LT(first_bit_flips, 48);
}

TEST(PrefixPseudonymiser, IsAPermutationOfA16BitSubspace) {
  // All addresses of 10.0.0.0/16 map to distinct pseudonyms inside one /16.
  std::set<Ipv4Bytes> seen;
  const auto base = pseudonymise_ipv4(kKey, Ipv4Bytes{10, 0, 0, 0});
  for (unsigned i = 0; i < 65536; ++i) {
    const auto p =
        pseudonymise_ipv4(kKey, Ipv4Bytes{10, 0, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)});
    ASSERT_EQ(p[0], base[0]);
    ASSERT_EQ(p[1], base[1]);
    seen.insert(p);
  }
  EXPECT_EQ(seen.size(), 65536u);
}

TEST(PrefixPseudonymiser, FamiliesAreIndependent) {
  // An IPv4 address and an IPv6 address starting with the same 32 bits are not mapped alike.
  std::mt19937_64 random(4);
  int same_first_word = 0;
  for (int i = 0; i < 200; ++i) {
    const auto v4 = random_address<4>(random);
    Ipv6Bytes v6{};
    std::copy(v4.begin(), v4.end(), v6.begin());
    const auto p4 = pseudonymise_ipv4(kKey, v4);
    const auto p6 = pseudonymise_ipv6(kKey, v6);
    same_first_word += std::equal(p4.begin(), p4.end(), p6.begin()) ? 1 : 0;
  }
  EXPECT_EQ(same_first_word, 0);
}

}  // namespace
}  // namespace torwart::dataplane::applayer::pseudonymise
