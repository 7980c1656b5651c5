// The `nat` section: source NAT rules and port forwards, and the errors the loader names with their place.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rules/config/load.hpp"

namespace torwart::config {
namespace {

constexpr std::string_view kPorts = R"(
zones: [{name: lan}, {name: inet}]
ports:
  - {name: lan, zone: lan, backend: null, addresses: [192.168.10.1/24, 2001:db8:10::1/64]}
  - {name: inet, zone: inet, backend: null, addresses: [2001:db8:f00::2/64, 203.0.113.2/24]}
  - {name: v6only, zone: inet, backend: null, addresses: [2001:db8:f01::2/64]}
)";

LoadResult load_with(std::string_view nat) {
  return load_config_text(std::string(kPorts) + std::string(nat), "nat.yaml");
}

std::vector<ConfigError> errors_of(std::string_view nat) {
  auto result = load_with(nat);
  if (auto* errors = std::get_if<std::vector<ConfigError>>(&result)) return *errors;
  return {};
}

MATCHER_P3(IsError, path, line, reason_part, "") {
  return arg.path == path && arg.line == line && arg.file == "nat.yaml" &&
         arg.reason.find(reason_part) != std::string::npos;
}

TEST(ConfigNat, WithoutANatSectionNothingIsTranslated) {
  auto result = load_with("");
  ASSERT_TRUE(std::holds_alternative<Config>(result));
  EXPECT_TRUE(std::get<Config>(result).nat.empty());
}

TEST(ConfigNat, SourceRulesAndForwardsAreRead) {
  auto result = load_with(R"(
nat:
  source:
    - {name: lan-masquerade, out: inet, from: [lan], translate_to: interface}
    - {name: narrow, out: lan, ports: 20000-20999}
  forwards:
    - {name: web, in: inet, protocol: tcp, port: 8443, to: 192.168.10.20, to_port: 443}
    - {name: dns, in: inet, protocol: udp, port: 53, to: 192.168.10.21}
)");
  ASSERT_TRUE(std::holds_alternative<Config>(result))
      << std::get<std::vector<ConfigError>>(result)[0].to_string();
  const Nat& nat = std::get<Config>(result).nat;
  ASSERT_EQ(nat.source.size(), 2u);
  EXPECT_EQ(nat.source[0].name, "lan-masquerade");
  EXPECT_EQ(nat.source[0].out_interface, "inet");
  EXPECT_EQ(nat.source[0].from_zones, std::vector<std::string>{"lan"});
  EXPECT_EQ(nat.source[0].first_port, 1024);
  EXPECT_EQ(nat.source[0].last_port, 65535);
  EXPECT_TRUE(nat.source[1].from_zones.empty());
  EXPECT_EQ(nat.source[1].first_port, 20000);
  EXPECT_EQ(nat.source[1].last_port, 20999);
  ASSERT_EQ(nat.forwards.size(), 2u);
  EXPECT_EQ(nat.forwards[0].protocol, kProtoTcp);
  EXPECT_EQ(nat.forwards[0].port, 8443);
  EXPECT_EQ(nat.forwards[0].to, *IpAddress::parse("192.168.10.20"));
  EXPECT_EQ(nat.forwards[0].to_port, 443);
  EXPECT_EQ(nat.forwards[1].protocol, kProtoUdp);
  EXPECT_EQ(nat.forwards[1].to_port, 53) << "to_port defaults to the public port";
}

TEST(ConfigNat, InterfacesZonesAndAddressesAreChecked) {
  EXPECT_THAT(errors_of(R"(
nat:
  source:
    - {name: a, out: wan, from: [lan]}
    - {name: b, out: v6only}
    - {name: c, out: inet, from: [dmz]}
  forwards:
    - {name: d, in: inet, protocol: tcp, port: 80, to: 2001:db8:10::20}
)"),
              ::testing::ElementsAre(IsError("nat.source[0].out", 10, "interface 'wan' does not exist"),
                                     IsError("nat.source[1].out", 11, "no IPv4 address"),
                                     IsError("nat.source[2].from[0]", 12, "zone 'dmz' is not declared"),
                                     IsError("nat.forwards[0].to", 14, "not an IPv4 address")));
}

TEST(ConfigNat, ShapeErrorsNameTheirPlace) {
  EXPECT_THAT(errors_of(R"(
nat:
  source:
    - {name: a, out: inet, ports: 2000-1000}
    - {name: a, out: inet, translate_to: 198.51.100.1}
    - {out: inet, portz: 1}
  forwards:
    - {name: f, in: inet, protocol: icmp, port: 0, to: 192.168.10.20}
)"),
              ::testing::ElementsAre(IsError("nat.source[0].ports", 10, "not a port range"),
                                     IsError("nat.source[1].name", 11, "used twice"),
                                     IsError("nat.source[1].translate_to", 11, "only 'interface'"),
                                     IsError("nat.source[2].portz", 12, "unknown key"),
                                     IsError("nat.source[2].name", 12, "needs a name"),
                                     IsError("nat.forwards[0].protocol", 14, "expected tcp or udp"),
                                     IsError("nat.forwards[0].port", 14, "outside 1..65535")));
}

TEST(ConfigNat, ConflictsAreRefused) {
  EXPECT_THAT(errors_of(R"(
nat:
  source:
    - {name: a, out: inet, from: [lan]}
    - {name: b, out: inet, ports: 40000-50000}
  forwards:
    - {name: f, in: inet, protocol: tcp, port: 8443, to: 192.168.10.20}
    - {name: g, in: inet, protocol: tcp, port: 8443, to: 192.168.10.21}
    - {name: h, in: inet, protocol: udp, port: 8443, to: 192.168.10.21}
)"),
              ::testing::ElementsAre(IsError("nat.source[1].ports", 11, "same port range"),
                                     IsError("nat.forwards[1].port", 14, "already forwarded by 'f'")));
}

}  // namespace
}  // namespace torwart::config
