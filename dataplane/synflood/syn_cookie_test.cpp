// SipHash and SYN cookies: no EAL needed.
#include "dataplane/synflood/syn_cookie.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <numeric>

namespace torwart::dataplane::synflood {
namespace {

constexpr uint64_t kT0 = 1'700'000'000'000'000'000ull;  // some packet time, nanoseconds

SipKey test_key(uint8_t first = 0) {
  SipKey key;
  std::iota(key.begin(), key.end(), first);
  return key;
}

conntrack::FlowTuple client_to_server(uint16_t client_port = 40000) {
  return conntrack::make_ipv4_tuple(inet_addr("198.51.100.7"), inet_addr("192.168.10.20"), client_port, 443,
                                    conntrack::kProtoTcp);
}

TEST(SipHash, MatchesThePapersTestVector) {
  // Appendix A of the SipHash paper: key 00..0f, message 00..0e.
  uint8_t message[15];
  std::iota(message, message + 15, 0);
  EXPECT_EQ(siphash24(test_key(), message, sizeof message), 0xa129ca6149be45e5ull);
}

TEST(SipHash, EmptyMessageAndKeyDependence) {
  // The paper's reference implementation's vector for the empty message under key 00..0f.
  EXPECT_EQ(siphash24(test_key(), nullptr, 0), 0x726fdb47dd0e0e31ull);
  const uint8_t byte = 0;
  EXPECT_NE(siphash24(test_key(0), &byte, 1), siphash24(test_key(1), &byte, 1));
}

TEST(SynCookie, MssIsEncodedAsTheLargestTableEntryNotAboveTheAnnouncedOne) {
  EXPECT_EQ(cookie_mss_index(0), 0u) << "no MSS option: RFC 9293's 536";
  EXPECT_EQ(cookie_mss_index(536), 0u);
  EXPECT_EQ(cookie_mss_index(1219), 0u);
  EXPECT_EQ(cookie_mss_index(1220), 1u);
  EXPECT_EQ(cookie_mss_index(1440), 2u);
  EXPECT_EQ(cookie_mss_index(1459), 2u);
  EXPECT_EQ(cookie_mss_index(1460), 3u);
  EXPECT_EQ(cookie_mss_index(8960), 3u);
  for (unsigned index = 0; index < 4; ++index) {
    const uint32_t cookie = make_syn_cookie(test_key(), client_to_server(), 1000, index, kT0);
    EXPECT_EQ(check_syn_cookie(test_key(), client_to_server(), 1000, cookie, kT0), kCookieMss[index]);
  }
}

TEST(SynCookie, ValidForItsSlotAndTheNextThenRefused) {
  const uint64_t slot_start = kT0 / kCookieSlotNs * kCookieSlotNs;
  const uint32_t cookie =
      make_syn_cookie(test_key(), client_to_server(), 77, 3, slot_start + kCookieSlotNs - 1);
  EXPECT_TRUE(check_syn_cookie(test_key(), client_to_server(), 77, cookie, slot_start + kCookieSlotNs - 1));
  EXPECT_TRUE(
      check_syn_cookie(test_key(), client_to_server(), 77, cookie, slot_start + 2 * kCookieSlotNs - 1))
      << "the secret rotated once: still accepted";
  EXPECT_FALSE(check_syn_cookie(test_key(), client_to_server(), 77, cookie, slot_start + 2 * kCookieSlotNs))
      << "rotated twice: too old";
  EXPECT_FALSE(check_syn_cookie(test_key(), client_to_server(), 77, cookie, slot_start + 5 * kCookieSlotNs))
      << "four slots later the 2 slot bits match again, the hash does not";
  EXPECT_FALSE(check_syn_cookie(test_key(), client_to_server(), 77, cookie, slot_start - 1))
      << "a cookie from the future";
}

TEST(SynCookie, ForgedOrForeignCookiesAreRefused) {
  const uint32_t cookie = make_syn_cookie(test_key(), client_to_server(), 5000, 2, kT0);
  EXPECT_FALSE(check_syn_cookie(test_key(1), client_to_server(), 5000, cookie, kT0)) << "another boot's key";
  EXPECT_FALSE(check_syn_cookie(test_key(), client_to_server(40001), 5000, cookie, kT0)) << "another port";
  EXPECT_FALSE(check_syn_cookie(test_key(), conntrack::mirror(client_to_server()), 5000, cookie, kT0));
  EXPECT_FALSE(check_syn_cookie(test_key(), client_to_server(), 5001, cookie, kT0)) << "another client ISN";
  EXPECT_FALSE(check_syn_cookie(test_key(), client_to_server(), 5000, cookie ^ (1u << 28), kT0))
      << "MSS bits changed to claim a larger MSS";
  for (uint32_t bit = 0; bit < 28; ++bit)
    EXPECT_FALSE(check_syn_cookie(test_key(), client_to_server(), 5000, cookie ^ (1u << bit), kT0)) << bit;
  // Blind guessing: of 100000 arbitrary cookies about 100000 / 2^27 (expected < 0.001) pass.
  unsigned accepted = 0;
  for (uint32_t guess = 0; guess < 100000; ++guess)
    accepted += check_syn_cookie(test_key(), client_to_server(), 5000, guess * 2654435761u, kT0).has_value();
  EXPECT_EQ(accepted, 0u);
}

TEST(SynCookie, Ipv6TuplesWork) {
  uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
  const auto tuple = conntrack::make_ipv6_tuple(a, b, 1234, 80, conntrack::kProtoTcp);
  const uint32_t cookie = make_syn_cookie(test_key(), tuple, 9, 1, kT0);
  EXPECT_EQ(check_syn_cookie(test_key(), tuple, 9, cookie, kT0), 1220);
  b[15] = 3;
  EXPECT_FALSE(check_syn_cookie(test_key(), conntrack::make_ipv6_tuple(a, b, 1234, 80, conntrack::kProtoTcp),
                                9, cookie, kT0));
}

}  // namespace
}  // namespace torwart::dataplane::synflood
