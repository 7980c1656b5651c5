#include "dataplane/ipsec/sa_table.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "dataplane/ipsec/esp.hpp"
#include "dataplane/ipsec/ipsec_test_support.hpp"

namespace torwart::dataplane::ipsec {
namespace {

using namespace testing_support;

TEST(SaTable, AddFindRemoveBySpiAndDirection) {
  auto table = make_table(8);
  const SaPair pair = sa_pair(0x3000, Cipher::kAesGcm128, Family::kIpv4, Family::kIpv4);
  EXPECT_EQ(table->current()->size(), 0u);
  const uint64_t g0 = table->generation();
  EXPECT_EQ(table->add(pair.outbound), "");
  EXPECT_EQ(table->add(pair.inbound), "") << "same SPI, other direction";
  EXPECT_EQ(table->generation(), g0 + 2);
  EXPECT_EQ(table->current()->size(), 2u);
  EXPECT_NE(table->add(pair.inbound).find("exists already"), std::string::npos);
  SaState* out = table->current()->find(0x3000, Direction::kOutbound);
  SaState* in = table->current()->find(0x3000, Direction::kInbound);
  ASSERT_NE(out, nullptr);
  ASSERT_NE(in, nullptr);
  EXPECT_NE(out, in);
  EXPECT_EQ(out->spec().direction, Direction::kOutbound);
  EXPECT_EQ(table->current()->find(0x3001, Direction::kInbound), nullptr);
  // Inbound lookup wants the SA's local address as the outer destination.
  EXPECT_EQ(table->current()->find_inbound(0x3000, 4, pair.inbound.local.bytes.data()), in);
  EXPECT_EQ(table->current()->find_inbound(0x3000, 4, pair.inbound.remote.bytes.data()), nullptr);
  EXPECT_EQ(table->current()->find_inbound(0x3000, 6, ipv6("2001:db8::1").bytes.data()), nullptr);
  // The key does not stay readable in the table.
  for (uint8_t b : in->spec().key) EXPECT_EQ(b, 0);

  EXPECT_EQ(table->remove(0x3000, Direction::kInbound), "");
  EXPECT_EQ(table->current()->find(0x3000, Direction::kInbound), nullptr);
  EXPECT_EQ(table->current()->find(0x3000, Direction::kOutbound), out) << "the other direction stays";
  EXPECT_NE(table->remove(0x3000, Direction::kInbound).find("does not exist"), std::string::npos);
  EXPECT_NE(table->replace(pair.inbound).find("does not exist"), std::string::npos);
}

TEST(SaTable, TheNewestOutboundSaOfAReqidCarriesItsTraffic) {
  auto table = make_table(8);
  SaPair old_pair = sa_pair(0x3400, Cipher::kAesGcm256, Family::kIpv4, Family::kIpv4);
  SaPair new_pair = sa_pair(0x3401, Cipher::kAesGcm256, Family::kIpv4, Family::kIpv4);
  SaPair other = sa_pair(0x3402, Cipher::kAesGcm256, Family::kIpv4, Family::kIpv4);
  old_pair.outbound.reqid = old_pair.inbound.reqid = new_pair.outbound.reqid = new_pair.inbound.reqid = 42;
  other.outbound.reqid = 44;
  EXPECT_EQ(table->current()->outbound_for(42), nullptr);
  ASSERT_EQ(table->add(old_pair.inbound), "");
  EXPECT_EQ(table->current()->outbound_for(42), nullptr) << "inbound SAs never carry outbound traffic";
  ASSERT_EQ(table->add(old_pair.outbound), "");
  ASSERT_EQ(table->add(other.outbound), "");
  EXPECT_EQ(table->current()->outbound_for(42), table->current()->find(0x3400, Direction::kOutbound));
  // Rekey: the new pair is installed beside the old one and takes over at once; removing the old changes
  // nothing for the traffic.
  ASSERT_EQ(table->add(new_pair.inbound), "");
  ASSERT_EQ(table->add(new_pair.outbound), "");
  SaState* fresh = table->current()->find(0x3401, Direction::kOutbound);
  EXPECT_EQ(table->current()->outbound_for(42), fresh);
  ASSERT_EQ(table->remove(0x3400, Direction::kOutbound), "");
  EXPECT_EQ(table->current()->outbound_for(42), fresh);
  EXPECT_EQ(table->current()->outbound_for(44), table->current()->find(0x3402, Direction::kOutbound));
  EXPECT_EQ(table->current()->outbound_for(43), nullptr);
}

TEST(SaTable, RefusesInvalidSpecsAndAFullTable) {
  auto table = make_table(3);
  SaSpec bad = sa_pair(0x3100, Cipher::kAesGcm128, Family::kIpv4, Family::kIpv4).outbound;
  bad.key_length = 32;
  EXPECT_EQ(table->add(bad).rfind("key_length:", 0), 0u);
  for (uint32_t spi = 0x3100; spi < 0x3103; ++spi) {
    EXPECT_EQ(table->add(sa_pair(spi, Cipher::kAesGcm128, Family::kIpv4, Family::kIpv4).outbound), "");
  }
  EXPECT_NE(
      table->add(sa_pair(0x3200, Cipher::kAesGcm128, Family::kIpv4, Family::kIpv4).outbound).find("full"),
      std::string::npos);
  EXPECT_EQ(table->current()->size(), 3u);
}

TEST(SaTable, UnchangedSasCarryTheirStateIntoTheNextVersion) {
  auto table = make_table();
  const SaPair a = sa_pair(0x3300, Cipher::kAesGcm256, Family::kIpv4, Family::kIpv4);
  ASSERT_EQ(table->add(a.outbound), "");
  const SaTableVersion* first = table->current();
  SaState* state = first->find(0x3300, Direction::kOutbound);
  rte_mbuf* m = to_mbuf(inner_packet(Family::kIpv4, 64));
  EspResult r;
  ASSERT_EQ(encapsulate(*state, &m, 1, &r, 5, 0), 1);
  rte_pktmbuf_free(m);

  ASSERT_EQ(table->add(sa_pair(0x3301, Cipher::kAesGcm256, Family::kIpv4, Family::kIpv4).outbound), "");
  const SaTableVersion* second = table->current();
  EXPECT_NE(second, first);
  EXPECT_EQ(second->find(0x3300, Direction::kOutbound), state) << "same state block, same sequence counter";
  // The old version is retired, not freed, until reclaim: a worker may still be reading it.
  EXPECT_EQ(table->retired(), 2u);
  EXPECT_EQ(first->find(0x3300, Direction::kOutbound), state);
  m = to_mbuf(inner_packet(Family::kIpv4, 64));
  ASSERT_EQ(encapsulate(*second->find(0x3300, Direction::kOutbound), &m, 1, &r, 6, 0), 1);
  EXPECT_EQ(rte_pktmbuf_mtod_offset(m, uint8_t*, 27)[0], 2) << "sequence 2 follows 1 across the swap";
  rte_pktmbuf_free(m);
  table->reclaim(table->generation());
  EXPECT_EQ(table->retired(), 0u);
  SaStats s;
  ASSERT_TRUE(table->stats(0x3300, Direction::kOutbound, s));
  EXPECT_EQ(s.totals.packets, 2u);
  EXPECT_EQ(s.last_used, 6u);
}

TEST(SaTable, ReplaceStartsAFreshStateAndRetiresTheOld) {
  auto table = make_table();
  SaPair a = sa_pair(0x3400, Cipher::kAesGcm256, Family::kIpv4, Family::kIpv4);
  ASSERT_EQ(table->add(a.outbound), "");
  SaState* old = table->current()->find(0x3400, Direction::kOutbound);
  const uint64_t before = table->generation();
  a.outbound.key[0] ^= 1;
  ASSERT_EQ(table->replace(a.outbound), "");
  SaState* fresh = table->current()->find(0x3400, Direction::kOutbound);
  EXPECT_NE(fresh, old);
  EXPECT_EQ(table->current()->size(), 1u);
  // Only what the replace retired is kept after reclaiming up to the generation before it.
  table->reclaim(before);
  EXPECT_EQ(table->retired(), 1u);
  table->reclaim(table->generation());
  EXPECT_EQ(table->retired(), 0u);
}

TEST(SaTable, MakeBeforeBreakRekeyKeepsBothInboundSasWorking) {
  auto table = make_table();
  const SaPair old_sa = sa_pair(0x3500, Cipher::kAesGcm256, Family::kIpv4, Family::kIpv4);
  const SaPair new_sa = sa_pair(0x3501, Cipher::kAesGcm256, Family::kIpv4, Family::kIpv4);
  ASSERT_EQ(table->add(old_sa.outbound), "");
  ASSERT_EQ(table->add(old_sa.inbound), "");
  ASSERT_EQ(table->add(new_sa.inbound), "");  // the peer may switch at any time from here
  ASSERT_EQ(table->add(new_sa.outbound), "");
  rte_mbuf* m[2] = {to_mbuf(inner_packet(Family::kIpv4, 64)), to_mbuf(inner_packet(Family::kIpv4, 64, 1))};
  EspResult r[2];
  ASSERT_EQ(encapsulate(*table->current()->find(0x3500, Direction::kOutbound), &m[0], 1, &r[0], 0, 0), 1);
  ASSERT_EQ(encapsulate(*table->current()->find(0x3501, Direction::kOutbound), &m[1], 1, &r[1], 0, 0), 1);
  SaState* matched[2];
  EXPECT_EQ(decapsulate(*table->current(), m, 2, r, 0, 0, matched), 2) << "old and new SA in one burst";
  EXPECT_EQ(matched[0], table->current()->find(0x3500, Direction::kInbound));
  EXPECT_EQ(matched[1], table->current()->find(0x3501, Direction::kInbound));
  free_all(m, 2);
  ASSERT_EQ(table->remove(0x3500, Direction::kOutbound), "");
  ASSERT_EQ(table->remove(0x3500, Direction::kInbound), "");
  m[0] = to_mbuf(inner_packet(Family::kIpv4, 64));
  ASSERT_EQ(encapsulate(*table->current()->find(0x3501, Direction::kOutbound), m, 1, r, 0, 0), 1);
  EXPECT_EQ(decapsulate(*table->current(), m, 1, r, 0, 0), 1);
  free_all(m, 1);
}

uint32_t wire_sequence(rte_mbuf* m, size_t esp_offset) {
  const uint8_t* p = rte_pktmbuf_mtod_offset(m, const uint8_t*, esp_offset + 4);
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

TEST(SaTable, ReplaceNeverRepeatsASequenceNumberOfTheSpi) {
  auto table = make_table();
  SaPair pair = sa_pair(0x3600, Cipher::kAesGcm256, Family::kIpv4, Family::kIpv4);
  ASSERT_EQ(table->add(pair.outbound), "");
  SaState* old = table->current()->find(0x3600, Direction::kOutbound);
  rte_mbuf* m[3];
  for (auto& mb : m) mb = to_mbuf(inner_packet(Family::kIpv4, 64));
  EspResult r[3];
  ASSERT_EQ(encapsulate(*old, m, 2, r, 0, 0), 2);
  pair.outbound.key[3] ^= 0x40;
  ASSERT_EQ(table->replace(pair.outbound), "");
  SaState* fresh = table->current()->find(0x3600, Direction::kOutbound);
  ASSERT_EQ(encapsulate(*fresh, &m[2], 1, &r[2], 0, 0), 1);
  // Beyond 2 and beyond one burst per worker the old state might still have been taking.
  EXPECT_GT(wire_sequence(m[2], 20), 2u + kWorkers * kMaxEspBurst);
  rte_mbuf* late = to_mbuf(inner_packet(Family::kIpv4, 64));
  EXPECT_EQ(encapsulate(*old, &late, 1, r, 0, 0), 0);
  EXPECT_EQ(r[0], EspResult::kSaSuperseded) << "a worker still holding the old state sends nothing";
  free_all(m, 3);
  rte_pktmbuf_free(late);
}

TEST(SaTable, UpdateMovesAnOutboundSaToNewEndpointsWithoutRestartingIt) {
  auto table = make_table();
  SaPair pair = sa_pair(0x3700, Cipher::kAesGcm256, Family::kIpv4, Family::kIpv4, false, false, 1024);
  ASSERT_EQ(table->add(pair.outbound), "");
  ASSERT_EQ(table->add(pair.inbound), "");
  SaState* old = table->current()->find(0x3700, Direction::kOutbound);
  rte_mbuf* m[2] = {to_mbuf(inner_packet(Family::kIpv4, 100)), to_mbuf(inner_packet(Family::kIpv4, 100, 1))};
  EspResult r[2];
  ASSERT_EQ(encapsulate(*old, m, 1, r, 3, 0), 1);
  // The peer moved behind a NAT: UDP encapsulation from now on, another address and port.
  SaSpec moved = pair.outbound;
  moved.key.fill(0);  // update() does not need the key again
  moved.remote = ipv4("203.0.113.9");
  moved.udp_encapsulation = true;
  moved.udp_source_port = 4500;
  moved.udp_destination_port = 31000;
  ASSERT_EQ(table->update(moved), "");
  SaState* now = table->current()->find(0x3700, Direction::kOutbound);
  ASSERT_NE(now, old);
  ASSERT_EQ(encapsulate(*now, &m[1], 1, &r[1], 4, 1), 1) << esp_result_name(r[1]);
  const Bytes wire = to_bytes(m[1]);
  EXPECT_EQ(wire[9], 17);
  EXPECT_EQ(std::memcmp(&wire[16], moved.remote.bytes.data(), 4), 0);
  EXPECT_EQ(wire[22] << 8 | wire[23], 31000);
  EXPECT_GT(wire_sequence(m[1], 28), 1u) << "the sequence continues";
  // The peer's side (here the mirrored inbound SA of the same table), with the same key, accepts the packet
  // sent before the move at the old address and, once it receives at the new one, the packet after it.
  EXPECT_EQ(decapsulate(*table->current(), &m[0], 1, &r[0], 5, 0), 1) << esp_result_name(r[0]);
  SaSpec peer = pair.inbound;
  peer.local = moved.remote;
  ASSERT_EQ(table->update(peer), "");
  EXPECT_EQ(decapsulate(*table->current(), &m[1], 1, &r[1], 5, 0), 1) << esp_result_name(r[1]);
  SaStats s;
  ASSERT_TRUE(table->stats(0x3700, Direction::kOutbound, s));
  EXPECT_EQ(s.totals.packets, 2u) << "counters carried over";
  EXPECT_EQ(s.lifetime_packets, 2u);
  EXPECT_EQ(s.last_used, 4u);
  free_all(m, 2);
}

TEST(SaTable, UpdateMovesAnInboundSaKeepingItsReplayWindow) {
  auto table = make_table();
  const SaPair pair = sa_pair(0x3800, Cipher::kAesGcm128, Family::kIpv4, Family::kIpv4);
  ASSERT_EQ(table->add(pair.outbound), "");
  ASSERT_EQ(table->add(pair.inbound), "");
  SaState* in = table->current()->find(0x3800, Direction::kInbound);
  rte_mbuf* m = to_mbuf(inner_packet(Family::kIpv4, 64));
  EspResult r;
  ASSERT_EQ(encapsulate(*table->current()->find(0x3800, Direction::kOutbound), &m, 1, &r, 0, 0), 1);
  const Bytes wire = to_bytes(m);
  ASSERT_EQ(decapsulate(*table->current(), &m, 1, &r, 0, 0), 1);
  rte_pktmbuf_free(m);

  SaSpec moved = pair.inbound;
  moved.local = ipv4("192.0.2.77");
  ASSERT_EQ(table->update(moved), "");
  EXPECT_EQ(table->current()->find(0x3800, Direction::kInbound), in) << "the same state";
  EXPECT_EQ(table->current()->find_inbound(0x3800, 4, moved.local.bytes.data()), in);
  EXPECT_EQ(table->current()->find_inbound(0x3800, 4, pair.inbound.local.bytes.data()), nullptr);
  // The packet already taken, now sent to the new address (the outer header is outside the ICV): a replay.
  Bytes again = wire;
  std::memcpy(&again[16], moved.local.bytes.data(), 4);
  m = to_mbuf(again);
  EXPECT_EQ(decapsulate(*table->current(), &m, 1, &r, 0, 0), 0);
  EXPECT_EQ(r, EspResult::kReplayed);
  rte_pktmbuf_free(m);
}

}  // namespace
}  // namespace torwart::dataplane::ipsec
