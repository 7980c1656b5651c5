#include "dataplane/ipsec/esp_wire.hpp"

#include <gtest/gtest.h>

#include "dataplane/ipsec/ipsec_test_support.hpp"

namespace torwart::dataplane::ipsec {
namespace {

using namespace testing_support;

Bytes esp_of_length(size_t length) {
  Bytes b(length, 0x33);
  b[0] = 0x00;
  b[1] = 0x00;
  b[2] = 0x12;
  b[3] = 0x34;  // SPI 0x1234
  b[4] = b[5] = b[6] = 0;
  b[7] = 9;  // sequence 9
  return b;
}

Bytes v4(const Bytes& esp, bool udp = false) {
  return outer_ipv4(ipv4("198.51.100.7"), ipv4("192.0.2.1"), esp, 0, udp);
}

TEST(EspWire, ParsesIpv4EspAndUdpEncapsulation) {
  EspPacket p;
  ASSERT_EQ(parse_esp(v4(esp_of_length(48)).data(), 20 + 48, p), EspResult::kOk);
  EXPECT_EQ(p.outer_version, 4);
  EXPECT_FALSE(p.udp_encapsulated);
  EXPECT_EQ(p.header_length, 20);
  EXPECT_EQ(p.packet_length, 68u);
  EXPECT_EQ(p.spi, 0x1234u);
  EXPECT_EQ(p.sequence, 9u);
  EXPECT_EQ(p.destination[0], 192);
  EXPECT_EQ(p.destination[3], 1);
  Bytes udp = v4(esp_of_length(48), true);
  ASSERT_EQ(parse_esp(udp.data(), udp.size(), p), EspResult::kOk);
  EXPECT_TRUE(p.udp_encapsulated);
  EXPECT_EQ(p.header_length, 28);
}

TEST(EspWire, LinkPaddingIsNotPartOfThePacket) {
  Bytes b = v4(esp_of_length(36));
  b.resize(b.size() + 6, 0);
  EspPacket p;
  ASSERT_EQ(parse_esp(b.data(), b.size(), p), EspResult::kOk);
  EXPECT_EQ(p.packet_length, 56u);
}

TEST(EspWire, RefusesWhatIsNotEsp) {
  EspPacket p;
  Bytes b = v4(esp_of_length(48));
  b[9] = 6;
  EXPECT_EQ(parse_esp(b.data(), b.size(), p), EspResult::kNotEsp);
  Bytes ike = v4(esp_of_length(48), true);
  ike[28] = ike[29] = ike[30] = ike[31] = 0;  // non-ESP marker
  EXPECT_EQ(parse_esp(ike.data(), ike.size(), p), EspResult::kNotEsp);
  Bytes keepalive = v4(Bytes{0xff}, true);
  EXPECT_EQ(parse_esp(keepalive.data(), keepalive.size(), p), EspResult::kNotEsp);
  Bytes fragment = v4(esp_of_length(48));
  fragment[6] = 0x20;  // MF
  EXPECT_EQ(parse_esp(fragment.data(), fragment.size(), p), EspResult::kFragment);
  Bytes version = v4(esp_of_length(48));
  version[0] = 0x55;
  EXPECT_EQ(parse_esp(version.data(), version.size(), p), EspResult::kMalformed);
}

TEST(EspWire, RefusesBadLengths) {
  EspPacket p;
  Bytes b = v4(esp_of_length(kEspMinLength - 1));
  EXPECT_EQ(parse_esp(b.data(), b.size(), p), EspResult::kTruncated);
  b = v4(esp_of_length(kEspMinLength + 1));
  EXPECT_EQ(parse_esp(b.data(), b.size(), p), EspResult::kMalformed) << "ciphertext not a multiple of 4";
  b = v4(esp_of_length(48));
  EXPECT_EQ(parse_esp(b.data(), b.size() - 1, p), EspResult::kTruncated);
  b[0] = 0x44;  // IHL 16 bytes
  EXPECT_EQ(parse_esp(b.data(), b.size(), p), EspResult::kMalformed);
  Bytes udp = v4(esp_of_length(48), true);
  udp[25] ^= 0x04;  // UDP length disagrees with IP
  EXPECT_EQ(parse_esp(udp.data(), udp.size(), p), EspResult::kMalformed);
  for (size_t n = 0; n < 20; ++n) EXPECT_EQ(parse_esp(b.data(), n, p), EspResult::kTruncated) << n;
}

TEST(EspWire, ParsesIpv6) {
  Bytes b(40, 0);
  b[0] = 0x60;
  const Bytes esp = esp_of_length(40);
  b[4] = 0;
  b[5] = static_cast<uint8_t>(esp.size());
  b[6] = 50;
  b[39] = 0x42;
  b.insert(b.end(), esp.begin(), esp.end());
  EspPacket p;
  ASSERT_EQ(parse_esp(b.data(), b.size(), p), EspResult::kOk);
  EXPECT_EQ(p.outer_version, 6);
  EXPECT_EQ(p.header_length, 40);
  EXPECT_EQ(p.destination[15], 0x42);
  b[6] = 0;  // hop-by-hop options first
  EXPECT_EQ(parse_esp(b.data(), b.size(), p), EspResult::kNotEsp);
  b[6] = 50;
  EXPECT_EQ(parse_esp(b.data(), b.size() - 1, p), EspResult::kTruncated);
}

TEST(EspWire, ReconstructsTheHighHalf) {
  // RFC 4303 A.2, window 64.
  EXPECT_EQ(reconstruct_sequence(100, 90, 64), 90u);
  EXPECT_EQ(reconstruct_sequence(100, 200, 64), 200u);
  EXPECT_EQ(reconstruct_sequence(0xfffffff0ull, 5, 64), 0x100000005ull) << "past the wrap";
  EXPECT_EQ(reconstruct_sequence(0x100000005ull, 0xfffffff0u, 64), 0xfffffff0ull) << "before the wrap";
  EXPECT_EQ(reconstruct_sequence(0x100000005ull, 6, 64), 0x100000006ull);
  EXPECT_EQ(reconstruct_sequence(0x100000005ull, 0x80000000u, 64), 0x180000000ull) << "ahead, not 2^31 back";
}

TEST(EspWire, TellsOldFromDuplicate) {
  EXPECT_EQ(replay_reason(100, 30, 64), EspResult::kOutsideWindow);
  EXPECT_EQ(replay_reason(100, 36, 64), EspResult::kReplayed);
  EXPECT_EQ(replay_reason(100, 0, 64), EspResult::kOutsideWindow);
  EXPECT_EQ(replay_reason(100, 100, 64), EspResult::kReplayed);
}

TEST(ReplayWindow, MarksEveryBitPositionAndSlides) {
  ReplayWindow w;
  w.reset(64, 0);
  for (uint64_t s = 1; s <= 200; ++s) {
    ASSERT_EQ(w.check(s), EspResult::kOk) << s;
    ASSERT_TRUE(w.update(s)) << s;
    ASSERT_EQ(w.check(s), EspResult::kReplayed) << s;
    ASSERT_FALSE(w.update(s)) << s;
  }
  EXPECT_EQ(w.highest(), 200u);
  for (uint64_t s = 136; s <= 200; ++s) EXPECT_EQ(w.check(s), EspResult::kReplayed) << s;
  EXPECT_EQ(w.check(135), EspResult::kOutsideWindow);
  EXPECT_EQ(w.check(0), EspResult::kOutsideWindow);
}

TEST(ReplayWindow, OutOfOrderAndJumps) {
  ReplayWindow w;
  w.reset(128, 1000);
  EXPECT_TRUE(w.update(1010));
  EXPECT_TRUE(w.update(1005));  // late but inside
  EXPECT_EQ(w.check(1005), EspResult::kReplayed);
  EXPECT_EQ(w.check(1006), EspResult::kOk);
  EXPECT_TRUE(w.update(100000));  // a jump far beyond the ring: nothing old may stay marked
  for (uint64_t s = 100000 - 128; s < 100000; ++s) EXPECT_EQ(w.check(s), EspResult::kOk) << s;
  EXPECT_EQ(w.check(100000 - 129), EspResult::kOutsideWindow);
  EXPECT_TRUE(w.update(100000 - 64));
  EXPECT_EQ(w.check(100000 - 64), EspResult::kReplayed);
  ReplayWindow off;
  off.reset(0, 0);
  EXPECT_TRUE(off.update(5));
  EXPECT_TRUE(off.update(5)) << "no window: no replay check";
}

TEST(ReplayWindow, LargestWindow) {
  ReplayWindow w;
  w.reset(4096, 0);
  for (uint64_t s = 1; s <= 5000; s += 3) ASSERT_TRUE(w.update(s));
  ASSERT_EQ(w.highest(), 4999u);
  for (uint64_t s = 4999 - 4096; s <= 5000; ++s) {
    EXPECT_EQ(w.check(s), (s - 1) % 3 == 0 ? EspResult::kReplayed : EspResult::kOk) << s;
  }
  EXPECT_EQ(w.check(4999 - 4097), EspResult::kOutsideWindow);
}

}  // namespace
}  // namespace torwart::dataplane::ipsec
