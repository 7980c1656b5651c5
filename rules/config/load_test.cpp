#include "rules/config/load.hpp"

#include <gtest/gtest.h>

namespace torwart::config {
namespace {

std::vector<ConfigError> errors_of(std::string_view text) {
  auto result = load_config_text(text, "test.yaml");
  if (auto* errors = std::get_if<std::vector<ConfigError>>(&result)) return *errors;
  return {};
}

constexpr std::string_view kMinimal = R"(
zones:
  - name: lan
ports:
  - name: lan
    backend: null
    addresses: [192.168.1.1/24]
)";

TEST(ConfigLoad, TheShippedDefaultIsValid) {
  auto result = load_config_text(default_config_text(), kDefaultConfigName);
  ASSERT_TRUE(std::holds_alternative<Config>(result)) << std::get<std::vector<ConfigError>>(result)[0].to_string();
  const auto& config = std::get<Config>(result);
  ASSERT_EQ(config.ports.size(), 3u);
  EXPECT_EQ(config.ports[0].name, "lan");
  EXPECT_EQ(config.ports[1].name, "kdn");
  EXPECT_EQ(config.ports[2].name, "inet");
  EXPECT_EQ(config.routes[0].interface, "kdn") << "gateway's interface is derived from connected networks";
  EXPECT_EQ(config.neighbours[0].interface, "kdn");
}

TEST(ConfigLoad, MinimalConfigGetsDefaults) {
  auto result = load_config_text(kMinimal, "test.yaml");
  ASSERT_TRUE(std::holds_alternative<Config>(result));
  const auto& config = std::get<Config>(result);
  EXPECT_EQ(config.dataplane.workers, 1u);
  EXPECT_EQ(config.ports[0].zone, "lan");
  EXPECT_EQ(config.ports[0].mtu, 1500u);
  EXPECT_TRUE(config.zones[0].antispoof);
}

TEST(ConfigLoad, SyntaxErrorNamesLineAndColumn) {
  auto errors = errors_of("ports:\n  - name: [unclosed\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].file, "test.yaml");
  EXPECT_GE(errors[0].line, 2);
  EXPECT_NE(errors[0].reason.find("YAML syntax"), std::string::npos);
}

TEST(ConfigLoad, UnknownKeyIsAnErrorWithItsPath) {
  auto errors = errors_of(std::string(kMinimal) + "routs: []\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "routs");
  EXPECT_EQ(errors[0].line, 8);
  EXPECT_NE(errors[0].reason.find("unknown key"), std::string::npos);
}

TEST(ConfigLoad, ReportsEveryErrorNotOnlyTheFirst) {
  auto errors = errors_of(R"(
zones: [{name: lan}]
ports:
  - name: lan
    backend: carrier-pigeon
    mtu: 70000
    addresses: [192.168.1.1, 10.0.0.1/8]
)");
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].path, "ports[0].backend");
  EXPECT_EQ(errors[1].path, "ports[0].mtu");
  EXPECT_EQ(errors[2].path, "ports[0].addresses[0]");
  EXPECT_EQ(errors[2].line, 7);
  EXPECT_EQ(errors[2].to_string().rfind("test.yaml:7:", 0), 0u) << errors[2].to_string();
}

TEST(ConfigLoad, CrossReferencesAreChecked) {
  auto errors = errors_of(std::string(kMinimal) + R"(
routes:
  - to: 0.0.0.0/0
    via: 203.0.113.1
  - to: 10.0.0.0/8
    via: 192.168.1.254
    interface: nowhere
neighbours:
  - address: 198.51.100.1
    mac: 02:00:00:00:00:01
)");
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].path, "routes[0].via");
  EXPECT_EQ(errors[1].path, "routes[1].interface");
  EXPECT_EQ(errors[2].path, "neighbours[0].address");
}

TEST(ConfigLoad, UndeclaredZoneAndDuplicatesAreRefused) {
  auto errors = errors_of(R"(
zones: [{name: lan}, {name: lan}]
ports:
  - name: lan
    backend: null
    addresses: [192.168.1.1/24]
  - name: lan
    zone: dmz
    backend: null
    addresses: [192.168.1.1/24]
)");
  std::vector<std::string> paths;
  for (const auto& e : errors) paths.push_back(e.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"zones[1].name", "ports[1].name", "ports[1].addresses[0]"}));
}

TEST(ConfigLoad, VlansBecomeNamedInterfaces) {
  auto result = load_config_text(R"(
zones: [{name: lan}, {name: voip}]
ports:
  - name: lan
    backend: null
    addresses: [192.168.1.1/24]
    vlans:
      - id: 30
        zone: voip
        addresses: [192.168.30.1/24]
routes:
  - to: 172.16.0.0/12
    via: 192.168.30.254
)", "test.yaml");
  ASSERT_TRUE(std::holds_alternative<Config>(result)) << std::get<std::vector<ConfigError>>(result)[0].to_string();
  const auto& config = std::get<Config>(result);
  EXPECT_EQ(config.ports[0].vlans[0].name, "lan.30");
  EXPECT_EQ(config.routes[0].interface, "lan.30");
}

TEST(ConfigLoad, MissingFileIsAnErrorNotACrash) {
  auto result = load_config_file("/nonexistent/torwart.yaml");
  ASSERT_TRUE(std::holds_alternative<std::vector<ConfigError>>(result));
}

}  // namespace
}  // namespace torwart::config

namespace torwart::config {
namespace {

TEST(ConfigLoad, LimitsThatRunWouldRefuseAreErrorsHere) {
  auto errors = errors_of(R"(
dataplane: {workers: 17}
zones: [{name: lan}]
ports:
  - name: lan
    backend: null
    mtu: 9000
)");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].path, "dataplane.workers");
  EXPECT_EQ(errors[1].path, "ports[0].mtu");
  EXPECT_NE(errors[1].reason.find("jumbo"), std::string::npos);
}

}  // namespace
}  // namespace torwart::config

namespace torwart::config {
namespace {

TEST(ConfigLoad, MssClampTakesAutoOrAValueInRange) {
  auto result = load_config_text(R"(
zones: [{name: lan}]
ports:
  - {name: a, zone: lan, backend: null, mss_clamp: auto}
  - {name: b, zone: lan, backend: null, mss_clamp: 1400}
)", "test.yaml");
  ASSERT_TRUE(std::holds_alternative<Config>(result));
  EXPECT_EQ(std::get<Config>(result).ports[0].mss_clamp, kMssClampAuto);
  EXPECT_EQ(std::get<Config>(result).ports[1].mss_clamp, 1400u);
  auto errors = errors_of("zones: [{name: lan}]\nports: [{name: a, zone: lan, backend: null, mss_clamp: 100}]\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "ports[0].mss_clamp");
}

}  // namespace
}  // namespace torwart::config
