// Forwarded IPv4 larger than the egress MTU: fragmented without DF, ICMP fragmentation-needed with DF.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include <rte_eal.h>
#include <rte_errno.h>

#include "dataplane/checksum.hpp"
#include "dataplane/pipeline.hpp"
#include "dataplane/slow_path.hpp"
#include "rules/config/load.hpp"
#include "tests/support/packet_builder.hpp"

namespace torwart::dataplane {
namespace {

rte_mempool* g_pool = nullptr;

class EalEnvironment : public testing::Environment {
 public:
  void SetUp() override {
    const char* args[] = {"ipv4_fragment_test", "--no-huge", "--no-pci", "--no-shconf", "--no-telemetry", "-m", "256",
                          "--log-level=*:warning"};
    if (rte_eal_init(static_cast<int>(std::size(args)), const_cast<char**>(args)) < 0) {
      std::fprintf(stderr, "rte_eal_init failed: %s\n", rte_strerror(rte_errno));
      std::exit(1);  // an ASSERT here would silently skip every test
    }
    g_pool = rte_pktmbuf_pool_create("fragment_test", 4095, 0, kMbufPrivSize, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
    if (g_pool == nullptr) std::exit(1);
  }
};
[[maybe_unused]] testing::Environment* const g_eal = testing::AddGlobalTestEnvironment(new EalEnvironment);

constexpr std::string_view kConfig = R"(
zones: [{name: lan}, {name: inet}]
ports:
  - {name: lan, backend: null, mac: "02:00:00:00:01:fe", addresses: [192.168.10.1/24]}
  - {name: inet, backend: null, mac: "02:00:00:00:03:fe", mtu: 1280, addresses: [203.0.113.2/24]}
routes: [{to: 0.0.0.0/0, via: 203.0.113.1}]
neighbours:
  - {address: 203.0.113.1, mac: "02:00:00:00:03:01"}
  - {address: 192.168.10.10, mac: "02:00:00:00:01:10"}
)";

struct Captured : Transmitter {
  uint16_t transmit(uint16_t port, rte_mbuf** packets, uint16_t count) override {
    for (uint16_t i = 0; i < count; ++i) {
      const auto* data = rte_pktmbuf_mtod(packets[i], const uint8_t*);
      frames[port].emplace_back(data, data + rte_pktmbuf_data_len(packets[i]));
      rte_pktmbuf_free(packets[i]);
    }
    return count;
  }
  std::map<uint16_t, std::vector<test::Bytes>> frames;
};

struct NoPunt : PuntSink {
  uint16_t punt(rte_mbuf**, uint16_t) override { return 0; }
};

class FragmentTest : public testing::Test {
 protected:
  FragmentTest() {
    auto loaded = config::load_config_text(kConfig, "test");
    config_ = std::get<config::Config>(loaded);
    snapshot_ = Snapshot::build(config_, 1, "", {{"lan", 0, {}}, {"inet", 1, {}}});
    context_.snapshot = snapshot_.get();
    slow_path_.use_snapshot(snapshot_.get());
  }

  void send_from_lan(const test::Bytes& frame) {
    Burst burst;
    burst.pkts[0] = test::to_mbuf(g_pool, frame);
    ASSERT_NE(burst.pkts[0], nullptr);
    burst.pkts[0]->port = 0;
    burst.count = 1;
    pipeline_receive(context_, burst, ParseOptions{});
    pipeline_process(context_, burst);
  }

  static test::Bytes lan_udp(size_t payload, bool dont_fragment) {
    test::Ipv4 ip{.source = "192.168.10.10", .destination = "198.51.100.10", .ttl = 64, .id = 0x1234,
                  .dont_fragment = dont_fragment};
    test::Udp udp{.source_port = 5000, .destination_port = 6000, .payload = test::Bytes(payload)};
    for (size_t i = 0; i < payload; ++i) udp.payload[i] = static_cast<uint8_t>(i * 7);
    return test::ipv4_frame({.source = "02:00:00:00:01:10", .destination = "02:00:00:00:01:fe"}, ip, udp);
  }

  config::Config config_;
  std::unique_ptr<Snapshot> snapshot_;
  NeighbourTable neighbours_{64};
  Captured tx_;
  NoPunt punt_;
  EveRing eve_;
  WorkerContext context_{0, g_pool, neighbours_, tx_, punt_, eve_};
  SlowPath slow_path_{context_, neighbours_};
};

TEST_F(FragmentTest, DatagramWithoutDontFragmentIsSplitToFitTheEgressMtu) {
  const test::Bytes original = lan_udp(1400, false);  // 1428-byte datagram, egress MTU 1280
  send_from_lan(original);
  ASSERT_EQ(tx_.frames[1].size(), 2u);
  test::Bytes reassembled;
  for (size_t i = 0; i < 2; ++i) {
    const test::Bytes& f = tx_.frames[1][i];
    const auto* ip = reinterpret_cast<const rte_ipv4_hdr*>(f.data() + 14);
    EXPECT_LE(rte_be_to_cpu_16(ip->total_length), 1280);
    EXPECT_EQ(rte_be_to_cpu_16(ip->packet_id), 0x1234);
    EXPECT_EQ(ip->time_to_live, 63);
    EXPECT_EQ(ipv4_header_checksum(*ip), ip->hdr_checksum);
    const uint16_t flags = rte_be_to_cpu_16(ip->fragment_offset);
    EXPECT_EQ((flags & RTE_IPV4_HDR_MF_FLAG) != 0, i == 0);
    EXPECT_EQ((flags & RTE_IPV4_HDR_OFFSET_MASK) * 8u, reassembled.size());
    EXPECT_EQ(f[0], 0x02);
    EXPECT_EQ(f[5], 0x01) << "to the inet gateway's MAC";
    reassembled.insert(reassembled.end(), f.begin() + 34, f.begin() + 14 + rte_be_to_cpu_16(ip->total_length));
  }
  EXPECT_EQ(reassembled, test::Bytes(original.begin() + 34, original.end()));
  EXPECT_EQ(context_.counters.packets_fragmented, 1u);
  EXPECT_EQ(context_.counters.fragments_created, 2u);
  EXPECT_TRUE(tx_.frames[0].empty());
}

TEST_F(FragmentTest, DatagramWithDontFragmentIsDroppedWithFragmentationNeeded) {
  send_from_lan(lan_udp(1400, true));
  EXPECT_TRUE(tx_.frames[1].empty());
  ASSERT_EQ(tx_.frames[0].size(), 1u);
  const test::Bytes& f = tx_.frames[0][0];
  EXPECT_EQ(f[14 + 9], IPPROTO_ICMP);
  const uint8_t* icmp = f.data() + 34;
  EXPECT_EQ(icmp[0], 3);
  EXPECT_EQ(icmp[1], 4);
  EXPECT_EQ(icmp[6] << 8 | icmp[7], 1280) << "next-hop MTU";
  EXPECT_EQ(context_.counters.ports[0].drops[static_cast<unsigned>(DropReason::kMtuExceeded)], 1u);
}

TEST_F(FragmentTest, DatagramThatFitsIsForwardedWhole) {
  send_from_lan(lan_udp(1000, false));
  ASSERT_EQ(tx_.frames[1].size(), 1u);
  EXPECT_EQ(context_.counters.packets_fragmented, 0u);
}

}  // namespace
}  // namespace torwart::dataplane
