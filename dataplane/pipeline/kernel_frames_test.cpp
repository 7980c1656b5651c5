// What the box's kernel may send out of a port's twin: route_kernel_frame on frames as the kernel builds
// them, and the pipeline on the packets it lets through (from_kernel).
#include "dataplane/pipeline/kernel_frames.hpp"

#include "dataplane/pipeline/fastpath_test_support.hpp"
#include "dataplane/pipeline/pipeline.hpp"
#include "rules/config/load.hpp"
#include "rules/learned/effective_config.hpp"

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

// What the input policy accepts is policed too: new or unanswered packets per group of sources (a flooding
// source exhausts its own group's budget only), packets of answered connections from their own budget.
TEST_F(BoxPacketsTest, AcceptedPacketsForTheBoxArePolicedPerSourceGroup) {
  OnlyKdnHasATwin sink;
  ctx->kernel = &sink;
  use_policy_with("{name: box-in, from: [kdn], to: [local], service: [udp/9999], action: accept}");
  auto datagram = [](const char* source, uint16_t port) {
    return test::ipv4_frame({.source = kKdnGatewayMac, .destination = kKdnMac},
                            {.source = source, .destination = "10.200.0.2"},
                            test::Udp{.source_port = port, .destination_port = 9999});
  };
  for (uint16_t burst = 0; burst < 4; ++burst) {
    std::vector<Bytes> frames;
    for (uint16_t i = 0; i < 25; ++i)
      frames.push_back(datagram("10.200.0.1", static_cast<uint16_t>(1000 + burst * 25 + i)));
    run(kKdn, frames);
  }
  // local_traffic.input_new: 4000/s, burst 800, over 16 groups: 50 of the flooding source's 100 pass.
  EXPECT_EQ(punt.taken.size(), 50u);
  EXPECT_EQ(drops(kKdn, DropReason::kLocalRateExceeded), 50u);
  run(kKdn, {datagram("10.200.0.7", 2000)});
  EXPECT_EQ(punt.taken.size(), 51u) << "another peer's new packet has its own group's budget";
  ctx->kernel = nullptr;
}

// The test configuration with the inet port on `addresses: dhcp` (and without what named its addresses).
std::string dhcp_test_config() {
  std::string text = test_config_text();
  auto replace = [&](const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    if (at == std::string::npos) throw std::runtime_error("test configuration has no '" + from + "'");
    text.replace(at, from.size(), to);
  };
  // A null port has no twin by default; the snapshot does not care whether one really exists.
  replace("addresses: [203.0.113.2/24, 2001:db8:f00::2/64]", "addresses: dhcp\n    kernel_twin: true");
  replace("  - to: 0.0.0.0/0\n    via: 203.0.113.1\n", "");
  replace("  - to: ::/0\n    via: 2001:db8:f00::1\n", "");
  replace("  - {address: 203.0.113.1, mac: \"02:00:00:00:03:01\"}\n", "");
  replace("  - {address: \"2001:db8:f00::1\", mac: \"02:00:00:00:03:01\"}\n", "");
  return text;
}

// A port with `addresses: dhcp` (the inet port here, before and after its lease): DHCP between the twin's
// client and the server passes in both directions as ARP does; on other ports it is nobody's.
// A port with `addresses: dhcp` (the inet port here, before and after its lease): DHCP between the twin's
// client and the server passes in both directions as ARP does; on other ports it is nobody's.
class DhcpPortTest : public FastPath {
 protected:
  // `lease`: the address the mirror would have added; `extra`: appended to the configuration text.
  void use_dhcp_on_inet(const std::string& lease, const std::string& extra = "",
                        const std::optional<config::Route>& route = std::nullopt) {
    auto loaded = config::load_config_text(dhcp_test_config() + extra, "dhcp.yaml");
    ASSERT_TRUE(std::holds_alternative<config::Config>(loaded))
        << std::get<std::vector<config::ConfigError>>(loaded)[0].to_string();
    config::Config config = std::get<config::Config>(loaded);
    if (!lease.empty()) config.ports[kInet].addresses.push_back(*config::InterfaceAddress::parse(lease));
    if (route) config.routes.push_back(*route);
    std::vector<PortBinding> bindings;
    for (uint16_t i = 0; i < config.ports.size(); ++i)
      bindings.push_back({config.ports[i].name, i, rte_ether_addr{}});
    snapshot = Snapshot::build(config, ++version_, "dhcp", bindings);
    ctx->snapshot = snapshot.get();
    slow->use_snapshot(snapshot.get());
  }
  // The worker again, with NAT tables (the fixture's has none).
  void use_nat_worker() {
    ctx = std::make_unique<WorkerContext>(0, pool(), neighbours, tx, punt, eve, RateLimits{},
                                          FragmentLimits{}, conntrack::FlowTableConfig{1024, {}, -1},
                                          nat::NatTableConfig{1024, 1024, 1});
  }
  uint64_t version_ = 1;
  static Bytes client_message(const char* source_mac, const std::string& source, uint16_t from = 68,
                              uint16_t to = 67) {
    return test::ipv4_frame({.source = source_mac, .destination = "ff:ff:ff:ff:ff:ff"},
                            {.source = source, .destination = "255.255.255.255"},
                            test::Udp{.source_port = from, .destination_port = to, .payload = Bytes(300, 0)});
  }
  static Bytes offer(const char* to_mac, uint16_t port_from = 67) {
    return test::ipv4_frame(
        {.source = kInetGatewayMac, .destination = to_mac},
        {.source = "203.0.113.1", .destination = "203.0.113.50"},
        test::Udp{.source_port = port_from, .destination_port = 68, .payload = Bytes(300, 0)});
  }
  KernelFrameRoute route(const Bytes& frame, uint16_t port) {
    return route_kernel_frame(*snapshot, port, frame.data(), static_cast<uint32_t>(frame.size()));
  }
};

TEST_F(DhcpPortTest, TheTwinsClientMessagesLeaveOnlyOnItsDhcpPort) {
  use_dhcp_on_inet("");
  EXPECT_EQ(route(client_message(kInetMac, "0.0.0.0"), kInet), KernelFrameRoute::kToWire) << "DISCOVER";
  EXPECT_EQ(route(client_message(kLanMac, "0.0.0.0"), kLan), KernelFrameRoute::kRefused)
      << "the LAN port has its addresses from the file";
  EXPECT_EQ(route(client_message(kInetMac, "0.0.0.0", 68, 53), kInet), KernelFrameRoute::kRefused)
      << "not to the server port";
  EXPECT_EQ(route(client_message(kInetMac, "0.0.0.0", 5000, 67), kInet), KernelFrameRoute::kRefused);
  use_dhcp_on_inet("203.0.113.50/24");
  EXPECT_EQ(route(client_message(kInetMac, "203.0.113.50"), kInet), KernelFrameRoute::kToWire) << "RENEW";
}

TEST_F(DhcpPortTest, ServerMessagesReachTheTwinOnlyOnItsDhcpPortAndArePoliced) {
  use_dhcp_on_inet("");
  std::vector<Bytes> offers(60, offer(kInetMac));
  run(kInet, offers);
  ASSERT_EQ(punt.taken.size(), 10u) << "the dhcp bucket's burst (10) passes, the rest is policed";
  for (rte_mbuf* m : punt.taken) EXPECT_TRUE(meta_of(m).for_kernel);
  EXPECT_EQ(drops(kInet, DropReason::kLocalRateExceeded), 50u);
  run(kLan, {test::ipv4_frame({.source = kLanClientMac, .destination = kLanMac},
                              {.source = "192.168.10.10", .destination = "192.168.10.1"},
                              test::Udp{.source_port = 67, .destination_port = 68})});
  EXPECT_EQ(punt.taken.size(), 10u) << "a DHCP reply to the LAN port is no lease of the box's";
}

TEST_F(DhcpPortTest, MasqueradeWithoutALeaseDropsInsteadOfLeakingTheInsideSource) {
  // Without a lease there is no default route either: an on-link route stands for the learned one here.
  use_dhcp_on_inet(
      "", "nat:\n  source:\n    - {name: masq, out: inet, from: [lan]}\n",
      config::Route{*config::IpPrefix::parse("198.51.100.0/24"), std::nullopt, "inet", false, ""});
  use_nat_worker();
  ctx->snapshot = snapshot.get();
  ctx->now_ns = now_ns;
  run(kLan, {test::ipv4_frame({.source = kLanClientMac, .destination = kLanMac},
                              {.source = "192.168.10.10", .destination = "198.51.100.10"},
                              test::Udp{.source_port = 40000, .destination_port = 53})});
  EXPECT_EQ(drops(kLan, DropReason::kNatNoAddress), 1u);
  EXPECT_EQ(tx.total(), 0u) << "left with its inside source";
}

// The lease as the kernel mirror hands it over, merged by the fast path's precedence rule.
learned::LearnedState lease_of(const std::string& address) {
  learned::LearnedState state;
  state.generation = 1;
  state.addresses.push_back({"inet", *config::InterfaceAddress::parse(address)});
  state.routes.push_back(
      {*config::IpPrefix::parse("0.0.0.0/0"), config::IpAddress::parse("203.0.113.1"), "inet", 0, "dhcp"});
  state.neighbours.push_back(
      {"inet", *config::IpAddress::parse("203.0.113.1"), *config::MacAddress::parse(kInetGatewayMac)});
  return state;
}

TEST_F(DhcpPortTest, ANewLeaseEndsConnectionsTranslatedToTheOldAddress) {
  auto loaded = config::load_config_text(
      dhcp_test_config() + "nat:\n  source:\n    - {name: masq, out: inet, from: [lan]}\n", "lease.yaml");
  ASSERT_TRUE(std::holds_alternative<config::Config>(loaded));
  const auto& configured = std::get<config::Config>(loaded);
  std::vector<PortBinding> bindings;
  for (uint16_t i = 0; i < configured.ports.size(); ++i)
    bindings.push_back({configured.ports[i].name, i, rte_ether_addr{}});
  // Two snapshots of the same configuration version, as `learned` installs them (each with its epoch).
  auto with_lease = [&](const std::string& address, uint32_t epoch) {
    const learned::EffectiveConfig effective = learned::effective_config(configured, lease_of(address));
    EXPECT_TRUE(effective.not_taken.empty());
    snapshot = Snapshot::build(effective.config, 5, "lease", bindings);
    snapshot->set_epoch(epoch);
    ctx->snapshot = snapshot.get();
    slow->use_snapshot(snapshot.get());
  };
  use_nat_worker();
  ctx->now_ns = now_ns;
  auto datagram = [](uint16_t port) {
    return test::ipv4_frame({.source = kLanClientMac, .destination = kLanMac},
                            {.source = "192.168.10.10", .destination = "198.51.100.10"},
                            test::Udp{.source_port = port, .destination_port = 53});
  };
  with_lease("203.0.113.50/24", 7);
  run(kLan, {datagram(40000)});
  ASSERT_EQ(sent_on(kInet).size(), 1u);
  EXPECT_EQ(ipv4_at(sent_on(kInet)[0], 14 + 12), "203.0.113.50");

  with_lease("203.0.113.60/24", 8);
  run(kLan, {datagram(40000), datagram(40001)});
  EXPECT_EQ(drops(kLan, DropReason::kNatAddressChanged), 1u) << "the old connection's next packet ends it";
  ASSERT_EQ(sent_on(kInet).size(), 2u);
  EXPECT_EQ(ipv4_at(sent_on(kInet)[1], 14 + 12), "203.0.113.60") << "a new connection uses the new lease";
  run(kLan, {datagram(40000)});
  ASSERT_EQ(sent_on(kInet).size(), 3u) << "the client's next packet opens it anew";
  EXPECT_EQ(ipv4_at(sent_on(kInet)[2], 14 + 12), "203.0.113.60");
}

}  // namespace
}  // namespace torwart::dataplane::testing_support
