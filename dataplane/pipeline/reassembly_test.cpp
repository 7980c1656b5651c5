// Virtual reassembly (stage_reassembly, FragmentTable): fragments are held until their datagram is complete
// and valid, then forwarded unchanged in offset order; bad datagrams are dropped whole.
#include "dataplane/pipeline/fastpath_test_support.hpp"

namespace torwart::dataplane::testing_support {
namespace {

using test::Bytes;

constexpr size_t kL3 = 14;
constexpr uint64_t kSecond = 1'000'000'000ull;

const test::Ipv4 kV4{.source = "192.168.10.10", .destination = "10.1.2.3"};
const test::Ipv6 kV6{.source = "2001:db8:10::10", .destination = "2001:db8:1000::5"};

// The transport bytes (header and payload) of a UDP datagram, to be cut into fragments.
Bytes udp_v4(size_t payload, uint16_t source_port = 1234, uint16_t destination_port = 5678) {
  const Bytes datagram = test::ipv4_datagram(kV4, test::Udp{.source_port = source_port,
                                                            .destination_port = destination_port,
                                                            .payload = Bytes(payload, 0x5a)});
  return Bytes(datagram.begin() + 20, datagram.end());
}
Bytes udp_v6(size_t payload) {
  const Bytes datagram = test::ipv6_datagram(
      kV6, test::Udp{.source_port = 1234, .destination_port = 5678, .payload = Bytes(payload, 0xa5)});
  return Bytes(datagram.begin() + 40, datagram.end());
}

// Bytes [offset, offset + length) of `l4` as one fragment from the LAN client.
Bytes frag4(const Bytes& l4, uint32_t offset, uint32_t length, bool more, uint16_t id = 7,
            uint8_t protocol = 17) {
  test::Ipv4 ip = kV4;
  ip.id = id;
  ip.more_fragments = more;
  ip.fragment_offset = static_cast<uint16_t>(offset / 8);
  const Bytes piece(l4.begin() + offset, l4.begin() + offset + length);
  return test::ipv4_frame({.source = kLanClientMac, .destination = kLanMac}, ip,
                          test::RawTransport{protocol, piece});
}
Bytes frag6(const Bytes& l4, uint32_t offset, uint32_t length, bool more, uint32_t id = 7) {
  test::Ipv6 ip = kV6;
  ip.extensions = {test::fragment_header(static_cast<uint16_t>(offset / 8), more, id)};
  const Bytes piece(l4.begin() + offset, l4.begin() + offset + length);
  return test::ipv6_frame({.source = kLanClientMac, .destination = kLanMac}, ip,
                          test::RawTransport{17, piece});
}

uint32_t offset4(const Bytes& frame) {
  return (be16(frame, kL3 + 6) & 0x1fff) * 8u;
}
uint32_t offset6(const Bytes& frame) {
  return be16(frame, kL3 + 40 + 2) & 0xfff8;
}

class ReassemblyTest : public FastPath {
 protected:
  void use_limits(const FragmentLimits& limits) {
    ctx = std::make_unique<WorkerContext>(0, pool(), neighbours, tx, punt, eve, RateLimits{}, limits);
    ctx->snapshot = snapshot.get();
  }
  // Runs the stages up to reassembly; the caller looks at ctx->fragments and releases what is left.
  Burst up_to_reassembly(const std::vector<Bytes>& frames) {
    Burst burst = parsed(kLan, frames);
    ctx->now_ns = now_ns;
    stage_ingress(*ctx, burst);
    stage_antispoof(*ctx, burst);
    stage_reassembly(*ctx, burst);
    return burst;
  }
  void release_ready() {
    for (uint32_t i = 0; i < ctx->fragments.ready_count(); ++i) rte_pktmbuf_free(ctx->fragments.ready()[i]);
    ctx->fragments.clear_ready();
  }
  uint64_t lan_drops(DropReason reason) const { return drops(kLan, reason); }
};

TEST_F(ReassemblyTest, InOrderV4DatagramIsForwardedAsTheSameFragments) {
  const Bytes l4 = udp_v4(100);  // 108 bytes: 48 + 48 + 12
  const std::vector<Bytes> in = {frag4(l4, 0, 48, true), frag4(l4, 48, 48, true), frag4(l4, 96, 12, false)};
  run(kLan, in);
  const auto& out = sent_on(kKdn);
  ASSERT_EQ(out.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_EQ(out[i].size(), in[i].size());
    EXPECT_EQ(offset4(out[i]), offset4(in[i]));
    EXPECT_EQ(out[i][kL3 + 8], 63) << "TTL decremented on every fragment";
    EXPECT_TRUE(ipv4_header_valid(out[i], kL3));
    EXPECT_EQ(mac_at(out[i], 0), kKdnGatewayMac);
    EXPECT_TRUE(std::equal(in[i].begin() + kL3 + 20, in[i].end(), out[i].begin() + kL3 + 20))
        << "payload unchanged";
  }
  EXPECT_EQ(ctx->counters.datagrams_reassembled, 1u);
  EXPECT_EQ(ctx->counters.fragments_held, 0u);
  EXPECT_EQ(ctx->counters.fragments_resteered, 0u);
}

TEST_F(ReassemblyTest, OutOfOrderV4DatagramIsReleasedInOffsetOrder) {
  const Bytes l4 = udp_v4(100);
  run(kLan, {frag4(l4, 96, 12, false), frag4(l4, 0, 48, true), frag4(l4, 48, 48, true)});
  const auto& out = sent_on(kKdn);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(offset4(out[0]), 0u);
  EXPECT_EQ(offset4(out[1]), 48u);
  EXPECT_EQ(offset4(out[2]), 96u);
  for (const Bytes& frame : out) EXPECT_EQ(frame[kL3 + 8], 63);
}

TEST_F(ReassemblyTest, InOrderAndOutOfOrderV6DatagramsAreForwardedInOffsetOrder) {
  const Bytes l4 = udp_v6(100);
  run(kLan, {frag6(l4, 0, 48, true), frag6(l4, 48, 48, true), frag6(l4, 96, 12, false)});
  run(kLan, {frag6(l4, 48, 48, true, 8), frag6(l4, 96, 12, false, 8), frag6(l4, 0, 48, true, 8)});
  const auto& out = sent_on(kKdn);
  ASSERT_EQ(out.size(), 6u);
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(offset6(out[i]), (i % 3) * 48u);
    EXPECT_EQ(out[i][kL3 + 7], 63) << "hop limit decremented on every fragment";
  }
  EXPECT_EQ(ctx->counters.datagrams_reassembled, 2u);
}

TEST_F(ReassemblyTest, ReleasedFragmentsCarryThePortsAndTheFlowHashOfTheWholeDatagram) {
  for (const bool v6 : {false, true}) {
    const Bytes l4 = v6 ? udp_v6(100) : udp_v4(100);
    const auto frag = [&](uint32_t offset, uint32_t length, bool more) {
      return v6 ? frag6(l4, offset, length, more) : frag4(l4, offset, length, more);
    };
    const Bytes whole =
        v6 ? test::ipv6_frame({}, kV6, test::Udp{.source_port = 1234, .destination_port = 5678})
           : test::ipv4_frame({}, kV4, test::Udp{.source_port = 1234, .destination_port = 5678});
    PacketMeta unfragmented;
    ASSERT_EQ(parse_frame(whole.data(), static_cast<uint32_t>(whole.size()), unfragmented, {}),
              DropReason::kNone);

    Burst burst = up_to_reassembly({frag(48, 48, true), frag(96, 12, false), frag(0, 48, true)});
    EXPECT_EQ(burst.count, 0) << "fragments leave the burst";
    ASSERT_EQ(ctx->fragments.ready_count(), 3u);
    for (uint32_t i = 0; i < 3; ++i) {
      const PacketMeta& meta = meta_of(ctx->fragments.ready()[i]);
      EXPECT_TRUE(meta.flags & meta_flag::kReassembled);
      EXPECT_EQ(meta.src_port, 1234);
      EXPECT_EQ(meta.dst_port, 5678);
      EXPECT_EQ(meta.ip_proto, 17);
      EXPECT_EQ(meta.l4_present, i == 0 ? 1 : 0);
      EXPECT_EQ(meta.flow_hash, unfragmented.flow_hash) << (v6 ? "v6" : "v4");
    }
    release_ready();
    release(burst);
  }
}

TEST_F(ReassemblyTest, ANonFragmentPassesUntouched) {
  const Bytes frame = test::ipv4_frame({.source = kLanClientMac, .destination = kLanMac}, kV4, test::Udp{});
  Burst burst = up_to_reassembly({frame});
  ASSERT_EQ(burst.count, 1);
  EXPECT_FALSE(meta_of(burst.pkts[0]).flags & meta_flag::kReassembled);
  EXPECT_EQ(ctx->fragments.ready_count(), 0u);
  release(burst);
  run(kLan, {frame});
  ASSERT_EQ(sent_on(kKdn).size(), 1u);
  EXPECT_EQ(ctx->counters.datagrams_reassembled, 0u);
}

TEST_F(ReassemblyTest, OverlappingFragmentsDropTheWholeDatagramV4AndV6) {
  const Bytes l4 = udp_v4(100);
  run(kLan, {frag4(l4, 0, 48, true), frag4(l4, 96, 12, false)});
  run(kLan, {frag4(l4, 40, 56, true)});  // overlaps the first by 8 bytes
  const Bytes l6 = udp_v6(100);
  run(kLan, {frag6(l6, 0, 48, true), frag6(l6, 48, 56, true), frag6(l6, 96, 12, false)});
  EXPECT_TRUE(sent_on(kKdn).empty());
  EXPECT_EQ(lan_drops(DropReason::kFragmentOverlap), 6u);
  EXPECT_EQ(ctx->counters.fragments_held, 0u);
  EXPECT_EQ(ctx->fragments.datagrams_held(), 0u);
}

TEST_F(ReassemblyTest, AnExactDuplicateIsDroppedAloneAndTheDatagramStillCompletes) {
  const Bytes l4 = udp_v4(100);
  run(kLan,
      {frag4(l4, 0, 48, true), frag4(l4, 0, 48, true), frag4(l4, 48, 48, true), frag4(l4, 96, 12, false)});
  EXPECT_EQ(lan_drops(DropReason::kFragmentDuplicate), 1u);
  EXPECT_EQ(sent_on(kKdn).size(), 3u);
}

TEST_F(ReassemblyTest, ADuplicateOffsetWithAnotherLengthIsAnOverlap) {
  const Bytes l4 = udp_v4(100);
  run(kLan, {frag4(l4, 0, 48, true), frag4(l4, 0, 56, true), frag4(l4, 96, 12, false)});
  EXPECT_EQ(lan_drops(DropReason::kFragmentOverlap), 2u);
  EXPECT_EQ(ctx->counters.fragments_held, 1u) << "the last fragment starts a new datagram";
  EXPECT_TRUE(sent_on(kKdn).empty());
}

TEST_F(ReassemblyTest, TwoLastFragmentsThatDisagreeOnTheLengthAreAnOverlap) {
  const Bytes l4 = udp_v4(200);
  run(kLan, {frag4(l4, 96, 12, false), frag4(l4, 160, 48, false)});
  EXPECT_EQ(lan_drops(DropReason::kFragmentOverlap), 2u);
}

TEST_F(ReassemblyTest, AFragmentEndingBeyond65535DropsTheDatagram) {
  const Bytes l4 = udp_v4(100);
  run(kLan, {frag4(l4, 0, 48, true)});
  test::Ipv4 ip = kV4;
  ip.id = 7;
  ip.fragment_offset = 8189;  // 65512 + 20 header + 48 bytes > 65535: ping of death
  run(kLan, {test::ipv4_frame({.source = kLanClientMac, .destination = kLanMac}, ip,
                              test::RawTransport{17, Bytes(48, 0)})});
  EXPECT_EQ(lan_drops(DropReason::kFragmentTooLarge), 2u);
  const Bytes l6 = udp_v6(100);
  test::Ipv6 ip6 = kV6;
  ip6.extensions = {test::fragment_header(8190, false, 9)};  // 65520 + 48 > 65535
  run(kLan, {test::ipv6_frame({.source = kLanClientMac, .destination = kLanMac}, ip6,
                              test::RawTransport{17, Bytes(48, 0)})});
  EXPECT_EQ(lan_drops(DropReason::kFragmentTooLarge), 3u);
  EXPECT_TRUE(sent_on(kKdn).empty());
  EXPECT_EQ(ctx->fragments.fragments_held(), 0u);
}

TEST_F(ReassemblyTest, ATinyFirstFragmentOrAnUnalignedMiddleOneIsTooSmall) {
  const Bytes tcp = [] {
    const Bytes datagram = test::ipv4_datagram(kV4, test::Tcp{.payload = Bytes(64, 1)});
    return Bytes(datagram.begin() + 20, datagram.end());
  }();
  // 16 bytes of TCP: the flags and the rest of the header would come in the next fragment (RFC 1858).
  run(kLan, {frag4(tcp, 16, 68, false, 7, 6), frag4(tcp, 0, 16, true, 7, 6)});
  EXPECT_EQ(lan_drops(DropReason::kFragmentTooSmall), 2u) << "the held second fragment goes with it";
  const Bytes l4 = udp_v4(100);
  run(kLan, {frag4(l4, 0, 20, true, 8)});  // not a multiple of 8 and not last
  EXPECT_EQ(lan_drops(DropReason::kFragmentTooSmall), 3u);
  EXPECT_TRUE(sent_on(kKdn).empty());
  EXPECT_EQ(ctx->fragments.fragments_held(), 0u);
}

TEST_F(ReassemblyTest, MoreThan64FragmentsDropTheDatagram) {
  const Bytes l4 = udp_v4(65 * 8 - 8);
  std::vector<Bytes> first64;
  for (uint32_t i = 0; i < 64; ++i) first64.push_back(frag4(l4, i * 8, 8, true));
  run(kLan, first64);
  EXPECT_EQ(ctx->counters.fragments_held, 64u);
  run(kLan, {frag4(l4, 64 * 8, 8, false)});
  EXPECT_EQ(lan_drops(DropReason::kFragmentTooMany), 65u);
  EXPECT_EQ(ctx->counters.fragments_held, 0u);
  EXPECT_TRUE(sent_on(kKdn).empty());
}

TEST_F(ReassemblyTest, AFullTableRefusesNewDatagramsAndKeepsTheHeldOnes) {
  use_limits({.max_datagrams = 2, .max_fragments = 3});
  const Bytes l4 = udp_v4(100);
  run(kLan, {frag4(l4, 0, 48, true, 1), frag4(l4, 0, 48, true, 2), frag4(l4, 0, 48, true, 3)});
  EXPECT_EQ(lan_drops(DropReason::kFragmentMemoryFull), 1u) << "no third datagram";
  run(kLan, {frag4(l4, 48, 48, true, 1)});  // the last free fragment slot
  EXPECT_EQ(ctx->counters.fragments_held, 3u);
  // Datagram 2 cannot grow: no slot is left, and it would never complete, so it goes now.
  run(kLan, {frag4(l4, 96, 12, false, 2)});
  EXPECT_EQ(lan_drops(DropReason::kFragmentMemoryFull), 3u);
  EXPECT_EQ(ctx->counters.fragments_held, 2u);
  run(kLan, {frag4(l4, 96, 12, false, 1)});
  EXPECT_EQ(sent_on(kKdn).size(), 3u) << "datagram 1 completes";
  EXPECT_EQ(ctx->counters.fragments_held, 0u);
}

TEST_F(ReassemblyTest, IncompleteDatagramsTimeOutOnPacketTime) {
  const Bytes l4 = udp_v4(100);
  run(kLan, {frag4(l4, 0, 48, true, 1), frag4(l4, 0, 48, true, 2)});
  now_ns += 29 * kSecond;
  run(kLan, {frag4(l4, 48, 48, true, 2), frag4(l4, 96, 12, false, 2)});
  EXPECT_EQ(sent_on(kKdn).size(), 3u) << "within 30 s datagram 2 completes";
  now_ns += 2 * kSecond;
  // Any burst sweeps: datagram 1 is 31 s old.
  run(kLan, {test::ipv4_frame({.source = kLanClientMac, .destination = kLanMac}, kV4, test::Udp{})});
  EXPECT_EQ(lan_drops(DropReason::kFragmentTimeout), 1u);
  EXPECT_EQ(ctx->counters.fragments_held, 0u);
}

TEST_F(ReassemblyTest, AStaleDatagramFoundOnLookupIsDroppedAndTheFragmentStartsAnew) {
  use_limits({.sweep_per_burst = 0});
  const Bytes l4 = udp_v4(100);
  run(kLan, {frag4(l4, 0, 48, true, 3)});
  now_ns += 31 * kSecond;
  run(kLan, {frag4(l4, 48, 48, true, 3)});
  EXPECT_EQ(lan_drops(DropReason::kFragmentTimeout), 1u);
  EXPECT_EQ(ctx->fragments.fragments_held(), 1u);
  run(kLan, {frag4(l4, 0, 48, true, 3), frag4(l4, 96, 12, false, 3)});
  EXPECT_EQ(sent_on(kKdn).size(), 3u);
}

TEST_F(ReassemblyTest, ADatagramCompletesAcrossTwoBursts) {
  const Bytes l4 = udp_v4(100);
  run(kLan, {frag4(l4, 48, 48, true)});
  EXPECT_TRUE(sent_on(kKdn).empty());
  EXPECT_EQ(ctx->counters.fragments_held, 1u);
  run(kLan, {frag4(l4, 96, 12, false), frag4(l4, 0, 48, true)});
  ASSERT_EQ(sent_on(kKdn).size(), 3u);
  EXPECT_EQ(offset4(sent_on(kKdn)[0]), 0u);
  EXPECT_EQ(offset4(sent_on(kKdn)[2]), 96u);
}

TEST_F(ReassemblyTest, InterleavedDatagramsCompleteEachInItsOwnOrder) {
  const Bytes a = udp_v4(100, 1111, 53);
  const Bytes b = udp_v4(100, 2222, 53);
  run(kLan, {frag4(a, 96, 12, false, 1), frag4(b, 48, 48, true, 2), frag4(a, 0, 48, true, 1),
             frag4(b, 0, 48, true, 2), frag4(a, 48, 48, true, 1), frag4(b, 96, 12, false, 2)});
  const auto& out = sent_on(kKdn);
  ASSERT_EQ(out.size(), 6u);
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(be16(out[i], kL3 + 4), i < 3 ? 1 : 2) << "datagram 1 completes first";
    EXPECT_EQ(offset4(out[i]), (i % 3) * 48u);
  }
  EXPECT_EQ(ctx->counters.datagrams_reassembled, 2u);
}

TEST_F(ReassemblyTest, ManyDatagramsCompletingInOneBurstRunInSeveralBursts) {
  // 2 x 40 released fragments: more than one burst.
  const Bytes l4 = udp_v4(40 * 8 - 8);
  std::vector<Bytes> first, second;
  for (uint16_t id : {1, 2}) {
    for (uint32_t i = 0; i < 39; ++i) first.push_back(frag4(l4, i * 8, 8, true, id));
    second.push_back(frag4(l4, 39 * 8, 8, false, id));
  }
  run(kLan, std::vector<Bytes>(first.begin(), first.begin() + 39));
  run(kLan, std::vector<Bytes>(first.begin() + 39, first.end()));
  run(kLan, second);
  EXPECT_EQ(sent_on(kKdn).size(), 80u);
  EXPECT_EQ(ctx->counters.datagrams_reassembled, 2u);
}

// Live re-steering: the flow's worker gets the released fragments, in release order.
class FakeSteering final : public FlowSteering {
 public:
  unsigned owner(uint32_t) const override { return 1; }
  unsigned worker_count() const override { return 2; }
  uint16_t hand_off(unsigned worker, rte_mbuf** packets, uint16_t count) override {
    const uint16_t taken = std::min(count, accept);
    for (uint16_t i = 0; i < taken; ++i) {
      handed.push_back(offset_of(packets[i]));
      EXPECT_EQ(worker, 1u);
      rte_pktmbuf_free(packets[i]);
    }
    return taken;
  }
  static uint32_t offset_of(rte_mbuf* m) {
    const auto* ip = rte_pktmbuf_mtod_offset(m, const uint8_t*, meta_of(m).l3_offset);
    return (static_cast<uint32_t>(ip[6] << 8 | ip[7]) & 0x1fff) * 8;
  }
  uint16_t accept = 0xffff;
  std::vector<uint32_t> handed;
};

TEST_F(ReassemblyTest, FragmentsOfAnotherWorkersFlowAreHandedOverInOrder) {
  FakeSteering steering;
  ctx->steering = &steering;
  const Bytes l4 = udp_v4(100);
  run(kLan, {frag4(l4, 96, 12, false), frag4(l4, 48, 48, true), frag4(l4, 0, 48, true)});
  EXPECT_EQ(steering.handed, (std::vector<uint32_t>{0, 48, 96}));
  EXPECT_EQ(ctx->counters.fragments_resteered, 3u);
  EXPECT_TRUE(sent_on(kKdn).empty());
  steering.accept = 1;
  run(kLan, {frag4(l4, 96, 12, false, 8), frag4(l4, 48, 48, true, 8), frag4(l4, 0, 48, true, 8)});
  EXPECT_EQ(ctx->counters.fragments_resteered, 4u);
  EXPECT_EQ(lan_drops(DropReason::kDistributionQueueFull), 2u);
  ctx->steering = nullptr;
}

TEST_F(ReassemblyTest, ReassembledFragmentsFromAnotherWorkerPassStraightThrough) {
  const Bytes l4 = udp_v4(100);
  Burst burst = up_to_reassembly({frag4(l4, 0, 48, true), frag4(l4, 48, 48, true), frag4(l4, 96, 12, false)});
  ASSERT_EQ(ctx->fragments.ready_count(), 3u);
  // What the other worker would dequeue from its ring.
  Burst handed;
  for (uint32_t i = 0; i < 3; ++i) handed.pkts[handed.count++] = ctx->fragments.ready()[i];
  ctx->fragments.clear_ready();
  release(burst);
  pipeline_process(*ctx, handed);
  EXPECT_EQ(sent_on(kKdn).size(), 3u);
  EXPECT_EQ(ctx->counters.datagrams_reassembled, 1u) << "not reassembled a second time";
  EXPECT_EQ(ctx->fragments.fragments_held(), 0u);
}

}  // namespace
}  // namespace torwart::dataplane::testing_support
