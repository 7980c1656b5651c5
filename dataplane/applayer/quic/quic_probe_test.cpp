#include "dataplane/applayer/quic/quic_probe.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "dataplane/applayer/quic/quic_long_header.hpp"
#include "dataplane/applayer/quic/quic_varint.hpp"

namespace torwart::dataplane::applayer::quic {
namespace {

constexpr Direction kToServer = Direction::kToServer;
constexpr Direction kToClient = Direction::kToClient;

// Header fields of the client Initial of RFC 9001 A.2 (version 1) and RFC 9369 A.2 (version 2): DCID
// 8394c8f03e515708, no SCID, no token, Length 1182 (0x449e, two-byte varint), packet number 2 in 4 bytes. The
// protected payload is replaced by zeros: the probe does not decrypt.
std::vector<uint8_t> client_initial(uint8_t first_byte, uint32_t version, size_t datagram = 1200) {
  std::vector<uint8_t> d = {first_byte,
                            static_cast<uint8_t>(version >> 24),
                            static_cast<uint8_t>(version >> 16),
                            static_cast<uint8_t>(version >> 8),
                            static_cast<uint8_t>(version),
                            0x08,
                            0x83,
                            0x94,
                            0xc8,
                            0xf0,
                            0x3e,
                            0x51,
                            0x57,
                            0x08,
                            0x00,
                            0x00};
  const size_t length = datagram - d.size() - 2;
  d.push_back(static_cast<uint8_t>(0x40 | length >> 8));
  d.push_back(static_cast<uint8_t>(length));
  d.insert(d.end(), {0x00, 0x00, 0x00, 0x02});
  d.resize(datagram, 0);
  return d;
}

// RFC 9001 A.3: the server Initial, SCID f067a5502a4262b5, Length 117 (0x4075), 135 bytes in all.
std::vector<uint8_t> server_initial(uint8_t first_byte, uint32_t version) {
  std::vector<uint8_t> d = {first_byte,
                            static_cast<uint8_t>(version >> 24),
                            static_cast<uint8_t>(version >> 16),
                            static_cast<uint8_t>(version >> 8),
                            static_cast<uint8_t>(version),
                            0x00,
                            0x08,
                            0xf0,
                            0x67,
                            0xa5,
                            0x50,
                            0x2a,
                            0x42,
                            0x62,
                            0xb5,
                            0x00,
                            0x40,
                            0x75};
  d.resize(18 + 117, 0xab);
  return d;
}

// RFC 9001 A.4: a Retry with token "token" and a 16-byte integrity tag (zeros here).
std::vector<uint8_t> retry(uint8_t first_byte, uint32_t version) {
  std::vector<uint8_t> d = {first_byte,
                            static_cast<uint8_t>(version >> 24),
                            static_cast<uint8_t>(version >> 16),
                            static_cast<uint8_t>(version >> 8),
                            static_cast<uint8_t>(version),
                            0x00,
                            0x08,
                            0xf0,
                            0x67,
                            0xa5,
                            0x50,
                            0x2a,
                            0x42,
                            0x62,
                            0xb5,
                            't',
                            'o',
                            'k',
                            'e',
                            'n'};
  d.resize(d.size() + 16, 0);
  return d;
}

std::vector<uint8_t> version_negotiation(std::initializer_list<uint32_t> versions) {
  std::vector<uint8_t> d = {0x80 | 0x2a, 0,    0,    0,    0,    0x00, 0x08, 0x83,
                            0x94,        0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};
  for (const uint32_t v : versions) {
    d.insert(d.end(), {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16),
                       static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)});
  }
  return d;
}

TEST(QuicLongHeader, Rfc9001ClientInitialFields) {
  const auto d = client_initial(0xc3, kQuicVersion1);
  QuicLongHeader h;
  ASSERT_TRUE(quic_parse_long_header(d, h));
  EXPECT_EQ(h.version, kQuicVersion1);
  EXPECT_EQ(h.type, QuicPacketType::kInitial);
  EXPECT_EQ(h.first_byte, 0xc3);
  ASSERT_EQ(h.dcid_length, 8);
  const uint8_t dcid[] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};
  EXPECT_TRUE(std::equal(dcid, dcid + 8, h.dcid));
  EXPECT_EQ(h.scid_length, 0);
  EXPECT_EQ(h.token_length, 0u);
  EXPECT_EQ(h.token_offset, 16u);
  EXPECT_EQ(h.payload_length, 1182u);  // 0x449e as a two-byte varint
  EXPECT_EQ(h.payload_offset, 18u);
  EXPECT_EQ(h.packet_length, 1200u);
}

TEST(QuicProbe, ClientInitialOfVersions1And2AndDrafts) {
  EXPECT_EQ(probe_quic(kToServer, client_initial(0xc3, kQuicVersion1)), ProbeResult::kMatch);
  EXPECT_EQ(probe_quic(kToServer, client_initial(0xd3, kQuicVersion2)), ProbeResult::kMatch);
  EXPECT_EQ(probe_quic(kToServer, client_initial(0xc3, 0xff00001d)), ProbeResult::kMatch);  // draft-29
  // Version 2 uses other type bits: 0xc3 there is a Retry, and 0xd3 in version 1 is 0-RTT.
  EXPECT_EQ(probe_quic(kToServer, client_initial(0xc3, kQuicVersion2)), ProbeResult::kNoMatch);
  EXPECT_EQ(probe_quic(kToServer, client_initial(0xd3, kQuicVersion1)), ProbeResult::kNoMatch);
  QuicLongHeader h;
  ASSERT_TRUE(quic_parse_long_header(client_initial(0xc3, kQuicVersion2), h));
  EXPECT_EQ(h.type, QuicPacketType::kRetry);
  // Read as version 1 0-RTT, the Token Length byte (0) becomes a Length too small for any packet.
  EXPECT_FALSE(quic_parse_long_header(client_initial(0xd3, kQuicVersion1), h));
}

TEST(QuicProbe, ClientInitialMustFill1200Bytes) {
  EXPECT_EQ(probe_quic(kToServer, client_initial(0xc3, kQuicVersion1, 1199)), ProbeResult::kNoMatch);
  EXPECT_EQ(probe_quic(kToServer, client_initial(0xc3, kQuicVersion1, 1500)), ProbeResult::kMatch);
  // Padding after the packet (a coalesced packet or zeros) still counts toward the 1200.
  auto short_packet = client_initial(0xc3, kQuicVersion1, 300);
  short_packet.resize(1200, 0);
  EXPECT_EQ(probe_quic(kToServer, short_packet), ProbeResult::kMatch);
}

TEST(QuicProbe, InconsistentLengthsAreRefused) {
  auto d = client_initial(0xc3, kQuicVersion1);
  d[16] = 0x44;
  d[17] = 0xa0;  // Length 1184: two bytes past the datagram
  EXPECT_EQ(probe_quic(kToServer, d), ProbeResult::kNoMatch);
  d = client_initial(0xc3, kQuicVersion1);
  d[15] = 0x44;  // Token Length 0x4400 (two-byte varint): far past the datagram
  EXPECT_EQ(probe_quic(kToServer, d), ProbeResult::kNoMatch);
  d = client_initial(0xc3, kQuicVersion1);
  d[5] = 21;  // DCID longer than 20
  EXPECT_EQ(probe_quic(kToServer, d), ProbeResult::kNoMatch);
  d = client_initial(0xc3, kQuicVersion1);
  d[5] = 7;  // a client's first DCID has at least 8 bytes
  EXPECT_EQ(probe_quic(kToServer, d), ProbeResult::kNoMatch);
  d = client_initial(0xc3, kQuicVersion1);
  d[16] = 0x40;
  d[17] = 19;  // too short to hold a packet number and the header protection sample
  EXPECT_EQ(probe_quic(kToServer, d), ProbeResult::kNoMatch);
}

TEST(QuicProbe, HeaderBitsAndVersions) {
  auto d = client_initial(0x83, kQuicVersion1);  // fixed bit clear
  EXPECT_EQ(probe_quic(kToServer, d), ProbeResult::kNoMatch);
  d = client_initial(0x43, kQuicVersion1);  // short header
  EXPECT_EQ(probe_quic(kToServer, d), ProbeResult::kNoMatch);
  d = client_initial(0xc3,
                     0x1a2a3a4a);  // a reserved (greasing) version: a client forcing version negotiation
  EXPECT_EQ(probe_quic(kToServer, d), ProbeResult::kMatch);
  d = client_initial(0xc3, 0x1a2a3a4a, 1199);  // ... but only in a padded first datagram
  EXPECT_EQ(probe_quic(kToServer, d), ProbeResult::kNoMatch);
  d = client_initial(0x83, 0x1a2a3a4a);  // ... with the fixed bit
  EXPECT_EQ(probe_quic(kToServer, d), ProbeResult::kNoMatch);
  d = client_initial(0xc3, 0x1a2a3a4b);  // not of the reserved pattern
  EXPECT_EQ(probe_quic(kToServer, d), ProbeResult::kNoMatch);
  d = client_initial(0xc3, 0x51303530);  // Google Q050
  EXPECT_EQ(probe_quic(kToServer, d), ProbeResult::kNoMatch);
  EXPECT_FALSE(quic_version_known(0xfe00001d));
  EXPECT_TRUE(quic_version_known(0xff000022));
}

// The fuzz target's crash (fuzz_corpus/quic_probe/crash-reserved-version-parser-refused): the probe matched a
// client forcing version negotiation that quic_parse_long_header refused, so the two disagreed on what QUIC
// is.
TEST(QuicProbe, ReservedVersionMatchesOnlyWhatTheParserAccepts) {
  const auto d = client_initial(0xc3, 0x1a2a3a4a);
  ASSERT_EQ(probe_quic(kToServer, d), ProbeResult::kMatch);
  QuicLongHeader h;
  ASSERT_TRUE(quic_parse_long_header(d, h));
  EXPECT_EQ(h.type, QuicPacketType::kReservedVersion);
  EXPECT_EQ(h.version, 0x1a2a3a4au);
  EXPECT_EQ(h.dcid_length, 8);
  EXPECT_EQ(h.scid_length, 0);
  EXPECT_EQ(h.packet_length, d.size());
  EXPECT_EQ(probe_quic(kToClient, d), ProbeResult::kNoMatch);  // never a server's answer
  EXPECT_TRUE(quic_version_reserved(0xfafafafa));
  EXPECT_FALSE(quic_version_reserved(kQuicVersion1));
  auto long_dcid = d;
  long_dcid[5] = 21;  // the Connection ID limit holds for reserved versions too
  EXPECT_FALSE(quic_parse_long_header(long_dcid, h));
  EXPECT_EQ(probe_quic(kToServer, long_dcid), ProbeResult::kNoMatch);
}

TEST(QuicProbe, ServerInitialRetryAndVersionNegotiationToClient) {
  EXPECT_EQ(probe_quic(kToClient, server_initial(0xc1, kQuicVersion1)), ProbeResult::kMatch);
  EXPECT_EQ(probe_quic(kToClient, server_initial(0xd1, kQuicVersion2)), ProbeResult::kMatch);
  EXPECT_EQ(probe_quic(kToServer, server_initial(0xc1, kQuicVersion1)), ProbeResult::kNoMatch);  // < 1200
  EXPECT_EQ(probe_quic(kToClient, retry(0xf0, kQuicVersion1)), ProbeResult::kMatch);
  EXPECT_EQ(probe_quic(kToClient, retry(0xcf, kQuicVersion2)), ProbeResult::kMatch);
  EXPECT_EQ(probe_quic(kToServer, retry(0xf0, kQuicVersion1)), ProbeResult::kNoMatch);
  QuicLongHeader h;
  ASSERT_TRUE(quic_parse_long_header(retry(0xf0, kQuicVersion1), h));
  EXPECT_EQ(h.type, QuicPacketType::kRetry);
  EXPECT_EQ(h.token_length, 5u);
  auto empty_token = retry(0xf0, kQuicVersion1);
  empty_token.erase(empty_token.begin() + 15, empty_token.begin() + 20);
  EXPECT_EQ(probe_quic(kToClient, empty_token), ProbeResult::kNoMatch);

  const auto vn = version_negotiation({kQuicVersion1, kQuicVersion2, 0x0a1a2a3a});
  EXPECT_EQ(probe_quic(kToClient, vn), ProbeResult::kMatch);
  EXPECT_EQ(probe_quic(kToServer, vn), ProbeResult::kNoMatch);
  ASSERT_TRUE(quic_parse_long_header(vn, h));
  EXPECT_EQ(h.type, QuicPacketType::kVersionNegotiation);
  EXPECT_EQ(h.supported_versions, 3);
  EXPECT_EQ(h.scid_length, 8);
  auto ragged = vn;
  ragged.pop_back();
  EXPECT_EQ(probe_quic(kToClient, ragged), ProbeResult::kNoMatch);
  EXPECT_EQ(probe_quic(kToClient, version_negotiation({})), ProbeResult::kNoMatch);
  // A server Initial carrying a token is not one (servers send Token Length 0).
  auto with_token = server_initial(0xc1, kQuicVersion1);
  with_token[15] = 1;
  EXPECT_EQ(probe_quic(kToClient, with_token), ProbeResult::kNoMatch);
}

TEST(QuicProbe, CoalescedServerInitialAndHandshake) {
  auto d = server_initial(0xc1, kQuicVersion1);
  const auto handshake = std::vector<uint8_t>{0xe1, 0, 0, 0, 1, 0, 0, 0x40, 30};
  d.insert(d.end(), handshake.begin(), handshake.end());
  d.resize(d.size() + 30, 0xcd);
  QuicLongHeader h;
  ASSERT_TRUE(quic_parse_long_header(d, h));
  EXPECT_EQ(h.packet_length, 135u);
  EXPECT_EQ(probe_quic(kToClient, d), ProbeResult::kMatch);
  QuicLongHeader next;
  ASSERT_TRUE(quic_parse_long_header(std::span<const uint8_t>(d).subspan(h.packet_length), next));
  EXPECT_EQ(next.type, QuicPacketType::kHandshake);
  EXPECT_EQ(probe_quic(kToClient, std::span<const uint8_t>(d).subspan(h.packet_length)),
            ProbeResult::kNoMatch);
}

TEST(QuicProbe, EveryPrefixOfAnInitialAndGarbageAreRefusedSafely) {
  const auto d = client_initial(0xc3, kQuicVersion1);
  for (size_t n = 0; n < d.size(); ++n) {
    EXPECT_EQ(probe_quic(kToServer, std::span<const uint8_t>(d).first(n)), ProbeResult::kNoMatch) << n;
  }
  const auto s = server_initial(0xc1, kQuicVersion1);
  for (size_t n = 0; n < s.size(); ++n) {
    QuicLongHeader h;
    EXPECT_FALSE(quic_parse_long_header(std::span<const uint8_t>(s).first(n), h)) << n;
  }
  const uint8_t dns[] = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1};
  EXPECT_EQ(probe_quic(kToServer, dns), ProbeResult::kNoMatch);
  std::mt19937 random(42);
  std::vector<uint8_t> noise(1300);
  for (int round = 0; round < 2000; ++round) {
    for (auto& byte : noise) byte = static_cast<uint8_t>(random());
    noise[0] |= 0xc0;
    QuicLongHeader h;
    if (quic_parse_long_header(noise, h)) {
      EXPECT_LE(h.packet_length, noise.size());
      EXPECT_LE(h.dcid_length, kQuicMaxConnectionIdBytes);
    }
  }
}

TEST(QuicVarint, LengthsAndBounds) {
  const uint8_t bytes[] = {0x25, 0x7b, 0xbd, 0x9d, 0x7f, 0x3e, 0x7d, 0xc2,
                           0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c};
  size_t pos = 0;
  uint64_t value = 0;
  ASSERT_TRUE(read_quic_varint(bytes, pos, value));
  EXPECT_EQ(value, 37u);
  ASSERT_TRUE(read_quic_varint(bytes, pos, value));
  EXPECT_EQ(value, 15293u);
  ASSERT_TRUE(read_quic_varint(bytes, pos, value));
  EXPECT_EQ(value, 494878333u);
  ASSERT_TRUE(read_quic_varint(bytes, pos, value));
  EXPECT_EQ(value, 151288809941952652u);
  EXPECT_EQ(pos, sizeof bytes);
  EXPECT_FALSE(read_quic_varint(bytes, pos, value));
  pos = 2;  // 0xbd starts a 4-byte integer; the first 5 bytes hold only 3 of it
  EXPECT_FALSE(read_quic_varint(std::span<const uint8_t>(bytes).first(5), pos, value));
  EXPECT_EQ(pos, 2u);
}

}  // namespace
}  // namespace torwart::dataplane::applayer::quic
