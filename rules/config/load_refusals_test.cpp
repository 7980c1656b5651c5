// Configurations that YAML or a lenient reader would take with a different meaning than the author's, and
// the loader must refuse (or, for the port-forward rule, point out): each with its place and its reason.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rules/config/load.hpp"
#include "rules/config/memory_need.hpp"

namespace torwart::config {
namespace {

using ::testing::HasSubstr;

std::vector<ConfigError> errors_of(std::string_view text) {
  auto result = load_config_text(text, "test.yaml");
  if (auto* errors = std::get_if<std::vector<ConfigError>>(&result)) return *errors;
  return {};
}

std::string describe(const std::vector<ConfigError>& errors) {
  std::string out;
  for (const auto& e : errors) out += e.to_string() + "\n";
  return out;
}

bool loads(std::string_view text) {
  return std::holds_alternative<Config>(load_config_text(text, "test.yaml"));
}

// Seven lines with the leading newline: appended text starts on line 8.
constexpr std::string_view kMinimal = R"(
zones:
  - name: lan
ports:
  - name: lan
    backend: null
    addresses: [192.168.1.1/24]
)";

TEST(ConfigRefusals, ARepeatedKeyIsRefusedWithBothLines) {
  auto errors = errors_of(R"(
zones: [{name: lan}]
ports:
  - name: lan
    backend: null
    name: wan
)");
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].path, "ports[0].name");
  EXPECT_EQ(errors[0].line, 6);
  EXPECT_EQ(errors[0].column, 5);
  EXPECT_THAT(errors[0].reason, HasSubstr("'name' is given twice in this mapping (lines 4 and 6)"));

  errors = errors_of(std::string(kMinimal) + "zones: [{name: dmz}]\n");
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].path, "zones");
  EXPECT_THAT(errors[0].reason, HasSubstr("lines 2 and 8"));

  // In flow style and deep inside, too.
  errors =
      errors_of(std::string(kMinimal) + "policy:\n  rules:\n    - {name: a, action: accept, action: drop}\n");
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].path, "policy.rules[0].action");
}

TEST(ConfigRefusals, ASecondDocumentIsRefused) {
  auto errors = errors_of(std::string(kMinimal) + "---\nports: []\n");
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].line, 9);
  EXPECT_THAT(errors[0].reason, HasSubstr("second YAML document"));
  // A document start marker before the only document, and one with nothing after it, are harmless.
  EXPECT_TRUE(loads("---" + std::string(kMinimal)));
  EXPECT_TRUE(loads(std::string(kMinimal) + "---\n"));
  EXPECT_TRUE(loads(std::string(kMinimal) + "...\n"));
}

TEST(ConfigRefusals, BooleansAreOnlyTrueOrFalse) {
  for (const char* word : {"no", "yes", "on", "off", "n", "y", "True", "FALSE", "1"}) {
    auto errors = errors_of(std::string(kMinimal) + "dataplane: {hugepages: " + word + "}\n");
    ASSERT_EQ(errors.size(), 1u) << word << "\n" << describe(errors);
    EXPECT_EQ(errors[0].path, "dataplane.hugepages");
    EXPECT_EQ(errors[0].line, 8);
    EXPECT_THAT(errors[0].reason, HasSubstr("write true or false")) << word;
  }
  auto errors = errors_of("zones: [{name: lan, antispoof: off}]\nports: [{name: lan, backend: null}]\n");
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].path, "zones[0].antispoof");
  EXPECT_TRUE(loads(std::string(kMinimal) + "dataplane: {hugepages: false}\n"));
  EXPECT_TRUE(loads(std::string(kMinimal) + "dataplane: {hugepages: \"true\"}\n"));
}

TEST(ConfigRefusals, ControlCharactersInNamesAndValuesAreRefused) {
  struct Case {
    std::string text;
    std::string path;
  };
  const std::vector<Case> cases = {
      {"zones: [{name: \"lan\\0\"}]\nports: [{name: lan, backend: null}]\n", "zones[0].name"},
      {"zones: [{name: lan}]\nports: [{name: \"lan\\0x\", zone: lan, backend: null}]\n", "ports[0].name"},
      {"zones: [{name: lan}]\nports: [{name: lan, backend: af_packet, device: \"eno1\\0\"}]\n",
       "ports[0].device"},
      {std::string(kMinimal) + "name: \"box\\a\"\n", "name"},
      {std::string(kMinimal) + "objects: {addresses: [{name: \"a\\tb\", members: [10.0.0.0/8]}]}\n",
       "objects.addresses[0].name"},
      {std::string(kMinimal) + "policy: {rules: [{name: \"r\\x1b[2J\", action: drop}]}\n",
       "policy.rules[0].name"},
      {std::string(kMinimal) + "management: {interface: \"eno1\\0\"}\n", "management.interface"},
      {std::string(kMinimal) + "dataplane: {control_socket: \"/run/a\\nb\"}\n", "dataplane.control_socket"},
  };
  for (const auto& c : cases) {
    // A refused zone name leaves its ports in an undeclared zone: a second error, after this one.
    auto errors = errors_of(c.text);
    ASSERT_GE(errors.size(), 1u) << c.text;
    EXPECT_EQ(errors.size(), c.path == "zones[0].name" ? 2u : 1u) << c.text << describe(errors);
    EXPECT_EQ(errors[0].path, c.path);
    EXPECT_THAT(errors[0].reason, HasSubstr("control character")) << c.path;
    // The message itself stays printable: the byte is shown escaped.
    EXPECT_EQ(errors[0].to_string().find('\0'), std::string::npos);
    EXPECT_THAT(errors[0].to_string(), HasSubstr("\\x")) << errors[0].to_string();
  }
  auto errors = errors_of(std::string(kMinimal) + "\"na\\x01me\": x\n");
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].path, "na\\x01me");
  EXPECT_THAT(errors[0].reason, HasSubstr("control character"));
}

constexpr std::string_view kManaged = R"(
zones: [{name: lan}]
ports:
  - name: lan
    backend: BACKEND
    device: DEVICE
    addresses: [192.168.1.1/24]
management:
  interface: MANAGEMENT
)";

std::vector<ConfigError> managed(std::string_view backend, std::string_view device,
                                 std::string_view management = "eth9") {
  std::string text(kManaged);
  text.replace(text.find("BACKEND"), 7, backend);
  text.replace(text.find("DEVICE"), 6, device);
  text.replace(text.find("MANAGEMENT"), 10, management);
  return errors_of(text);
}

TEST(ConfigRefusals, NoPortOfAnyBackendTakesTheManagementInterfaceOrItsVlans) {
  for (const char* backend : {"af_packet", "pcap", "tap"}) {
    auto errors = managed(backend, "eth9");
    ASSERT_EQ(errors.size(), 1u) << backend;
    EXPECT_EQ(errors[0].path, "ports[0].device");
    EXPECT_EQ(errors[0].line, 6);
    EXPECT_THAT(errors[0].reason, HasSubstr("would lock the provider out")) << backend;
  }
  for (const char* backend : {"af_packet", "pcap"}) {
    auto errors = managed(backend, "eth9.100");
    ASSERT_EQ(errors.size(), 1u) << backend;
    EXPECT_THAT(errors[0].reason, HasSubstr("is a VLAN of the management interface 'eth9'"));
    errors = managed(backend, "eth9", "eth9.100");
    ASSERT_EQ(errors.size(), 1u) << backend;
    EXPECT_THAT(errors[0].reason, HasSubstr("carries the management interface 'eth9.100' as a VLAN"));
  }
  // Only names that are the interface or one of its VLANs: eth90 is another NIC, eth9.x no VLAN.
  EXPECT_TRUE(managed("af_packet", "eth90").empty());
  EXPECT_TRUE(managed("af_packet", "eth9.x").empty());
  EXPECT_TRUE(managed("pcap", "eth8").empty());
  // A tap port without device creates the interface by the port's name.
  auto errors = errors_of(
      "zones: [{name: lan}]\nports: [{name: eth9, zone: lan, backend: tap}]\nmanagement: {interface: "
      "eth9}\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0].reason, HasSubstr("'eth9' is the management interface"));
}

constexpr std::string_view kForward = R"(
zones: [{name: lan}, {name: inet}]
ports:
  - {name: lan, backend: null, addresses: [192.168.10.1/24]}
  - {name: inet, backend: null, addresses: [203.0.113.10/24]}
nat:
  forwards:
    - {name: web, in: inet, protocol: tcp, port: 8443, to: 192.168.10.20, to_port: 443}
policy:
  rules:
    - name: web-in
      from: [inet]
      destination: [DESTINATION]
      service: [SERVICE]
      action: accept
)";

std::vector<ConfigError> forward_warnings(std::string_view destination, std::string_view service) {
  std::string text(kForward);
  text.replace(text.find("DESTINATION"), 11, destination);
  text.replace(text.find("SERVICE"), 7, service);
  std::vector<ConfigError> warnings;
  auto result = load_config_text(text, "test.yaml", &warnings);
  EXPECT_TRUE(std::holds_alternative<Config>(result)) << "a warning never refuses";
  return warnings;
}

TEST(ConfigRefusals, AnAllowRuleForTheForwardsPublicAddressIsAWarning) {
  auto warnings = forward_warnings("203.0.113.10/32", "tcp/8443");
  ASSERT_EQ(warnings.size(), 1u) << describe(warnings);
  EXPECT_EQ(warnings[0].path, "policy.rules[0].destination");
  EXPECT_EQ(warnings[0].line, 13);
  EXPECT_THAT(warnings[0].reason, HasSubstr("public address of port forward 'web' (nat.forwards[0])"));
  EXPECT_THAT(warnings[0].reason, HasSubstr("name 192.168.10.20 instead"));
  EXPECT_EQ(forward_warnings("203.0.113.10", "tcp/443").size(), 1u) << "the inside port does not help";
  EXPECT_EQ(forward_warnings("203.0.113.0/24", "tcp/8443").size(), 1u);

  EXPECT_TRUE(forward_warnings("192.168.10.20", "tcp/443").empty()) << "the right rule";
  EXPECT_TRUE(forward_warnings("0.0.0.0/0", "tcp/443").empty()) << "covers the server as well";
  EXPECT_TRUE(forward_warnings("203.0.113.10", "udp/8443").empty()) << "another protocol is not forwarded";
  EXPECT_TRUE(forward_warnings("203.0.113.0/24", "tcp/22").empty()) << "another port";
}

// FORMAT.md: "All errors are reported, not only the first."
TEST(ConfigRefusals, ABadAddressDoesNotHideABadGateway) {
  auto errors = errors_of(R"(
zones: [{name: lan}]
ports:
  - name: lan
    backend: null
    addresses: [192.168.1.1, 10.0.0.1/24]
routes:
  - to: 0.0.0.0/0
    via: 203.0.113.1
  - to: 172.16.0.0/12
    via: 10.0.0.254
    interface: nowhere
)");
  ASSERT_EQ(errors.size(), 3u) << describe(errors);
  EXPECT_EQ(errors[0].path, "ports[0].addresses[0]");
  EXPECT_EQ(errors[0].line, 6);
  EXPECT_EQ(errors[1].path, "routes[0].via");
  EXPECT_EQ(errors[1].line, 9);
  EXPECT_THAT(errors[1].reason, HasSubstr("an interface address refused above may be the cause"));
  EXPECT_EQ(errors[2].path, "routes[1].interface");
}

}  // namespace
}  // namespace torwart::config

namespace torwart::config {
namespace {

TEST(ConfigRefusals, MemoryBelowWhatTheConfigurationNeedsIsRefusedWithTheFigure) {
  auto loaded = load_config_text(default_config_text(), kDefaultConfigName);
  ASSERT_TRUE(std::holds_alternative<Config>(loaded));
  const MemoryNeed need = memory_need(std::get<Config>(loaded));
  EXPECT_LE(need.megabytes(), std::get<Config>(loaded).dataplane.memory_mb) << "the shipped default fits";
  EXPECT_GE(need.megabytes(), 2 * 128u) << "two snapshots' route tables alone are 2 x 128 MiB";

  auto errors =
      errors_of(std::string(kMinimal) + "dataplane:\n  memory_mb: 256\n  flows_per_worker: 1048576\n");
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].path, "dataplane.memory_mb");
  EXPECT_EQ(errors[0].line, 9);
  EXPECT_THAT(errors[0].reason, HasSubstr("256 MB is too little: this configuration needs at least "));
  auto minimal = load_config_text(kMinimal, "test.yaml");
  ASSERT_TRUE(std::holds_alternative<Config>(minimal));
  Config big = std::get<Config>(minimal);
  big.dataplane.flows_per_worker = 1048576;
  EXPECT_THAT(errors[0].reason, HasSubstr(std::to_string(memory_need(big).megabytes()) + " MB"));
  EXPECT_GT(memory_need(big).megabytes(), 256u + 128u) << "a million flows alone take about 190 MB";

  // Without the key the default (512) is held against the need, and the error points at the section.
  errors = errors_of(std::string(kMinimal) + "dataplane: {workers: 16}\n");
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].path, "dataplane.memory_mb");
  EXPECT_EQ(errors[0].line, 8);
  EXPECT_TRUE(loads(std::string(kMinimal) + "dataplane: {workers: 16, memory_mb: 2048}\n"));
}

// Aliases share their anchor's node: a file whose aliases multiply (10 x 8^9 leaves when expanded) or refer
// to themselves is checked in one pass over the text, and nesting deeper than any configuration is refused.
TEST(ConfigRefusals, AliasBombsLoopsAndDeepNestingEndQuickly) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    const char previous = static_cast<char>(c - 1);
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 8; ++i) bomb += std::string(i ? ", " : "") + "*" + previous;
    bomb += "]\n";
  }
  bomb += "zones: *j\n";
  EXPECT_FALSE(loads(bomb));

  EXPECT_FALSE(loads(std::string(kMinimal) + "policy: &p\n  again: *p\n"));

  const auto deep = errors_of("zones: " + std::string(100, '[') + std::string(100, ']') + "\n");
  ASSERT_FALSE(deep.empty());
  EXPECT_THAT(describe(deep), HasSubstr("nested deeper than 32 levels"));
}

}  // namespace
}  // namespace torwart::config
