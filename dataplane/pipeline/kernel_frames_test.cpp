// What the box's kernel may send out of a port's twin: route_kernel_frame on frames as the kernel builds
// them, and the pipeline on the packets it lets through (from_kernel).
#include "dataplane/pipeline/kernel_frames.hpp"

#include "dataplane/pipeline/fastpath_test_support.hpp"
#include "dataplane/pipeline/pipeline.hpp"
#include "rules/config/load.hpp"

namespace torwart::dataplane::testing_support {
namespace {

using test::Bytes;

class KernelFramesTest : public ::testing::Test {
 protected:
  KernelFrameRoute route(const Bytes& frame, uint16_t port = kLan) {
    return route_kernel_frame(*snapshot_, port, frame.data(), static_cast<uint32_t>(frame.size()));
  }
  static Bytes from_lan_twin_v4(const std::string& source, const test::Transport& transport = test::Udp{}) {
    return test::ipv4_frame({.source = kLanMac, .destination = kLanClientMac},
                            {.source = source, .destination = "192.168.10.10"}, transport);
  }
  static Bytes from_lan_twin_v6(const std::string& source, const test::Transport& transport,
                                uint8_t hop_limit = 64) {
    return test::ipv6_frame({.source = kLanMac, .destination = kLanClientMac},
                            {.source = source, .destination = "2001:db8:10::10", .hop_limit = hop_limit},
                            transport);
  }
  std::unique_ptr<Snapshot> snapshot_ = build_test_snapshot();
};

TEST_F(KernelFramesTest, ArpOfTheBoxLeavesDirectlyOnlyFromItsAddressOnThatPort) {
  const Bytes request = test::arp_frame({.source = kLanMac, .destination = "ff:ff:ff:ff:ff:ff"},
                                        test::arp_request(kLanMac, "192.168.10.1", "192.168.10.10"));
  EXPECT_EQ(route(request), KernelFrameRoute::kToWire);
  const Bytes reply =
      test::arp_frame({.source = kLanMac, .destination = kLanClientMac},
                      test::arp_reply(kLanMac, "192.168.10.1", kLanClientMac, "192.168.10.10"));
  EXPECT_EQ(route(reply), KernelFrameRoute::kToWire);
  // The kernel of the LAN twin claiming the Internet port's address, or a LAN host's: refused.
  EXPECT_EQ(route(test::arp_frame({.source = kLanMac, .destination = "ff:ff:ff:ff:ff:ff"},
                                  test::arp_request(kLanMac, "203.0.113.2", "192.168.10.10"))),
            KernelFrameRoute::kRefused);
  EXPECT_EQ(route(test::arp_frame({.source = kLanMac, .destination = "ff:ff:ff:ff:ff:ff"},
                                  test::arp_request(kLanMac, "192.168.10.10", "192.168.10.20"))),
            KernelFrameRoute::kRefused);
  EXPECT_EQ(route(request, kInet), KernelFrameRoute::kRefused) << "192.168.10.1 is not the inet port's";
}

TEST_F(KernelFramesTest, IpFromABoxAddressOnThePortGoesThroughThePipeline) {
  EXPECT_EQ(route(from_lan_twin_v4("192.168.10.1", test::Tcp{})), KernelFrameRoute::kThroughPipeline);
  EXPECT_EQ(route(from_lan_twin_v4("192.168.10.1", test::icmp_echo_request(1, 1))),
            KernelFrameRoute::kThroughPipeline);
  EXPECT_EQ(route(from_lan_twin_v6("2001:db8:10::1", test::Tcp{})), KernelFrameRoute::kThroughPipeline);
  EXPECT_EQ(route(from_lan_twin_v4("192.168.10.10")), KernelFrameRoute::kRefused) << "a LAN host's address";
  EXPECT_EQ(route(from_lan_twin_v4("203.0.113.2")), KernelFrameRoute::kRefused) << "another port's address";
  EXPECT_EQ(route(from_lan_twin_v4("192.168.30.1")), KernelFrameRoute::kRefused) << "a VLAN's address";
  EXPECT_EQ(route(from_lan_twin_v6("2001:db8:10::10", test::Udp{})), KernelFrameRoute::kRefused);
  // Other IPv6 from a link-local address (MLD reports, say) is not neighbour discovery: refused.
  EXPECT_EQ(route(from_lan_twin_v6("fe80::1", test::Udp{})), KernelFrameRoute::kRefused);
}

TEST_F(KernelFramesTest, NeighbourDiscoveryFromTheBoxLinkLocalOrUnspecifiedLeavesDirectly) {
  const auto solicitation = test::neighbour_solicitation("2001:db8:10::10", std::string(kLanMac));
  EXPECT_EQ(route(from_lan_twin_v6("2001:db8:10::1", solicitation, 255)), KernelFrameRoute::kToWire);
  EXPECT_EQ(route(from_lan_twin_v6("fe80::1", solicitation, 255)), KernelFrameRoute::kToWire);
  EXPECT_EQ(route(from_lan_twin_v6("::", test::neighbour_solicitation("2001:db8:10::1", std::nullopt), 255)),
            KernelFrameRoute::kToWire)
      << "duplicate address detection";
  const auto advertisement =
      test::neighbour_advertisement("2001:db8:10::1", std::string(kLanMac), false, true, true);
  EXPECT_EQ(route(from_lan_twin_v6("2001:db8:10::1", advertisement, 255)), KernelFrameRoute::kToWire);
  EXPECT_EQ(route(from_lan_twin_v6("2001:db8:10::10", solicitation, 255)), KernelFrameRoute::kRefused)
      << "another host's address";
  EXPECT_EQ(route(from_lan_twin_v6("fe80::1", solicitation, 64)), KernelFrameRoute::kRefused)
      << "not hop limit 255: not neighbour discovery, and link-local";
}

TEST_F(KernelFramesTest, OtherFramesAreRefused) {
  EXPECT_EQ(
      route(test::ethernet_frame({.source = kLanMac, .destination = kLanClientMac}, 0x88cc, Bytes(46, 0))),
      KernelFrameRoute::kRefused)
      << "LLDP";
  EXPECT_EQ(route(test::ipv4_frame({.source = kLanMac, .destination = kLanClientMac, .vlan_id = 30},
                                   {.source = "192.168.10.1", .destination = "192.168.10.10"}, test::Udp{})),
            KernelFrameRoute::kRefused)
      << "tagged";
  EXPECT_EQ(route(Bytes(10, 0)), KernelFrameRoute::kRefused);
  Bytes truncated = from_lan_twin_v4("192.168.10.1");
  truncated.resize(14 + 12);
  EXPECT_EQ(route(truncated), KernelFrameRoute::kRefused);
}

// The worker's side: packets the control lcore marked from_kernel.
class BoxPacketsTest : public FastPath {
 protected:
  void run_from_box(const std::vector<Bytes>& frames) {
    Burst burst = parsed(kLan, frames);
    for (uint16_t i = 0; i < burst.count; ++i) meta_of(burst.pkts[i]).from_kernel = true;
    ctx->now_ns = now_ns;
    pipeline_process(*ctx, burst);
  }
  // The test configuration with `rule` first.
  void use_policy_with(const std::string& rule) {
    std::string text = test_config_text();
    text.insert(text.find("  rules:\n") + 9, "    - " + rule + "\n");
    auto loaded = config::load_config_text(text, "box.yaml");
    ASSERT_TRUE(std::holds_alternative<config::Config>(loaded));
    const auto& config = std::get<config::Config>(loaded);
    std::vector<PortBinding> bindings;
    for (uint16_t i = 0; i < config.ports.size(); ++i)
      bindings.push_back({config.ports[i].name, i, rte_ether_addr{}});
    snapshot = Snapshot::build(config, 2, "box", bindings);
    ctx->snapshot = snapshot.get();
  }
  static Bytes box_udp(const std::string& destination, const std::string& destination_mac = kLanClientMac) {
    return test::ipv4_frame({.source = kLanMac, .destination = destination_mac},
                            {.source = "192.168.10.1", .destination = destination, .ttl = 64}, test::Udp{});
  }
};

TEST_F(BoxPacketsTest, ARuleWithoutFromLocalDoesNotLetTheBoxOut) {
  // The test policy ends with an accept rule that names no zone: it covers every declared zone, not the box.
  // Antispoof would call the box's own source spoofed, and a reject would answer the box: neither happens.
  run_from_box({box_udp("192.168.10.10")});
  EXPECT_EQ(drops(kLan, DropReason::kPolicyDrop), 1u);
  EXPECT_EQ(drops(kLan, DropReason::kSpoofedSource), 0u);
  EXPECT_EQ(tx.total(), 0u);
}

TEST_F(BoxPacketsTest, AcceptedFromLocalLeavesWithItsTtlAndTheNeighboursMac) {
  use_policy_with("{name: box-out, from: [local], action: accept}");
  // The box's kernel addressed the frame to its own idea of the neighbour: the fast path's neighbour wins.
  run_from_box({box_udp("192.168.10.10", "02:00:00:00:99:99"), box_udp("192.168.10.1")});
  ASSERT_EQ(sent_on(kLan).size(), 1u);
  const Bytes& out = sent_on(kLan)[0];
  EXPECT_EQ(mac_at(out, 0), kLanClientMac);
  EXPECT_EQ(mac_at(out, 6), kLanMac);
  EXPECT_EQ(out[14 + 8], 64) << "no TTL decrement for the box's own packets";
  EXPECT_TRUE(ipv4_header_valid(out, 14));
  // To its own address: the kernel never needs the fast path for that, and it is not answered.
  EXPECT_EQ(drops(kLan, DropReason::kLocalUnhandled), 1u);
  EXPECT_EQ(ctx->flows.counters().created, 1u) << "the box's connection is tracked";
}

// The input side: the decision is made per port (live: the ports with a twin).
class OnlyKdnHasATwin final : public KernelSink {
 public:
  bool reaches(uint16_t port) const override { return port == kKdn; }
  void deliver(rte_mbuf* m) override { rte_pktmbuf_free(m); }
};

TEST_F(BoxPacketsTest, PacketsForTheBoxReachThePolicyOnlyOnPortsWithATwin) {
  OnlyKdnHasATwin sink;
  ctx->kernel = &sink;
  run(kLan, {test::ipv4_frame({.source = kLanClientMac, .destination = kLanMac},
                              {.source = "192.168.10.10", .destination = "192.168.10.1"},
                              test::Tcp{.destination_port = 22})});
  run(kKdn, {test::ipv4_frame({.source = kKdnGatewayMac, .destination = kKdnMac},
                              {.source = "10.200.0.1", .destination = "10.200.0.2"},
                              test::Tcp{.destination_port = 22})});
  EXPECT_EQ(drops(kLan, DropReason::kLocalUnhandled), 1u) << "no twin on lan";
  EXPECT_EQ(drops(kKdn, DropReason::kLocalUnhandled), 0u);
  EXPECT_EQ(drops(kKdn, DropReason::kPolicyDrop), 1u)
      << "kdn's twin: the input policy decides (no to: [local])";
  ctx->kernel = nullptr;
}

}  // namespace
}  // namespace torwart::dataplane::testing_support
