// Stages on real mbufs (stage_parse; the forwarding stages through pipeline_process); needs the EAL, so it
// lives in its own binary and starts the EAL once.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "dataplane/core/parse.hpp"
#include "dataplane/pipeline/pipeline.hpp"
#include "dataplane/pipeline/slow_path.hpp"
#include "rules/config/load.hpp"
#include "tests/support/packet_builder.hpp"

namespace torwart::dataplane {
namespace {

rte_mempool* g_pool = nullptr;

class EalEnvironment : public testing::Environment {
 public:
  void SetUp() override {
    const char* args[] = {"stage_parse_test", "--no-huge", "--no-pci", "--no-shconf",
                          "--no-telemetry",   "-m",        "256",      "--log-level=*:warning"};
    std::vector<char*> argv;
    for (const char* arg : args) argv.push_back(const_cast<char*>(arg));
    if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
      // An ASSERT here would only skip every test quietly.
      std::fprintf(stderr, "rte_eal_init failed: %s\n", rte_strerror(rte_errno));
      std::exit(1);
    }
    g_pool = rte_pktmbuf_pool_create("stage_parse_test", 1023, 0, kMbufPrivSize, RTE_MBUF_DEFAULT_BUF_SIZE,
                                     SOCKET_ID_ANY);
    if (g_pool == nullptr) {
      std::fprintf(stderr, "mbuf pool: %s\n", rte_strerror(rte_errno));
      std::exit(1);
    }
  }
};

[[maybe_unused]] testing::Environment* const g_eal = testing::AddGlobalTestEnvironment(new EalEnvironment);

rte_mbuf* mbuf_of(const test::Bytes& frame) {
  rte_mbuf* m = test::to_mbuf(g_pool, frame);
  EXPECT_NE(m, nullptr);
  return m;
}

void free_all(const rte_mbuf* const* mbufs, uint16_t count) {
  for (uint16_t i = 0; i < count; ++i) rte_pktmbuf_free(const_cast<rte_mbuf*>(mbufs[i]));
}

TEST(StageParse, KeepsGoodPacketsInOrderAndDropsTheRestWithTheirReason) {
  const test::Bytes good_tcp = test::ipv4_frame({}, {}, test::Tcp{});
  const test::Bytes good_udp6 = test::ipv6_frame({.vlan_id = 12}, {}, test::Udp{});
  const test::Bytes bad_checksum = test::ipv4_frame({}, {.corrupt_checksum = true}, test::Tcp{});
  const test::Bytes runt(10, 0);

  Burst burst;
  const test::Bytes* frames[] = {&bad_checksum, &good_tcp, &runt, &good_udp6};
  for (const test::Bytes* frame : frames) burst.pkts[burst.count++] = mbuf_of(*frame);
  rte_mbuf* const tcp_mbuf = burst.pkts[1];
  rte_mbuf* const udp6_mbuf = burst.pkts[3];

  stage_parse(burst, {});

  ASSERT_EQ(burst.count, 2);
  EXPECT_EQ(burst.pkts[0], tcp_mbuf);
  EXPECT_EQ(burst.pkts[1], udp6_mbuf);
  EXPECT_EQ(meta_of(tcp_mbuf).dst_port, 80);
  EXPECT_EQ(meta_of(udp6_mbuf).vlan_id, 12);
  ASSERT_EQ(burst.dropped_count, 2);
  EXPECT_EQ(meta_of(burst.dropped[0]).drop_reason, DropReason::kBadIpv4Checksum);
  EXPECT_EQ(meta_of(burst.dropped[1]).drop_reason, DropReason::kTruncatedEthernet);
  free_all(burst.pkts.data(), burst.count);
  free_all(burst.dropped.data(), burst.dropped_count);
}

// Two segments: the first holds `split` bytes of the frame, the second the rest.
rte_mbuf* chained(const test::Bytes& frame, std::size_t split) {
  rte_mbuf* head = test::to_mbuf(g_pool, std::span(frame).first(split));
  rte_mbuf* tail = test::to_mbuf(g_pool, std::span(frame).subspan(split));
  EXPECT_EQ(rte_pktmbuf_chain(head, tail), 0);
  return head;
}

TEST(StageParse, MultiSegmentFramesNeedAllHeadersInTheFirstSegment) {
  test::Tcp tcp;
  tcp.payload = test::Bytes(600, 0x33);
  const test::Bytes frame = test::ipv4_frame({}, {}, tcp);

  Burst burst;
  burst.pkts[burst.count++] = chained(frame, 14 + 20 + 20 + 100);  // headers whole in the first segment
  burst.pkts[burst.count++] = chained(frame, 14 + 20 + 10);        // TCP header split across segments
  stage_parse(burst, {});

  ASSERT_EQ(burst.count, 1);
  EXPECT_EQ(meta_of(burst.pkts[0]).l3_length, 20 + 20 + 600);
  EXPECT_EQ(meta_of(burst.pkts[0]).l4_offset, 34);
  ASSERT_EQ(burst.dropped_count, 1);
  EXPECT_EQ(meta_of(burst.dropped[0]).drop_reason, DropReason::kTruncatedEthernet);
  free_all(burst.pkts.data(), burst.count);
  free_all(burst.dropped.data(), burst.dropped_count);
}

class RecordingTransmitter final : public Transmitter {
 public:
  uint16_t transmit(uint16_t port, rte_mbuf** packets, uint16_t count) override {
    for (uint16_t i = 0; i < count; ++i) sent.emplace_back(port, packets[i]);
    return count;
  }
  std::vector<std::pair<uint16_t, rte_mbuf*>> sent;
};

class RecordingPuntSink final : public PuntSink {
 public:
  uint16_t punt(rte_mbuf** packets, uint16_t count) override {
    punted.insert(punted.end(), packets, packets + count);
    return count;
  }
  std::vector<rte_mbuf*> punted;
};

std::string destination_mac(rte_mbuf* m) {
  char text[RTE_ETHER_ADDR_FMT_SIZE];
  rte_ether_format_addr(text, sizeof text, &rte_pktmbuf_mtod(m, rte_ether_hdr*)->dst_addr);
  return text;
}

// Packets of one burst interleave gateways, on-link neighbours and an unresolved address: each must leave on
// its own port with its own next hop's MAC, in order, and only the unresolved ones go to the slow path.
TEST(StageForwarding, MixedBurstGetsEveryPacketsOwnNextHop) {
  // The default's ports and routes, with a policy that lets everything pass: this test is about next hops.
  std::string text(config::default_config_text());
  text =
      text.substr(0, text.find("\npolicy:") + 1) + "policy:\n  rules:\n    - {name: all, action: accept}\n";
  const auto config = std::get<config::Config>(config::load_config_text(text, "default"));
  std::vector<PortBinding> bindings;
  for (uint16_t i = 0; i < config.ports.size(); ++i) bindings.push_back({config.ports[i].name, i, {}});
  const auto snapshot = Snapshot::build(config, 1, "test", bindings);
  NeighbourTable neighbours(64);
  RecordingTransmitter transmitter;
  RecordingPuntSink punts, slow_punts;
  EveRing eve, slow_eve;
  WorkerContext ctx(0, g_pool, neighbours, transmitter, punts, eve);
  WorkerContext slow_context(1, g_pool, neighbours, transmitter, slow_punts, slow_eve);
  SlowPath slow_path(slow_context, neighbours);
  slow_path.use_snapshot(snapshot.get());
  ctx.snapshot = snapshot.get();

  struct Case {
    uint16_t in_port;
    std::string source, destination;
    int out_port;  // -1: punted for resolution
    std::string mac;
  };
  const std::vector<Case> cases = {
      {0, "192.168.10.10", "10.1.2.3", 1, "02:00:00:00:02:01"},      // via the KDN router
      {0, "192.168.10.10", "198.51.100.7", 2, "02:00:00:00:03:01"},  // via the Internet gateway
      {1, "10.9.9.9", "192.168.10.10", 0, "02:00:00:00:01:10"},      // on-link LAN client
      {0, "192.168.10.10", "203.0.113.77", -1, ""},                  // on-link, unresolved
      {0, "192.168.10.10", "10.4.5.6", 1, "02:00:00:00:02:01"},
      {1, "10.9.9.9", "198.51.100.8", 2, "02:00:00:00:03:01"},
      {0, "192.168.10.10", "203.0.113.78", -1, ""},
      {1, "10.9.9.9", "192.168.10.10", 0, "02:00:00:00:01:10"},
  };
  const char* port_macs[] = {"02:00:00:00:01:fe", "02:00:00:00:02:fe", "02:00:00:00:03:fe"};
  Burst burst;
  for (const Case& c : cases) {
    rte_mbuf* m = mbuf_of(test::ipv4_frame({.destination = port_macs[c.in_port]},
                                           {.source = c.source, .destination = c.destination}, test::Udp{}));
    m->port = c.in_port;
    burst.pkts[burst.count++] = m;
  }
  const std::vector<rte_mbuf*> order(burst.pkts.begin(), burst.pkts.begin() + burst.count);

  pipeline_receive(ctx, burst, {});
  pipeline_process(ctx, burst);

  std::vector<std::pair<uint16_t, rte_mbuf*>> expected_sent;
  std::vector<rte_mbuf*> expected_punted;
  for (size_t i = 0; i < cases.size(); ++i) {
    if (cases[i].out_port < 0) {
      expected_punted.push_back(order[i]);
    } else {
      EXPECT_EQ(destination_mac(order[i]), cases[i].mac) << "packet " << i;
    }
  }
  for (uint16_t port = 0; port < 3; ++port) {
    for (size_t i = 0; i < cases.size(); ++i) {
      if (cases[i].out_port == port) expected_sent.emplace_back(port, order[i]);
    }
  }
  EXPECT_EQ(transmitter.sent, expected_sent);
  EXPECT_EQ(punts.punted, expected_punted);
  for (const auto& [port, m] : transmitter.sent) rte_pktmbuf_free(m);
  free_all(punts.punted.data(), static_cast<uint16_t>(punts.punted.size()));
}

}  // namespace
}  // namespace torwart::dataplane
