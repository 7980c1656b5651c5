// The `local_traffic` section: defaults, per-class figures, and refusals with their place.
#include <gtest/gtest.h>

#include "rules/config/load.hpp"

namespace torwart::config {
namespace {

constexpr std::string_view kPorts = R"(
zones: [{name: lan}]
ports: [{name: lan, zone: lan, backend: null, addresses: [192.168.1.1/24]}]
)";

TEST(LocalTraffic, DefaultsHoldWithoutTheSection) {
  auto result = load_config_text(kPorts, "t.yaml");
  ASSERT_TRUE(std::holds_alternative<Config>(result));
  const auto& local = std::get<Config>(result).local_traffic;
  EXPECT_EQ(local.arp, (LocalRate{1000, 200}));
  EXPECT_EQ(local.nd, (LocalRate{1000, 200}));
  EXPECT_EQ(local.icmp, (LocalRate{500, 100}));
}

TEST(LocalTraffic, GivenClassesReplaceTheirDefaultsOnly) {
  auto result = load_config_text(
      std::string(kPorts) + "local_traffic: {icmp: {rate: 10, burst: 3}, arp: {rate: 50}}\n", "t");
  ASSERT_TRUE(std::holds_alternative<Config>(result));
  const auto& local = std::get<Config>(result).local_traffic;
  EXPECT_EQ(local.icmp, (LocalRate{10, 3}));
  EXPECT_EQ(local.arp, (LocalRate{50, 200}));
  EXPECT_EQ(local.nd, (LocalRate{1000, 200}));
}

TEST(LocalTraffic, ZeroUnknownClassesAndKeysAreRefusedWithTheirPlace) {
  auto result = load_config_text(
      std::string(kPorts) + "local_traffic: {icmp: {rate: 0}, tcp: {rate: 5}, nd: {rate: 5, brust: 2}}\n",
      "t");
  ASSERT_TRUE(std::holds_alternative<std::vector<ConfigError>>(result));
  std::string all;
  for (const auto& e : std::get<std::vector<ConfigError>>(result)) all += e.to_string() + "\n";
  EXPECT_NE(all.find("local_traffic.tcp: unknown key"), std::string::npos) << all;
  EXPECT_NE(all.find("local_traffic.icmp.rate"), std::string::npos) << all;
  EXPECT_NE(all.find("local_traffic.nd.brust: unknown key"), std::string::npos) << all;
}

}  // namespace
}  // namespace torwart::config
