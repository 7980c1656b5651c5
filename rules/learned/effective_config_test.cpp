// The precedence between the configuration file and what the kernel twins taught the box.
#include "rules/learned/effective_config.hpp"

#include <gtest/gtest.h>

#include "rules/config/load.hpp"

namespace torwart::learned {
namespace {

constexpr std::string_view kConfig = R"(
zones: [{name: lan}, {name: kdn}, {name: inet}]
ports:
  - {name: lan, zone: lan, backend: af_packet, device: tw-lan, addresses: [192.168.10.1/24, 2001:db8:10::1/64]}
  - {name: kdn, zone: kdn, backend: af_packet, device: tw-kdn, addresses: [10.200.0.2/30]}
  - {name: inet, zone: inet, backend: af_packet, device: tw-inet, addresses: dhcp}
routes:
  - {to: 10.0.0.0/8, via: 10.200.0.1}
neighbours:
  - {address: 10.200.0.1, mac: "02:00:00:00:02:01"}
nat:
  source:
    - {name: masquerade, from: [lan], out: inet}
)";

config::Config configured() {
  auto loaded = config::load_config_text(kConfig, "learned.yaml");
  if (auto* errors = std::get_if<std::vector<config::ConfigError>>(&loaded)) {
    ADD_FAILURE() << (*errors)[0].to_string();
    return {};
  }
  return std::get<config::Config>(loaded);
}

config::InterfaceAddress address(const char* text) {
  return *config::InterfaceAddress::parse(text);
}
config::IpPrefix prefix(const char* text) {
  return *config::IpPrefix::parse(text);
}
config::IpAddress ip(const char* text) {
  return *config::IpAddress::parse(text);
}

const config::Port& port(const config::Config& c, const std::string& name) {
  for (const auto& p : c.ports) {
    if (p.name == name) return p;
  }
  throw std::runtime_error("no port " + name);
}

LearnedState dhcp_lease() {
  LearnedState s;
  s.generation = 1;
  s.addresses.push_back({"inet", address("203.0.113.7/24")});
  s.routes.push_back({prefix("203.0.113.0/24"), std::nullopt, "inet", 0, "kernel"});
  s.routes.push_back({prefix("0.0.0.0/0"), ip("203.0.113.1"), "inet", 0, "dhcp"});
  return s;
}

TEST(EffectiveConfig, ADhcpPortTakesItsLeaseAndDefaultRoute) {
  const EffectiveConfig e = effective_config(configured(), dhcp_lease());
  ASSERT_EQ(port(e.config, "inet").addresses.size(), 1u);
  EXPECT_EQ(port(e.config, "inet").addresses[0], address("203.0.113.7/24"));
  EXPECT_EQ(e.addresses_taken, 1u);
  EXPECT_EQ(e.routes_taken, 1u);  // the connected route is the snapshot's own
  ASSERT_EQ(e.config.routes.size(), 2u);
  EXPECT_EQ(e.config.routes[1].to, prefix("0.0.0.0/0"));
  EXPECT_EQ(e.config.routes[1].via, ip("203.0.113.1"));
  EXPECT_EQ(e.config.routes[1].origin, "dhcp");
  EXPECT_EQ(e.config.routes[0].origin, "");  // the file's
  EXPECT_TRUE(e.not_taken.empty());
}

TEST(EffectiveConfig, WithoutALeaseTheDhcpPortHasNoAddressAndNoDefaultRoute) {
  const EffectiveConfig e = effective_config(configured(), LearnedState{});
  EXPECT_TRUE(port(e.config, "inet").addresses.empty());
  EXPECT_EQ(e.config.routes.size(), 1u);
}

TEST(EffectiveConfig, TheFileWinsForItsPrefixesAddressesAndNeighbours) {
  LearnedState s = dhcp_lease();
  s.routes.push_back({prefix("10.0.0.0/8"), ip("10.200.0.1"), "kdn", 0, "boot"});
  s.addresses.push_back({"kdn", address("10.200.0.2/30")});  // set by torwart run itself: no news
  s.addresses.push_back({"kdn", address("10.201.0.9/24")});  // someone's `ip addr add`
  s.neighbours.push_back({"kdn", ip("10.200.0.1"), *config::MacAddress::parse("02:00:00:00:09:09")});
  const EffectiveConfig e = effective_config(configured(), s);
  ASSERT_EQ(e.not_taken.size(), 3u);
  EXPECT_EQ(e.not_taken[0].what, "address 10.201.0.9/24 on kdn");
  EXPECT_EQ(e.not_taken[0].reason, "port kdn has its addresses from the configuration");
  EXPECT_EQ(e.not_taken[1].what, "route 10.0.0.0/8 via 10.200.0.1 dev kdn (boot)");
  EXPECT_EQ(e.not_taken[1].reason, "the configuration routes 10.0.0.0/8");
  EXPECT_EQ(e.not_taken[2].reason, "the configuration pins 10.200.0.1");
  EXPECT_EQ(port(e.config, "kdn").addresses.size(), 1u);
  EXPECT_EQ(e.config.neighbours.size(), 1u);
  EXPECT_EQ(e.config.neighbours[0].mac, *config::MacAddress::parse("02:00:00:00:02:01"));
}

TEST(EffectiveConfig, LearnedRoutesNeedAReachableGatewayAndTheLowestMetricWins) {
  LearnedState s = dhcp_lease();
  s.routes.push_back({prefix("172.16.0.0/12"), ip("10.200.0.1"), "kdn", 200, "boot"});
  s.routes.push_back({prefix("172.16.0.0/12"), ip("203.0.113.9"), "inet", 100, "zebra"});
  s.routes.push_back({prefix("198.18.0.0/15"), ip("10.99.0.1"), "kdn", 0, "boot"});
  s.routes.push_back({prefix("2001:db8:77::/48"), ip("fe80::1"), "lan", 0, "ra"});
  s.routes.push_back({prefix("fe80::/64"), std::nullopt, "lan", 256, "kernel"});
  s.routes.push_back({prefix("10.9.0.0/16"), std::nullopt, "kdn", 0, "boot"});  // on-link: fine
  s.routes.push_back({prefix("10.8.0.0/16"), std::nullopt, "wlan", 0, "boot"});
  const EffectiveConfig e = effective_config(configured(), s);
  ASSERT_EQ(e.config.routes.size(), 4u);
  EXPECT_EQ(e.config.routes[1].to, prefix("0.0.0.0/0"));
  EXPECT_EQ(e.config.routes[2].to, prefix("10.9.0.0/16"));
  EXPECT_EQ(e.config.routes[3].to, prefix("172.16.0.0/12"));
  EXPECT_EQ(e.config.routes[3].interface, "inet");  // metric 100 beats 200
  EXPECT_EQ(e.config.routes[3].origin, "zebra");
  ASSERT_EQ(e.not_taken.size(), 4u);  // in the order of their metrics
  EXPECT_EQ(e.not_taken[0].reason, "gateway 10.99.0.1 is on no connected network of kdn");
  EXPECT_EQ(e.not_taken[1].reason, "gateways on link-local addresses are not supported yet");
  EXPECT_EQ(e.not_taken[2].reason, "no port is called wlan");
  EXPECT_EQ(e.not_taken[3].reason, "a route to 172.16.0.0/12 with a lower metric is taken");
  EXPECT_EQ(e.not_taken[3].what, "route 172.16.0.0/12 via 10.200.0.1 dev kdn metric 200 (boot)");
}

TEST(EffectiveConfig, ALeaseCannotTakeAnAddressTheBoxAlreadyHas) {
  LearnedState s;
  s.addresses.push_back({"inet", address("192.168.10.1/24")});
  s.addresses.push_back({"inet", address("fe80::1/64")});  // link-local: silently the fast path's own
  const EffectiveConfig e = effective_config(configured(), s);
  EXPECT_TRUE(port(e.config, "inet").addresses.empty());
  ASSERT_EQ(e.not_taken.size(), 1u);
  EXPECT_EQ(e.not_taken[0].reason, "192.168.10.1 is already the box's address on lan");
}

TEST(EffectiveConfig, PermanentNeighboursOnConnectedNetworksAreTaken) {
  LearnedState s = dhcp_lease();
  s.neighbours.push_back({"inet", ip("203.0.113.1"), *config::MacAddress::parse("02:00:00:00:03:01")});
  s.neighbours.push_back({"inet", ip("198.51.100.1"), *config::MacAddress::parse("02:00:00:00:03:02")});
  const EffectiveConfig e = effective_config(configured(), s);
  EXPECT_EQ(e.neighbours_taken, 1u);
  ASSERT_EQ(e.config.neighbours.size(), 2u);
  EXPECT_EQ(e.config.neighbours[1].address, ip("203.0.113.1"));
  ASSERT_EQ(e.not_taken.size(), 1u);
  EXPECT_EQ(e.not_taken[0].reason, "198.51.100.1 is on no connected network of inet");
}

}  // namespace
}  // namespace torwart::learned
