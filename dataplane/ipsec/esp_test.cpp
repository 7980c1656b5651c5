#include "dataplane/ipsec/esp.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <tuple>

#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "dataplane/ipsec/esp_wire.hpp"
#include "dataplane/ipsec/ipsec_test_support.hpp"

namespace torwart::dataplane::ipsec {
namespace {

using namespace testing_support;

uint16_t read16(const Bytes& b, size_t at) {
  return static_cast<uint16_t>(b[at] << 8 | b[at + 1]);
}

uint32_t read32(const Bytes& b, size_t at) {
  return uint32_t{b[at]} << 24 | uint32_t{b[at + 1]} << 16 | uint32_t{b[at + 2]} << 8 | b[at + 3];
}

Bytes key_of(const SaSpec& s) {
  return Bytes(s.key.begin(), s.key.begin() + s.key_length);
}

Bytes salt_of(const SaSpec& s) {
  return Bytes(s.salt.begin(), s.salt.end());
}

// Encrypts `inner` packets on `out`, returns the ESP packets' bytes (all must succeed).
std::vector<Bytes> encrypt(SaState& out, const std::vector<Bytes>& inner, uint32_t worker = 0) {
  std::vector<rte_mbuf*> m;
  for (const Bytes& b : inner) m.push_back(to_mbuf(b));
  std::vector<EspResult> r(m.size());
  EXPECT_EQ(encapsulate(out, m.data(), static_cast<uint16_t>(m.size()), r.data(), 1, worker), m.size());
  std::vector<Bytes> wire;
  for (size_t i = 0; i < m.size(); ++i) {
    EXPECT_EQ(r[i], EspResult::kOk) << esp_result_name(r[i]);
    wire.push_back(to_bytes(m[i]));
  }
  free_all(m.data(), m.size());
  return wire;
}

// Decrypts packets through `table`, returning results and the resulting bytes.
std::vector<EspResult> decrypt(const SaTable& table, const std::vector<Bytes>& wire,
                               std::vector<Bytes>* plain) {
  std::vector<rte_mbuf*> m;
  for (const Bytes& b : wire) m.push_back(to_mbuf(b));
  std::vector<EspResult> r(m.size());
  const uint16_t ok =
      decapsulate(*table.current(), m.data(), static_cast<uint16_t>(m.size()), r.data(), 2, 0);
  EXPECT_EQ(ok, std::count(r.begin(), r.end(), EspResult::kOk));
  if (plain != nullptr) {
    plain->clear();
    for (rte_mbuf* mb : m) plain->push_back(to_bytes(mb));
  }
  free_all(m.data(), m.size());
  return r;
}

EspResult decrypt_one(const SaTable& table, const Bytes& wire, Bytes* plain = nullptr) {
  std::vector<Bytes> p;
  const EspResult r = decrypt(table, {wire}, &p)[0];
  if (plain != nullptr) *plain = p[0];
  return r;
}

struct Fixture {
  std::unique_ptr<SaTable> table;
  SaPair pair;
  SaState* out = nullptr;
  SaState* in = nullptr;
};

Fixture install(const SaPair& pair) {
  Fixture f;
  f.table = make_table();
  f.pair = pair;
  EXPECT_EQ(f.table->add(pair.outbound), "");
  EXPECT_EQ(f.table->add(pair.inbound), "");
  f.out = f.table->current()->find(pair.outbound.spi, Direction::kOutbound);
  f.in = f.table->current()->find(pair.inbound.spi, Direction::kInbound);
  EXPECT_NE(f.out, nullptr);
  EXPECT_NE(f.in, nullptr);
  return f;
}

// ---- round trips

struct Shape {
  Family outer;
  Family inner;
  bool udp;
};

class RoundTrip : public ::testing::TestWithParam<std::tuple<Shape, Cipher, size_t>> {};

TEST_P(RoundTrip, EncapsulatedPacketDecapsulatesToTheSameBytes) {
  const auto [shape, cipher, size] = GetParam();
  Fixture f =
      install(sa_pair(0x1000 + static_cast<uint32_t>(size), cipher, shape.outer, shape.inner, shape.udp));
  std::vector<Bytes> inner;
  for (uint8_t i = 0; i < 5; ++i) inner.push_back(inner_packet(shape.inner, size, i));
  const std::vector<Bytes> wire = encrypt(*f.out, inner);
  for (size_t i = 0; i < wire.size(); ++i) {
    const Bytes& w = wire[i];
    const size_t ip = shape.outer == Family::kIpv4 ? 20 : 40;
    const size_t esp = ip + (shape.udp ? 8 : 0);
    // Outer header: the SA's addresses, lengths that add up, a valid IPv4 checksum.
    if (shape.outer == Family::kIpv4) {
      EXPECT_EQ(w[0], 0x45);
      EXPECT_EQ(read16(w, 2), w.size());
      EXPECT_EQ(w[9], shape.udp ? 17 : 50);
      EXPECT_EQ(std::memcmp(&w[12], f.pair.outbound.local.bytes.data(), 4), 0);
      EXPECT_EQ(std::memcmp(&w[16], f.pair.outbound.remote.bytes.data(), 4), 0);
      EXPECT_EQ(rte_raw_cksum(w.data(), 20), 0xffff) << "outer IPv4 header checksum";
    } else {
      EXPECT_EQ(w[0] >> 4, 6);
      EXPECT_EQ(read16(w, 4) + 40u, w.size());
      EXPECT_EQ(w[6], shape.udp ? 17 : 50);
      EXPECT_EQ(std::memcmp(&w[8], f.pair.outbound.local.bytes.data(), 16), 0);
      EXPECT_EQ(std::memcmp(&w[24], f.pair.outbound.remote.bytes.data(), 16), 0);
    }
    if (shape.udp) {
      EXPECT_EQ(read16(w, ip), 4500);
      EXPECT_EQ(read16(w, ip + 2), 4501);
      EXPECT_EQ(read16(w, ip + 4), w.size() - ip);
      if (shape.outer == Family::kIpv4) {
        EXPECT_EQ(read16(w, ip + 6), 0) << "RFC 3948: zero UDP checksum over IPv4";
      } else {
        rte_ipv6_hdr h;
        std::memcpy(&h, w.data(), sizeof(h));
        EXPECT_NE(read16(w, ip + 6), 0);
        EXPECT_EQ(rte_ipv6_udptcp_cksum_verify(&h, &w[ip]), 0) << "UDP checksum over IPv6";
      }
    }
    EXPECT_EQ(read32(w, esp), f.pair.outbound.spi);
    EXPECT_EQ(read32(w, esp + 4), i + 1) << "sequence numbers count from 1";
    EXPECT_EQ((w.size() - esp - 8 - 8 - 16) % 4, 0u);
  }
  std::vector<Bytes> plain;
  const std::vector<EspResult> r = decrypt(*f.table, wire, &plain);
  for (size_t i = 0; i < wire.size(); ++i) {
    EXPECT_EQ(r[i], EspResult::kOk) << esp_result_name(r[i]);
    EXPECT_EQ(plain[i], inner[i]) << "packet " << i;
  }
  SaStats out_stats, in_stats;
  f.out->stats(out_stats);
  f.in->stats(in_stats);
  EXPECT_EQ(out_stats.totals.packets, 5u);
  EXPECT_EQ(out_stats.totals.bytes, 5 * size);
  EXPECT_EQ(in_stats.totals.packets, 5u);
  EXPECT_EQ(in_stats.totals.bytes, 5 * size);
  EXPECT_EQ(out_stats.last_used, 1u);
  EXPECT_EQ(in_stats.last_used, 2u);
}

std::string shape_name(const ::testing::TestParamInfo<std::tuple<Shape, Cipher, size_t>>& info) {
  const auto& [shape, cipher, size] = info.param;
  std::string name = shape.inner == Family::kIpv4 ? "ipv4_in_" : "ipv6_in_";
  name += shape.outer == Family::kIpv4 ? "ipv4" : "ipv6";
  if (shape.udp) name += "_udp";
  name += cipher == Cipher::kAesGcm128 ? "_gcm128_" : "_gcm256_";
  return name + std::to_string(size);
}

INSTANTIATE_TEST_SUITE_P(Shapes, RoundTrip,
                         ::testing::Combine(::testing::Values(Shape{Family::kIpv4, Family::kIpv4, false},
                                                              Shape{Family::kIpv4, Family::kIpv6, false},
                                                              Shape{Family::kIpv4, Family::kIpv4, true},
                                                              Shape{Family::kIpv6, Family::kIpv4, false},
                                                              Shape{Family::kIpv6, Family::kIpv6, true}),
                                            ::testing::Values(Cipher::kAesGcm128, Cipher::kAesGcm256),
                                            ::testing::Values(size_t{64}, size_t{512}, size_t{1400})),
                         shape_name);

TEST(RoundTrip, ChainedMbufs) {
  Fixture f = install(sa_pair(0x1100, Cipher::kAesGcm256, Family::kIpv4, Family::kIpv6, true));
  const Bytes inner = inner_packet(Family::kIpv6, 1400, 3);
  // Three segments: the ESP trailer and ICV go into the last one, the outer headers in front of the first.
  rte_mbuf* segments[3];
  const size_t cut[4] = {0, 600, 1100, 1400};
  for (int i = 0; i < 3; ++i) {
    segments[i] = to_mbuf(
        Bytes(inner.begin() + static_cast<long>(cut[i]), inner.begin() + static_cast<long>(cut[i + 1])));
    if (i > 0) {
      ASSERT_EQ(rte_pktmbuf_chain(segments[0], segments[i]), 0);
    }
  }
  rte_mbuf* m = segments[0];
  EspResult r;
  ASSERT_EQ(encapsulate(*f.out, &m, 1, &r, 0, 0), 1) << esp_result_name(r);
  EXPECT_EQ(m->nb_segs, 3);
  const Bytes wire = to_bytes(m);
  EXPECT_EQ(rte_raw_cksum(wire.data(), 20), 0xffff);
  EXPECT_EQ(read16(wire, 20 + 4), wire.size() - 20) << "UDP length over the whole chain";
  // The peer side gets the chain as it is and returns the inner packet, byte for byte.
  ASSERT_EQ(decapsulate(*f.table->current(), &m, 1, &r, 0, 0), 1) << esp_result_name(r);
  EXPECT_EQ(to_bytes(m), inner);
  rte_pktmbuf_free(m);
}

// ---- known answers

EspFields fields_for(const SaSpec& s, uint64_t sequence, const Bytes& inner) {
  EspFields f;
  f.spi = s.spi;
  f.sequence = sequence;
  f.esn = s.extended_sequence_numbers;
  f.key = key_of(s);
  f.salt = salt_of(s);
  f.inner = inner;
  f.next_header = s.inner_family == Family::kIpv4 ? 4 : 41;
  return f;
}

void expect_known_answer(const SaPair& pair, uint64_t first_sequence) {
  SaPair p = pair;
  p.outbound.initial_sequence = first_sequence - 1;
  p.inbound.initial_sequence = first_sequence - 1;  // with ESN, where the receiver infers the high half from
  Fixture f = install(p);
  const Bytes inner = inner_packet(p.outbound.inner_family, 101, 9);
  const Bytes wire = encrypt(*f.out, {inner})[0];
  const size_t esp = 20 + (p.outbound.udp_encapsulation ? 8 : 0);
  ASSERT_GT(wire.size(), esp + 16);
  EspFields fields = fields_for(p.outbound, first_sequence, inner);
  // rte_ipsec uses the 64-bit sequence number as the IV (unique per SA and key, as RFC 4106 3.1 asks).
  fields.iv.assign(wire.begin() + esp + 8, wire.begin() + esp + 16);
  Bytes expected_iv(8);
  for (int i = 0; i < 8; ++i) expected_iv[i] = static_cast<uint8_t>(first_sequence >> (56 - 8 * i));
  EXPECT_EQ(fields.iv, expected_iv);
  const Bytes expected_esp = esp_payload(fields);
  const Bytes expected =
      outer_ipv4(p.outbound.local, p.outbound.remote, expected_esp, static_cast<uint16_t>(first_sequence),
                 p.outbound.udp_encapsulation, p.outbound.udp_source_port, p.outbound.udp_destination_port);
  EXPECT_EQ(wire, expected) << "the whole packet, outer header to ICV, against OpenSSL's";
  // And the other way: a packet built by OpenSSL alone decapsulates to the inner packet.
  EspFields peer = fields_for(p.inbound, first_sequence + 1, inner);
  peer.iv = {1, 2, 3, 4, 5, 6, 7, 8};
  const Bytes from_peer =
      outer_ipv4(p.inbound.remote, p.inbound.local, esp_payload(peer), 7, p.inbound.udp_encapsulation,
                 p.inbound.udp_source_port, p.inbound.udp_destination_port);
  Bytes plain;
  EXPECT_EQ(decrypt_one(*f.table, from_peer, &plain), EspResult::kOk);
  EXPECT_EQ(plain, inner);
}

TEST(KnownAnswer, Gcm128Ipv4MatchesOpenSsl) {
  expect_known_answer(sa_pair(0x4000, Cipher::kAesGcm128, Family::kIpv4, Family::kIpv4), 1);
}

TEST(KnownAnswer, Gcm256Ipv6InIpv4MatchesOpenSsl) {
  expect_known_answer(sa_pair(0x4001, Cipher::kAesGcm256, Family::kIpv4, Family::kIpv6), 77);
}

TEST(KnownAnswer, UdpEncapsulatedMatchesOpenSsl) {
  expect_known_answer(sa_pair(0x4002, Cipher::kAesGcm256, Family::kIpv4, Family::kIpv4, true), 5);
}

TEST(KnownAnswer, EsnPutsTheHighHalfIntoTheAad) {
  // Sequence 2^32 + 3: the wire carries 3, the AAD SPI || 1 || 3 (RFC 4106 5).
  expect_known_answer(sa_pair(0x4003, Cipher::kAesGcm256, Family::kIpv4, Family::kIpv4, false, true),
                      (uint64_t{1} << 32) + 3);
}

// ---- refusals

TEST(Decapsulate, ReplayedPacketIsDroppedAndCounted) {
  Fixture f = install(sa_pair(0x5000, Cipher::kAesGcm256, Family::kIpv4, Family::kIpv4));
  const std::vector<Bytes> wire = encrypt(
      *f.out,
      {inner_packet(Family::kIpv4, 80), inner_packet(Family::kIpv4, 90), inner_packet(Family::kIpv4, 100)});
  EXPECT_EQ(decrypt(*f.table, wire, nullptr), std::vector<EspResult>(3, EspResult::kOk));
  EXPECT_EQ(decrypt_one(*f.table, wire[1]), EspResult::kReplayed);
  // Twice in one burst: the first is taken, the second refused.
  const std::vector<Bytes> again = encrypt(*f.out, {inner_packet(Family::kIpv4, 70)});
  EXPECT_EQ(decrypt(*f.table, {again[0], again[0]}, nullptr),
            (std::vector<EspResult>{EspResult::kOk, EspResult::kReplayed}));
  SaStats s;
  f.in->stats(s);
  EXPECT_EQ(s.totals.drops[static_cast<unsigned>(EspResult::kReplayed)], 2u);
  EXPECT_EQ(s.totals.packets, 4u);
}

TEST(Decapsulate, PacketLeftOfTheWindowIsDropped) {
  Fixture f = install(sa_pair(0x5001, Cipher::kAesGcm128, Family::kIpv4, Family::kIpv4, false, false, 64));
  std::vector<Bytes> inner(100, inner_packet(Family::kIpv4, 64));
  const std::vector<Bytes> wire = encrypt(*f.out, inner);
  // 2..100 first, then 1 (36 behind the window's left edge at 37) and 40 (inside it, not seen yet).
  std::vector<Bytes> late(wire.begin() + 1, wire.end());
  late.erase(late.begin() + 38);  // sequence 40
  for (EspResult r : decrypt(*f.table, late, nullptr)) EXPECT_EQ(r, EspResult::kOk);
  EXPECT_EQ(decrypt_one(*f.table, wire[0]), EspResult::kOutsideWindow);
  EXPECT_EQ(decrypt_one(*f.table, wire[39]), EspResult::kOk);
  EXPECT_EQ(decrypt_one(*f.table, wire[39]), EspResult::kReplayed);
  EXPECT_EQ(decrypt_one(*f.table, wire[50]), EspResult::kReplayed);
  EXPECT_EQ(decrypt_one(*f.table, wire[99]), EspResult::kReplayed);
  EXPECT_EQ(decrypt_one(*f.table, wire[70]), EspResult::kReplayed);
  // Every accepted sequence number in the window, whatever its bit position in a 64-bit bucket (DPDK 22.11's
  // own window forgets positions 32..63: esp_wire.hpp).
  for (size_t i = 36; i < 100; ++i) EXPECT_EQ(decrypt_one(*f.table, wire[i]), EspResult::kReplayed) << i + 1;
  SaStats s;
  f.in->stats(s);
  EXPECT_EQ(s.totals.drops[static_cast<unsigned>(EspResult::kOutsideWindow)], 1u);
}

TEST(Decapsulate, TamperedCiphertextAndIcvFailAuthentication) {
  Fixture f = install(sa_pair(0x5002, Cipher::kAesGcm256, Family::kIpv4, Family::kIpv4));
  std::vector<Bytes> inner(4, inner_packet(Family::kIpv4, 200));
  std::vector<Bytes> wire = encrypt(*f.out, inner);
  wire[0][20 + 16 + 50] ^= 0x01;        // ciphertext
  wire[1][wire[1].size() - 1] ^= 0x80;  // ICV
  wire[2][20 + 8 + 3] ^= 0x10;          // IV (part of the nonce)
  wire[3][20 + 7] ^= 0x02;              // sequence number (part of the AAD), still right of the window
  const std::vector<EspResult> r = decrypt(*f.table, wire, nullptr);
  EXPECT_EQ(r, std::vector<EspResult>(4, EspResult::kAuthFailed));
  SaStats s;
  f.in->stats(s);
  EXPECT_EQ(s.totals.drops[static_cast<unsigned>(EspResult::kAuthFailed)], 4u);
  EXPECT_EQ(s.totals.packets, 0u);
  // A refused packet does not move the window: the untampered packets still pass.
  EXPECT_EQ(decrypt(*f.table, encrypt(*f.out, {inner[0]}), nullptr)[0], EspResult::kOk);
}

TEST(Decapsulate, TruncatedAtEveryLengthNeverPasses) {
  Fixture f = install(sa_pair(0x5003, Cipher::kAesGcm128, Family::kIpv4, Family::kIpv4, true));
  const Bytes wire = encrypt(*f.out, {inner_packet(Family::kIpv4, 100)})[0];
  for (size_t cut = 0; cut < wire.size(); ++cut) {
    // As cut off on the link: the headers still claim the whole packet.
    Bytes b(wire.begin(), wire.begin() + static_cast<long>(cut));
    EXPECT_EQ(decrypt_one(*f.table, b), EspResult::kTruncated) << cut;
    // As sent short: IPv4 and UDP lengths made to agree with what is there.
    if (cut >= 28) {
      Bytes c = b;
      c[2] = static_cast<uint8_t>(cut >> 8);
      c[3] = static_cast<uint8_t>(cut);
      c[10] = c[11] = 0;
      c[24] = static_cast<uint8_t>((cut - 20) >> 8);
      c[25] = static_cast<uint8_t>(cut - 20);
      const EspResult r = decrypt_one(*f.table, c);
      EXPECT_NE(r, EspResult::kOk) << cut;
      if (cut < 20 + 8 + kEspMinLength) {
        EXPECT_EQ(r, EspResult::kTruncated) << cut;
      }
    }
  }
  // The full packet still passes (nothing above touched the window).
  EXPECT_EQ(decrypt_one(*f.table, wire), EspResult::kOk);
}

TEST(Decapsulate, UnknownSpiAndWrongDestinationAreDropped) {
  Fixture f = install(sa_pair(0x5004, Cipher::kAesGcm256, Family::kIpv4, Family::kIpv4));
  Bytes wire = encrypt(*f.out, {inner_packet(Family::kIpv4, 64)})[0];
  Bytes other_spi = wire;
  other_spi[20 + 3] ^= 0x01;
  EXPECT_EQ(decrypt_one(*f.table, other_spi), EspResult::kUnknownSpi);
  Bytes other_destination = wire;
  other_destination[19] ^= 0x01;  // checksum not refreshed: the fast path's parse checks it, not ESP
  EXPECT_EQ(decrypt_one(*f.table, other_destination), EspResult::kUnknownSpi);
  EXPECT_EQ(decrypt_one(*f.table, wire), EspResult::kOk);
}

TEST(Decapsulate, BadPaddingAndWrongNextHeaderAreRefused) {
  const SaPair pair = sa_pair(0x5005, Cipher::kAesGcm256, Family::kIpv4, Family::kIpv4);
  Fixture f = install(pair);
  const Bytes inner = inner_packet(Family::kIpv4, 98);  // 98 + 2 = 100: no padding needed, add some
  auto packet = [&](uint64_t seq, int pad, bool corrupt, uint8_t next_header) {
    EspFields e = fields_for(pair.inbound, seq, inner);
    e.iv = {0, 0, 0, 0, 0, 0, 0, static_cast<uint8_t>(seq)};
    e.pad_length = pad;
    e.corrupt_pad = corrupt;
    e.next_header = next_header;
    return outer_ipv4(pair.inbound.remote, pair.inbound.local, esp_payload(e));
  };
  EXPECT_EQ(decrypt_one(*f.table, packet(1, 4, false, 4)), EspResult::kOk) << "4 pad bytes 1..4 are fine";
  EXPECT_EQ(decrypt_one(*f.table, packet(2, 4, true, 4)), EspResult::kBadPadding);
  EXPECT_EQ(decrypt_one(*f.table, packet(3, 0, false, 41)), EspResult::kWrongInnerProtocol);
  // A pad length longer than the whole plaintext: authentic, yet impossible.
  EspFields e = fields_for(pair.inbound, 4, inner);
  e.iv = Bytes(8, 4);
  e.claimed_pad_length = 250;
  EXPECT_EQ(decrypt_one(*f.table, outer_ipv4(pair.inbound.remote, pair.inbound.local, esp_payload(e))),
            EspResult::kBadPadding);
  SaStats s;
  f.in->stats(s);
  EXPECT_EQ(s.totals.drops[static_cast<unsigned>(EspResult::kBadPadding)], 2u);
  EXPECT_EQ(s.totals.drops[static_cast<unsigned>(EspResult::kWrongInnerProtocol)], 1u);
}

TEST(Encapsulate, WrongInnerFamilyAndMissingRoomAreRefused) {
  Fixture f = install(sa_pair(0x5006, Cipher::kAesGcm256, Family::kIpv4, Family::kIpv4));
  const Bytes inner = inner_packet(Family::kIpv4, 100);
  auto placed = [&](uint16_t data_off) {
    rte_mbuf* mb = rte_pktmbuf_alloc(pool());
    mb->data_off = data_off;
    std::memcpy(rte_pktmbuf_append(mb, 100), inner.data(), 100);
    return mb;
  };
  rte_mbuf* m[4] = {to_mbuf(inner_packet(Family::kIpv6, 100)), placed(0),
                    placed(static_cast<uint16_t>(RTE_MBUF_DEFAULT_BUF_SIZE - 100 - 8)), to_mbuf(inner)};
  EspResult r[4];
  EXPECT_EQ(encapsulate(*f.out, m, 4, r, 0, 1), 1);
  EXPECT_EQ(r[0], EspResult::kWrongInnerProtocol);
  EXPECT_EQ(r[1], EspResult::kNoBufferRoom) << "no headroom";
  EXPECT_EQ(r[2], EspResult::kNoBufferRoom) << "8 bytes of tailroom";
  EXPECT_EQ(r[3], EspResult::kOk);
  free_all(m, 4);
}

// ---- sequence numbers at the 2^32 boundary

TEST(Sequence, EsnCrossesTwoToTheThirtyTwo) {
  SaPair pair = sa_pair(0x6000, Cipher::kAesGcm256, Family::kIpv4, Family::kIpv4, false, true, 128);
  pair.outbound.initial_sequence = 0xfffffff0ull;
  pair.inbound.initial_sequence = 0xffffffe0ull;
  Fixture f = install(pair);
  std::vector<Bytes> inner;
  for (uint8_t i = 0; i < 40; ++i) inner.push_back(inner_packet(Family::kIpv4, 64, i));
  const std::vector<Bytes> wire = encrypt(*f.out, inner);
  for (size_t i = 0; i < wire.size(); ++i) {
    EXPECT_EQ(read32(wire[i], 24), static_cast<uint32_t>(0xfffffff1ull + i)) << i;  // the low half wraps
  }
  // After the wrap the high half is 1: OpenSSL opens packet 0x1_0000_0005 only with SPI || 1 || 5.
  EspFields e = fields_for(pair.outbound, 0x100000005ull, inner[20]);
  const Bytes esp(wire[20].begin() + 20, wire[20].end());
  EXPECT_EQ(esp_open(e, esp).size(), inner[20].size() + 2 + 2);
  e.sequence = 0x5;
  EXPECT_TRUE(esp_open(e, esp).empty()) << "the high half must be authenticated";
  std::vector<Bytes> plain;
  const std::vector<EspResult> r = decrypt(*f.table, wire, &plain);
  for (size_t i = 0; i < wire.size(); ++i) {
    EXPECT_EQ(r[i], EspResult::kOk) << i << " " << esp_result_name(r[i]);
    EXPECT_EQ(plain[i], inner[i]);
  }
  EXPECT_EQ(decrypt_one(*f.table, wire[35]), EspResult::kReplayed);
}

TEST(Sequence, WithoutEsnTheSaStopsBeforeWrapping) {
  SaPair pair = sa_pair(0x6001, Cipher::kAesGcm128, Family::kIpv4, Family::kIpv4);
  pair.outbound.initial_sequence = 0xfffffffcull;
  Fixture f = install(pair);
  rte_mbuf* m[4];
  for (auto& mb : m) mb = to_mbuf(inner_packet(Family::kIpv4, 64));
  EspResult r[4];
  EXPECT_EQ(encapsulate(*f.out, m, 4, r, 0, 0), 2);
  EXPECT_EQ(r[0], EspResult::kOk);
  EXPECT_EQ(r[1], EspResult::kOk);
  EXPECT_EQ(r[2], EspResult::kSequenceExhausted);
  EXPECT_EQ(r[3], EspResult::kSequenceExhausted);
  // rte_ipsec stops one short of 2^32 - 1: 0xfffffffe is the last number it sends.
  EXPECT_EQ(read32(to_bytes(m[1]), 24), 0xfffffffeu);
  free_all(m, 4);
}

// ---- lifetime

TEST(Lifetime, HardPacketLimitDropsAndSoftLimitIsFlagged) {
  SaPair pair = sa_pair(0x7000, Cipher::kAesGcm256, Family::kIpv4, Family::kIpv4);
  pair.outbound.lifetime = Lifetime{.soft_packets = 3, .hard_packets = 5};
  pair.inbound.lifetime = Lifetime{.soft_bytes = 100, .hard_bytes = 150};
  Fixture f = install(pair);
  rte_mbuf* m[8];
  for (auto& mb : m) mb = to_mbuf(inner_packet(Family::kIpv4, 64));
  EspResult r[8];
  EXPECT_EQ(encapsulate(*f.out, m, 2, r, 10, 0), 2);
  SaStats s;
  f.out->stats(s);
  EXPECT_FALSE(s.soft_expired);
  EXPECT_EQ(encapsulate(*f.out, m + 2, 6, r + 2, 11, 1), 3);
  for (int i = 2; i < 5; ++i) EXPECT_EQ(r[i], EspResult::kOk);
  for (int i = 5; i < 8; ++i) EXPECT_EQ(r[i], EspResult::kSaExpiredHard);
  f.out->stats(s);
  EXPECT_TRUE(s.soft_expired);
  EXPECT_TRUE(s.hard_expired);
  EXPECT_EQ(s.lifetime_packets, 5u);
  EXPECT_EQ(s.totals.drops[static_cast<unsigned>(EspResult::kSaExpiredHard)], 3u);
  EXPECT_EQ(s.last_used, 11u);
  std::vector<Bytes> wire;
  for (int i = 0; i < 5; ++i) wire.push_back(to_bytes(m[i]));
  free_all(m, 8);
  // Inbound by bytes: 64 + 64 reaches the soft limit, the third packet starts at 128 < 150 and passes, the
  // fourth starts at 192 and is refused.
  const std::vector<EspResult> in = decrypt(*f.table, {wire[0], wire[1]}, nullptr);
  EXPECT_EQ(in, std::vector<EspResult>(2, EspResult::kOk));
  f.in->stats(s);
  EXPECT_TRUE(s.soft_expired);
  EXPECT_FALSE(s.hard_expired);
  EXPECT_EQ(decrypt_one(*f.table, wire[2]), EspResult::kOk);
  EXPECT_EQ(decrypt_one(*f.table, wire[3]), EspResult::kSaExpiredHard);
  f.in->stats(s);
  EXPECT_TRUE(s.hard_expired);
}

TEST(Lifetime, HardByteLimitOutboundCountsInnerBytes) {
  SaPair pair = sa_pair(0x7001, Cipher::kAesGcm128, Family::kIpv4, Family::kIpv4);
  pair.outbound.lifetime = Lifetime{.soft_bytes = 250, .hard_bytes = 300};
  Fixture f = install(pair);
  rte_mbuf* m[4];
  for (auto& mb : m) mb = to_mbuf(inner_packet(Family::kIpv4, 100));
  EspResult r[4];
  // 0, 100 and 200 bytes used before the first three: below 300, sent; the fourth starts at 300.
  EXPECT_EQ(encapsulate(*f.out, m, 4, r, 7, 0), 3);
  EXPECT_EQ(r[3], EspResult::kSaExpiredHard);
  SaStats s;
  f.out->stats(s);
  EXPECT_EQ(s.lifetime_bytes, 300u) << "inner bytes, not the ESP packets' 100 + 56";
  EXPECT_EQ(s.totals.bytes, 300u);
  EXPECT_TRUE(s.soft_expired);
  EXPECT_TRUE(s.hard_expired);
  free_all(m, 4);
}

TEST(Directions, EachBurstFunctionRefusesTheOtherDirection) {
  Fixture f = install(sa_pair(0x7100, Cipher::kAesGcm128, Family::kIpv4, Family::kIpv4));
  rte_mbuf* m = to_mbuf(inner_packet(Family::kIpv4, 64));
  EspResult r;
  EXPECT_EQ(encapsulate(*f.in, &m, 1, &r, 0, 0), 0);
  EXPECT_EQ(r, EspResult::kUnknownSpi) << "an inbound SA never encrypts";
  rte_pktmbuf_free(m);
  // An ESP packet whose SPI exists only as an outbound SA is unknown to decapsulate.
  SaPair other = sa_pair(0x7101, Cipher::kAesGcm128, Family::kIpv4, Family::kIpv4);
  ASSERT_EQ(f.table->add(other.outbound), "");
  const Bytes wire =
      encrypt(*f.table->current()->find(0x7101, Direction::kOutbound), {inner_packet(Family::kIpv4, 64)})[0];
  m = to_mbuf(wire);
  SaState* matched = f.in;
  EXPECT_EQ(decapsulate(*f.table->current(), &m, 1, &r, 0, 0, &matched), 0);
  EXPECT_EQ(r, EspResult::kUnknownSpi);
  EXPECT_EQ(matched, nullptr);
  rte_pktmbuf_free(m);
}

// ---- several workers on one outbound SA

struct WorkerJob {
  SaState* sa;
  uint32_t worker;
  std::vector<rte_mbuf*> mbufs;
  std::vector<EspResult> results;
  uint32_t ok = 0;
};

int run_job(void* arg) {
  auto* job = static_cast<WorkerJob*>(arg);
  for (size_t base = 0; base < job->mbufs.size(); base += 32) {
    const uint16_t n = static_cast<uint16_t>(std::min<size_t>(32, job->mbufs.size() - base));
    job->ok +=
        encapsulate(*job->sa, job->mbufs.data() + base, n, job->results.data() + base, base, job->worker);
  }
  return 0;
}

TEST(Workers, TwoLcoresOnOneSaNeverShareASequenceNumber) {
  ASSERT_GE(rte_lcore_count(), 2u);
  Fixture f = install(sa_pair(0x8000, Cipher::kAesGcm256, Family::kIpv4, Family::kIpv4, false, false, 4096));
  constexpr size_t kPerWorker = 3000;
  WorkerJob jobs[2];
  for (uint32_t w = 0; w < 2; ++w) {
    jobs[w].sa = f.out;
    jobs[w].worker = w;
    for (size_t i = 0; i < kPerWorker; ++i) {
      jobs[w].mbufs.push_back(
          to_mbuf(inner_packet(Family::kIpv4, 64 + (i % 3) * 100, static_cast<uint8_t>(w))));
    }
    jobs[w].results.resize(kPerWorker);
  }
  const unsigned other = rte_get_next_lcore(rte_lcore_id(), 1, 0);
  ASSERT_EQ(rte_eal_remote_launch(run_job, &jobs[1], other), 0);
  run_job(&jobs[0]);
  ASSERT_EQ(rte_eal_wait_lcore(other), 0);

  std::vector<std::pair<uint32_t, Bytes>> by_sequence;
  for (WorkerJob& job : jobs) {
    EXPECT_EQ(job.ok, kPerWorker);
    for (rte_mbuf* m : job.mbufs) {
      Bytes b = to_bytes(m);
      by_sequence.emplace_back(read32(b, 24), std::move(b));
    }
    free_all(job.mbufs.data(), job.mbufs.size());
  }
  std::set<uint32_t> distinct;
  for (const auto& [seq, bytes] : by_sequence) distinct.insert(seq);
  EXPECT_EQ(distinct.size(), 2 * kPerWorker) << "a sequence number (and so a GCM nonce) was used twice";
  EXPECT_EQ(*distinct.begin(), 1u);
  EXPECT_EQ(*distinct.rbegin(), 2 * kPerWorker);
  // The peer, in sequence order, accepts every one of them.
  std::sort(by_sequence.begin(), by_sequence.end());
  std::vector<Bytes> wire;
  for (auto& [seq, bytes] : by_sequence) wire.push_back(std::move(bytes));
  size_t accepted = 0;
  for (size_t base = 0; base < wire.size(); base += 32) {
    std::vector<Bytes> burst(wire.begin() + static_cast<long>(base),
                             wire.begin() + static_cast<long>(std::min(base + 32, wire.size())));
    for (EspResult r : decrypt(*f.table, burst, nullptr)) accepted += r == EspResult::kOk;
  }
  EXPECT_EQ(accepted, 2 * kPerWorker);
  SaStats s;
  f.out->stats(s);
  EXPECT_EQ(s.totals.packets, 2 * kPerWorker);
  EXPECT_EQ(s.lifetime_packets, 2 * kPerWorker);
}

}  // namespace
}  // namespace torwart::dataplane::ipsec
