// Snapshot and FIB: longest-prefix match, default routes, connected/configured/local/blackhole, VLANs.
#include "dataplane/pipeline/fastpath_test_support.hpp"

#include <variant>

#include "rules/config/load.hpp"

namespace torwart::dataplane::testing_support {
namespace {

uint32_t v4(const char* text) {
  const auto b = test::parse_ipv4(text);
  return uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3];
}

class SnapshotTest : public ::testing::Test {
 protected:
  const NextHop* hop4(const char* address) const {
    const uint32_t index = snapshot->fib().lookup_v4(v4(address));
    return index == kNoNextHop ? nullptr : &snapshot->next_hop(index);
  }
  const NextHop* hop6(const char* address) const {
    const auto bytes = test::parse_ipv6(address);
    const uint32_t index = snapshot->fib().lookup_v6(bytes.data());
    return index == kNoNextHop ? nullptr : &snapshot->next_hop(index);
  }
  std::unique_ptr<Snapshot> snapshot = build_test_snapshot();
};

std::string gateway_of(const NextHop* hop) {
  return hop != nullptr && hop->has_gateway ? hop->gateway.to_string() : "";
}

TEST_F(SnapshotTest, LongestPrefixWinsOverTheDefaultRouteV4) {
  const NextHop* kdn = hop4("10.1.2.3");
  ASSERT_NE(kdn, nullptr);
  EXPECT_EQ(kdn->kind, NextHopKind::kForward);
  EXPECT_EQ(kdn->iface, kKdnIf);
  EXPECT_EQ(gateway_of(kdn), "10.200.0.1");
  // Both halves of 0.0.0.0/0 lead to the Internet gateway.
  for (const char* address : {"8.8.8.8", "1.1.1.1", "200.1.1.1", "127.0.0.2", "255.255.255.254"}) {
    const NextHop* hop = hop4(address);
    ASSERT_NE(hop, nullptr) << address;
    EXPECT_EQ(hop->iface, kInetIf) << address;
    EXPECT_EQ(gateway_of(hop), "203.0.113.1") << address;
  }
}

TEST_F(SnapshotTest, LongestPrefixWinsOverTheDefaultRouteV6) {
  const NextHop* kdn = hop6("2001:db8:1234::5");
  ASSERT_NE(kdn, nullptr);
  EXPECT_EQ(kdn->iface, kKdnIf);
  EXPECT_EQ(gateway_of(kdn), "2001:db8:200::1");
  for (const char* address : {"2a00::1", "2001:db8:2000::1", "8000::1", "::2"}) {
    const NextHop* hop = hop6(address);
    ASSERT_NE(hop, nullptr) << address;
    EXPECT_EQ(hop->iface, kInetIf) << address;
    EXPECT_EQ(gateway_of(hop), "2001:db8:f00::1") << address;
  }
}

TEST_F(SnapshotTest, ConnectedNetworksAreOnLinkWithoutGateway) {
  const NextHop* lan = hop4("192.168.10.77");
  ASSERT_NE(lan, nullptr);
  EXPECT_EQ(lan->kind, NextHopKind::kForward);
  EXPECT_EQ(lan->iface, kLanIf);
  EXPECT_FALSE(lan->has_gateway);
  // The connected 10.200.0.0/24 is more specific than the configured 10.0.0.0/8.
  const NextHop* kdn_link = hop4("10.200.0.9");
  ASSERT_NE(kdn_link, nullptr);
  EXPECT_EQ(kdn_link->iface, kKdnIf);
  EXPECT_FALSE(kdn_link->has_gateway);
  const NextHop* lan6 = hop6("2001:db8:10::abcd");
  ASSERT_NE(lan6, nullptr);
  EXPECT_EQ(lan6->iface, kLanIf);
  EXPECT_FALSE(lan6->has_gateway);
  const NextHop* voip = hop4("192.168.30.44");
  ASSERT_NE(voip, nullptr);
  EXPECT_EQ(voip->iface, kLan30If);
}

TEST_F(SnapshotTest, TheBoxsOwnAddressesAreLocal) {
  for (const char* address : {"192.168.10.1", "10.200.0.2", "203.0.113.2", "192.168.30.1", "172.16.0.1"}) {
    const NextHop* hop = hop4(address);
    ASSERT_NE(hop, nullptr) << address;
    EXPECT_EQ(hop->kind, NextHopKind::kLocal) << address;
  }
  EXPECT_EQ(hop4("192.168.10.1")->iface, kLanIf);
  for (const char* address : {"2001:db8:10::1", "2001:db8:200::2", "2001:db8:f00::2"}) {
    const NextHop* hop = hop6(address);
    ASSERT_NE(hop, nullptr) << address;
    EXPECT_EQ(hop->kind, NextHopKind::kLocal) << address;
  }
  // Neighbours of the box's addresses are not local.
  EXPECT_EQ(hop4("192.168.10.2")->kind, NextHopKind::kForward);
  EXPECT_EQ(hop6("2001:db8:10::2")->kind, NextHopKind::kForward);
}

TEST_F(SnapshotTest, BlackholeRoutesAreMoreSpecificThanTheirCover) {
  const NextHop* hole = hop4("10.66.1.1");
  ASSERT_NE(hole, nullptr);
  EXPECT_EQ(hole->kind, NextHopKind::kBlackhole);
  EXPECT_EQ(hop4("10.67.1.1")->kind, NextHopKind::kForward);
}

TEST_F(SnapshotTest, NoDefaultRouteMeansNoRoute) {
  auto loaded = config::load_config_text(R"(
zones: [{name: lan}]
ports:
  - name: lan
    zone: lan
    backend: null
    addresses: [192.168.1.1/24, "2001:db8:1::1/64"]
)",
                                         "t.yaml");
  ASSERT_TRUE(std::holds_alternative<config::Config>(loaded));
  auto s = Snapshot::build(std::get<config::Config>(loaded), 1, "", {{"lan", 0, rte_ether_addr{}}});
  EXPECT_EQ(s->fib().lookup_v4(v4("8.8.8.8")), kNoNextHop);
  EXPECT_NE(s->fib().lookup_v4(v4("192.168.1.20")), kNoNextHop);
  EXPECT_EQ(s->fib().lookup_v6(test::parse_ipv6("2a00::1").data()), kNoNextHop);
}

TEST_F(SnapshotTest, VlanSubInterfacesAreFoundByPortAndTag) {
  EXPECT_EQ(snapshot->interface_of(kLan, 0), kLanIf);
  EXPECT_EQ(snapshot->interface_of(kLan, 30), kLan30If);
  EXPECT_EQ(snapshot->interface_of(kLan, 31), kNoInterface);
  EXPECT_EQ(snapshot->interface_of(kLan, 4095), kNoInterface);
  EXPECT_EQ(snapshot->interface_of(kKdn, 30), kNoInterface);
  EXPECT_EQ(snapshot->interface_of(kKdn, 0), kKdnIf);
  EXPECT_EQ(snapshot->interface_of(kMaxPorts, 0), kNoInterface);
  EXPECT_EQ(snapshot->interface_of(7, 0), kNoInterface);  // no such port bound
  const Interface& voip = snapshot->interface(kLan30If);
  EXPECT_EQ(voip.name, "lan.30");
  EXPECT_EQ(voip.port, kLan);
  EXPECT_EQ(voip.vlan_id, 30);
  EXPECT_EQ(snapshot->zones()[voip.zone].name, "voip");
  EXPECT_EQ(snapshot->interface(kSmallIf).mtu, 1280);
  EXPECT_EQ(snapshot->interface(kLanIf).source_v4, v4("192.168.10.1"));
  EXPECT_FALSE(snapshot->zones()[snapshot->interface(kSmallIf).zone].antispoof);
  EXPECT_TRUE(snapshot->zones()[snapshot->interface(kLanIf).zone].antispoof);
}

}  // namespace
}  // namespace torwart::dataplane::testing_support
