#include "dataplane/ipsec/sa_spec.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "dataplane/ipsec/ipsec_test_support.hpp"

namespace torwart::dataplane::ipsec {
namespace {

using testing_support::sa_pair;

SaSpec good() {
  return sa_pair(0x1234, Cipher::kAesGcm256, Family::kIpv4, Family::kIpv4, true, true, 128).inbound;
}

void expect_refused(const std::function<void(SaSpec&)>& change, const std::string& field,
                    const std::string& reason) {
  SaSpec s = good();
  change(s);
  const std::string error = validate(s);
  EXPECT_EQ(error.rfind(field + ":", 0), 0u) << error;
  EXPECT_NE(error.find(reason), std::string::npos) << error;
}

TEST(SaSpec, GoodSpecsPass) {
  EXPECT_EQ(validate(good()), "");
  for (Cipher c : {Cipher::kAesGcm128, Cipher::kAesGcm256}) {
    for (Family outer : {Family::kIpv4, Family::kIpv6}) {
      const auto pair = sa_pair(0x999, c, outer, Family::kIpv6);
      EXPECT_EQ(validate(pair.inbound), "");
      EXPECT_EQ(validate(pair.outbound), "");
    }
  }
}

TEST(SaSpec, EachRefusalNamesTheFieldAndTheReason) {
  expect_refused([](SaSpec& s) { s.spi = 255; }, "spi", "reserved");
  expect_refused([](SaSpec& s) { s.spi = 0; }, "spi", "reserved");
  expect_refused([](SaSpec& s) { s.key_length = 16; }, "key_length", "32-byte key");
  expect_refused(
      [](SaSpec& s) {
        s.cipher = Cipher::kAesGcm128;
        s.key_length = 32;
      },
      "key_length", "16-byte key");
  expect_refused([](SaSpec& s) { s.cipher = static_cast<Cipher>(9); }, "cipher", "AES-GCM");
  expect_refused([](SaSpec& s) { s.local.bytes.fill(0); }, "local", "unspecified");
  expect_refused([](SaSpec& s) { s.remote = testing_support::ipv6("2001:db8::1"); }, "remote", "one family");
  expect_refused([](SaSpec& s) { s.udp_source_port = 0; }, "udp_source_port", "0 with UDP");
  expect_refused([](SaSpec& s) { s.udp_destination_port = 0; }, "udp_destination_port", "0 with UDP");
  expect_refused([](SaSpec& s) { s.udp_encapsulation = false; }, "udp_source_port", "encapsulation is off");
  expect_refused([](SaSpec& s) { s.replay_window = 32; }, "replay_window", "64..4096");
  expect_refused([](SaSpec& s) { s.replay_window = 8192; }, "replay_window", "64..4096");
  expect_refused([](SaSpec& s) { s.replay_window = 0; }, "replay_window", "extended sequence numbers");
  expect_refused(
      [](SaSpec& s) {
        s.direction = Direction::kOutbound;
        s.replay_window = 64;
      },
      "replay_window", "only an inbound");
  expect_refused([](SaSpec& s) { s.lifetime = {.soft_bytes = 10, .hard_bytes = 5}; }, "lifetime.soft_bytes",
                 "above");
  expect_refused([](SaSpec& s) { s.lifetime = {.soft_packets = 10, .hard_packets = 5}; },
                 "lifetime.soft_packets", "above");
  expect_refused(
      [](SaSpec& s) {
        s.extended_sequence_numbers = false;
        s.initial_sequence = UINT32_MAX;
      },
      "initial_sequence", "no sequence number");
}

TEST(SaSpec, WindowOffIsAllowedWithoutEsn) {
  SaSpec s = good();
  s.extended_sequence_numbers = false;
  s.replay_window = 0;
  EXPECT_EQ(validate(s), "");
}

}  // namespace
}  // namespace torwart::dataplane::ipsec
