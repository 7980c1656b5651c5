#include "dataplane/core/checksum.hpp"

#include <gtest/gtest.h>

#include <random>

#include "tests/support/packet_builder.hpp"

namespace torwart::dataplane {
namespace {

using test::Bytes;

uint16_t stored16(const uint8_t* p) {
  uint16_t value;
  std::memcpy(&value, p, sizeof(value));
  return value;
}

uint32_t stored32(const uint8_t* p) {
  uint32_t value;
  std::memcpy(&value, p, sizeof(value));
  return value;
}

TEST(Checksum, MatchesTheRfc1071Example) {
  const uint8_t data[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  const uint16_t checksum = internet_checksum(data, sizeof(data));
  uint8_t stored[2];
  std::memcpy(stored, &checksum, 2);
  EXPECT_EQ(stored[0], 0x22);  // ~0xddf2
  EXPECT_EQ(stored[1], 0x0d);
}

TEST(Checksum, OddLengthPadsWithAZeroByte) {
  const uint8_t odd[] = {0x12, 0x34, 0x56};
  const uint8_t even[] = {0x12, 0x34, 0x56, 0x00};
  EXPECT_EQ(internet_checksum(odd, 3), internet_checksum(even, 4));
}

TEST(Checksum, Ipv4HeaderChecksumOfAKnownHeader) {
  const uint8_t header[] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                            0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  const uint16_t checksum = ipv4_header_checksum(*reinterpret_cast<const rte_ipv4_hdr*>(header));
  EXPECT_EQ(checksum, stored16(header + 10));
  EXPECT_EQ(internet_checksum(header, sizeof(header)), 0);
}

TEST(Checksum, Ipv4HeaderChecksumCoversOptions) {
  const Bytes datagram = test::ipv4_datagram({.options = {1, 1, 7, 3, 4, 0, 0, 0}}, test::Udp{});
  EXPECT_EQ(ipv4_header_checksum(*reinterpret_cast<const rte_ipv4_hdr*>(datagram.data())),
            stored16(datagram.data() + 10));
}

TEST(Checksum, PseudoHeaderChecksumsValidateBuiltSegments) {
  test::Tcp tcp;
  tcp.payload = {1, 2, 3};  // odd length
  test::Udp udp;
  udp.payload = Bytes(33, 7);
  for (const test::Transport& transport : {test::Transport{tcp}, test::Transport{udp}}) {
    const Bytes v4 = test::ipv4_datagram({}, transport);
    EXPECT_EQ(ipv4_l4_checksum(v4.data() + 12, v4.data() + 16, v4[9], v4.data() + 20,
                               static_cast<uint16_t>(v4.size() - 20)),
              0);
    const Bytes v6 = test::ipv6_datagram({}, transport);
    EXPECT_EQ(ipv6_l4_checksum(v6.data() + 8, v6.data() + 24, v6[6], v6.data() + 40,
                               static_cast<uint32_t>(v6.size() - 40)),
              0);
  }
  const Bytes ns = test::ipv6_datagram({}, test::neighbour_solicitation("2001:db8::9", "02:00:00:00:00:09"));
  EXPECT_EQ(ipv6_l4_checksum(ns.data() + 8, ns.data() + 24, 58, ns.data() + 40,
                             static_cast<uint32_t>(ns.size() - 40)),
            0);
  test::Tcp broken;
  broken.corrupt_checksum = true;
  const Bytes bad = test::ipv4_datagram({}, broken);
  EXPECT_NE(ipv4_l4_checksum(bad.data() + 12, bad.data() + 16, 6, bad.data() + 20,
                             static_cast<uint16_t>(bad.size() - 20)),
            0);
}

TEST(Checksum, IcmpChecksumOfBuiltMessagesIsValid) {
  const Bytes echo = test::ipv4_datagram({}, test::icmp_echo_request(1, 1, Bytes(5, 9)));
  EXPECT_EQ(internet_checksum(echo.data() + 20, echo.size() - 20), 0);
  const Bytes broken = test::ipv4_datagram({}, test::Icmp{.corrupt_checksum = true});
  EXPECT_NE(internet_checksum(broken.data() + 20, broken.size() - 20), 0);
}

// Rewrites a 16-bit word of an IPv4 header both ways and compares.
TEST(Checksum, TwentyByteFastPathEqualsTheGeneralSum) {
  std::mt19937 random(7);
  uint8_t header[20];
  for (int round = 0; round < 20000; ++round) {
    for (auto& byte : header) byte = static_cast<uint8_t>(random());
    if (round % 4 == 1) std::memset(header, 0xff, sizeof header);  // carries in every word
    if (round % 4 == 2) std::memset(header, 0, sizeof header);     // the all-zero sum
    ASSERT_EQ(internet_checksum20(header), internet_checksum(header, 20)) << "round " << round;
  }
}

TEST(Checksum, IncrementalUpdateEqualsFullRecompute) {
  std::mt19937 random(1624);
  for (int iteration = 0; iteration < 2000; ++iteration) {
    uint8_t header[20];
    for (auto& byte : header) byte = static_cast<uint8_t>(random());
    header[0] = 0x45;
    header[10] = header[11] = 0;
    const uint16_t checksum = internet_checksum(header, 20);
    std::memcpy(header + 10, &checksum, 2);

    const std::size_t word = (random() % 10) * 2;
    if (word == 10) continue;  // the checksum field itself
    const uint16_t old_value = stored16(header + word);
    const auto new_value = static_cast<uint16_t>(random());
    std::memcpy(header + word, &new_value, 2);
    const uint16_t adjusted = checksum_adjust16(checksum, old_value, new_value);
    header[10] = header[11] = 0;
    EXPECT_EQ(adjusted, internet_checksum(header, 20));
  }
}

TEST(Checksum, IncrementalAddressRewriteEqualsFullRecompute) {
  std::mt19937 random(1141);
  for (int iteration = 0; iteration < 2000; ++iteration) {
    test::Tcp tcp;
    tcp.source_port = static_cast<uint16_t>(random());
    tcp.sequence = static_cast<uint32_t>(random());
    tcp.payload = Bytes(random() % 40, static_cast<uint8_t>(random()));
    Bytes datagram = test::ipv4_datagram({.ttl = static_cast<uint8_t>(random())}, tcp);
    uint8_t* ip = datagram.data();
    uint8_t* l4 = ip + 20;
    const auto l4_length = static_cast<uint16_t>(datagram.size() - 20);

    // Source NAT: the address changes in the IP header and in the TCP pseudo-header, the port in TCP.
    const uint32_t old_address = stored32(ip + 12);
    const auto new_address = static_cast<uint32_t>(random());
    const uint16_t old_port = stored16(l4);
    const auto new_port = static_cast<uint16_t>(random());
    std::memcpy(ip + 12, &new_address, 4);
    std::memcpy(l4, &new_port, 2);
    const uint16_t ip_checksum = checksum_adjust32(stored16(ip + 10), old_address, new_address);
    uint16_t tcp_checksum = checksum_adjust32(stored16(l4 + 16), old_address, new_address);
    tcp_checksum = checksum_adjust16(tcp_checksum, old_port, new_port);

    EXPECT_EQ(ip_checksum, ipv4_header_checksum(*reinterpret_cast<const rte_ipv4_hdr*>(ip)));
    l4[16] = l4[17] = 0;
    EXPECT_EQ(tcp_checksum, ipv4_l4_checksum(ip + 12, ip + 16, 6, l4, l4_length));
  }
}

}  // namespace
}  // namespace torwart::dataplane
