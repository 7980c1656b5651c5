#include "rules/config/load.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rules/config/service_item.hpp"

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
  ASSERT_TRUE(std::holds_alternative<Config>(result))
      << std::get<std::vector<ConfigError>>(result)[0].to_string();
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

// Anti-lockout: the management interface stays the kernel's; no port may take it, whatever else changes.
TEST(ConfigLoad, NoPortMayTakeTheManagementInterface) {
  constexpr std::string_view kManaged = R"(
zones: [{name: lan}, {name: kdn}]
ports:
  - name: lan
    backend: af_packet
    device: eno2
    zone: lan
    addresses: [192.168.1.1/24]
  - name: kdn
    backend: pci
    device: "0000:03:00.0"
    zone: kdn
    addresses: [10.200.0.2/24]
management:
  interface: eno1
  pci: "0000:02:00.0"
  provider: [198.51.100.0/28, "2001:db8:77::/48"]
)";
  auto loaded = load_config_text(kManaged, "test.yaml");
  ASSERT_TRUE(std::holds_alternative<Config>(loaded));
  const Config& config = std::get<Config>(loaded);
  ASSERT_TRUE(config.management.has_value());
  EXPECT_EQ(config.management->interface, "eno1");
  EXPECT_EQ(config.management->pci, "0000:02:00.0");
  ASSERT_EQ(config.management->provider.size(), 2u);

  std::string on_interface(kManaged);
  on_interface.replace(on_interface.find("device: eno2"), 12, "device: eno1");
  auto errors = errors_of(on_interface);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "ports[0].device");
  EXPECT_EQ(errors[0].line, 6);
  EXPECT_THAT(errors[0].reason, ::testing::HasSubstr("would lock the provider out"));

  std::string on_nic(kManaged);
  on_nic.replace(on_nic.find("0000:03:00.0"), 12, "0000:02:00.0");
  errors = errors_of(on_nic);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "ports[1].device");
  EXPECT_THAT(errors[0].reason, ::testing::HasSubstr("management NIC"));

  errors =
      errors_of(std::string(kMinimal) + "management: {interface: \"bad/name\", provider: [not-a-prefix]}\n");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].path, "management.interface");
  EXPECT_EQ(errors[1].path, "management.provider[0]");
  EXPECT_EQ(errors_of(std::string(kMinimal) + "management: {pci: \"0000:02:00.0\"}\n").at(0).path,
            "management.interface");
}

TEST(ConfigLoad, LoggingSetsTheSpoolAndItsRetention) {
  auto loaded = load_config_text(
      std::string(kMinimal) + "logging: {eve_file_mb: 8, eve_spool_mb: 64, retention_days: 90}\n",
      "test.yaml");
  ASSERT_TRUE(std::holds_alternative<Config>(loaded));
  EXPECT_EQ(std::get<Config>(loaded).logging.eve_file_mb, 8u);
  EXPECT_EQ(std::get<Config>(loaded).logging.eve_spool_mb, 64u);
  EXPECT_EQ(std::get<Config>(loaded).logging.retention_days, 90u);
  auto errors = errors_of(std::string(kMinimal) + "logging: {eve_file_mb: 64, eve_spool_mb: 100}\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "logging.eve_spool_mb");
  EXPECT_EQ(errors_of(std::string(kMinimal) + "logging: {retention_days: 0}\n").at(0).path,
            "logging.retention_days");
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
  EXPECT_EQ(paths, (std::vector<std::string>{"zones[1].name", "ports[1].name", "ports[1].addresses[0]",
                                             "ports[1].zone"}));
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
)",
                                 "test.yaml");
  ASSERT_TRUE(std::holds_alternative<Config>(result))
      << std::get<std::vector<ConfigError>>(result)[0].to_string();
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
)",
                                 "test.yaml");
  ASSERT_TRUE(std::holds_alternative<Config>(result));
  EXPECT_EQ(std::get<Config>(result).ports[0].mss_clamp, kMssClampAuto);
  EXPECT_EQ(std::get<Config>(result).ports[1].mss_clamp, 1400u);
  auto errors =
      errors_of("zones: [{name: lan}]\nports: [{name: a, zone: lan, backend: null, mss_clamp: 100}]\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "ports[0].mss_clamp");
}

TEST(ConfigLoad, KernelTwinsByDefaultOnlyOnWiredPortsThatServe) {
  auto result = load_config_text(R"(
zones: [{name: lan}]
ports:
  - {name: a, zone: lan, backend: af_packet, device: veth-a}
  - {name: b, zone: lan, backend: pci, device: "0000:03:00.0"}
  - {name: c, zone: lan, backend: null}
  - {name: d, zone: lan, backend: tap}
  - {name: e, zone: lan, backend: pcap, device: e.pcap}
  - {name: f, zone: lan, backend: af_packet, device: veth-f, role: mirror}
  - {name: g, zone: lan, backend: af_packet, device: veth-g, kernel_twin: false}
  - {name: h, zone: lan, backend: ring, kernel_twin: true}
)",
                                 "test.yaml");
  ASSERT_TRUE(std::holds_alternative<Config>(result))
      << std::get<std::vector<ConfigError>>(result)[0].to_string();
  std::vector<bool> twins;
  for (const auto& port : std::get<Config>(result).ports) twins.push_back(port.kernel_twin);
  EXPECT_EQ(twins, (std::vector<bool>{true, true, false, false, false, false, false, true}));
}

TEST(ConfigLoad, KernelTwinsThatCannotExistAreRefused) {
  auto errors = errors_of(R"(
zones: [{name: lan}]
ports:
  - {name: a, zone: lan, backend: tap, kernel_twin: true}
  - {name: b, zone: lan, backend: af_packet, device: veth-b, role: mirror, kernel_twin: true}
  - {name: c, zone: lan, backend: af_packet, device: c}
  - {name: d, zone: lan, backend: null, kernel_twin: maybe}
)");
  std::vector<std::string> paths;
  for (const auto& e : errors) paths.push_back(e.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"ports[0].kernel_twin", "ports[1].kernel_twin",
                                             "ports[2].kernel_twin", "ports[3].kernel_twin"}));
}

}  // namespace
}  // namespace torwart::config

// --- objects and policy ------------------------------------------------------------------------------------

namespace torwart::config {
namespace {

// kMinimal is 7 lines (with the leading newline), so the policy text below starts on line 8.
std::string with_policy(std::string_view text) {
  return std::string(kMinimal) + std::string(text);
}

MATCHER_P2(IsAt, path, line, "") {
  return arg.path == path && arg.line == line;
}

TEST(ConfigPolicy, WithoutAPolicySectionEverythingIsDroppedAndLogged) {
  auto result = load_config_text(kMinimal, "test.yaml");
  ASSERT_TRUE(std::holds_alternative<Config>(result));
  const auto& policy = std::get<Config>(result).policy;
  EXPECT_EQ(policy.default_action, PolicyAction::kDrop);
  EXPECT_TRUE(policy.default_log);
  EXPECT_TRUE(policy.rules.empty());
}

TEST(ConfigPolicy, ObjectsAreResolvedAndRulesRead) {
  auto result = load_config_text(R"(
zones: [{name: lan}, {name: kdn}]
ports:
  - {name: lan, backend: null, addresses: [192.168.10.1/24]}
  - {name: kdn, backend: null, addresses: [10.200.0.2/24]}
objects:
  addresses:
    - name: rathaus-clients
      members: [192.168.10.0/24, 2001:db8:10::/64]
    - name: kdn-servers
      members: [10.20.0.0/24, kdn-mail]
    - name: kdn-mail
      members: [10.20.0.25]
  services:
    - name: web
      members: [tcp/80, tcp/443, tcp/8000-8080]
    - name: dns
      members: [udp/53, tcp/53]
    - name: ping
      members: [icmp/echo-request, icmpv6/echo-request]
policy:
  default: {action: reject, log: false}
  rules:
    - name: lan-web-to-kdn
      from: [lan]
      to: [kdn]
      source: [rathaus-clients]
      destination: [kdn-servers, 10.30.0.0/16]
      service: [web, dns, tcp/80]
      action: accept
    - {name: ping-anywhere, service: [ping], action: accept, log: true}
    - {name: no-kdn-to-lan, from: [kdn], to: [lan], action: drop}
)",
                                 "test.yaml");
  ASSERT_TRUE(std::holds_alternative<Config>(result))
      << std::get<std::vector<ConfigError>>(result)[0].to_string();
  const auto& config = std::get<Config>(result);
  ASSERT_EQ(config.objects.addresses.size(), 3u);
  EXPECT_EQ(config.objects.addresses[1].prefixes,
            (std::vector<IpPrefix>{*IpPrefix::parse("10.20.0.0/24"), *IpPrefix::parse("10.20.0.25/32")}));
  const auto& policy = config.policy;
  EXPECT_EQ(policy.default_action, PolicyAction::kReject);
  EXPECT_FALSE(policy.default_log);
  ASSERT_EQ(policy.rules.size(), 3u);
  const auto& web = policy.rules[0];
  EXPECT_EQ(web.name, "lan-web-to-kdn");
  EXPECT_EQ(web.from_zones, std::vector<std::string>{"lan"});
  EXPECT_EQ(web.to_zones, std::vector<std::string>{"kdn"});
  EXPECT_EQ(web.source.size(), 2u);
  EXPECT_EQ(web.destination.size(), 3u);
  EXPECT_EQ(web.service.size(), 5u) << "tcp/80 named twice is kept once";
  EXPECT_EQ(web.action, PolicyAction::kAccept);
  EXPECT_FALSE(web.log) << "accept does not log unless asked";
  EXPECT_TRUE(policy.rules[1].log);
  EXPECT_TRUE(policy.rules[1].source.empty()) << "omitted means any";
  EXPECT_TRUE(policy.rules[2].log) << "drop logs by default";
  const auto& ping = policy.rules[1].service;
  ASSERT_EQ(ping.size(), 2u);
  EXPECT_EQ(ping[0], (ServiceItem{kProtoIcmp, Family::kIpv4, 0x0800, 0x08ff}));
  EXPECT_EQ(ping[1], (ServiceItem{kProtoIcmpv6, Family::kIpv6, 0x8000, 0x80ff}));
}

TEST(ConfigPolicy, UnknownNamesInRulesAreErrorsWithTheirPlace) {
  auto errors = errors_of(with_policy(R"(objects:
  addresses:
    - {name: clients, members: [192.168.1.0/24]}
policy:
  rules:
    - name: r1
      from: [lan, dmz]
      source: [clients, servers]
      service: [web]
      action: accept
)"));
  EXPECT_THAT(errors, ::testing::ElementsAre(IsAt("policy.rules[0].from[1]", 14),
                                             IsAt("policy.rules[0].source[1]", 15),
                                             IsAt("policy.rules[0].service[0]", 16)));
  EXPECT_NE(errors[0].reason.find("zone 'dmz' is not declared"), std::string::npos);
  EXPECT_NE(errors[1].reason.find("'servers' is neither a literal nor a declared address object"),
            std::string::npos);
  EXPECT_NE(errors[2].reason.find("service object"), std::string::npos);
  EXPECT_EQ(errors[1].to_string().rfind("test.yaml:15:", 0), 0u) << errors[1].to_string();
}

TEST(ConfigPolicy, ObjectErrorsUnknownMembersCyclesAndDuplicates) {
  auto errors = errors_of(with_policy(R"(objects:
  addresses:
    - {name: a, members: [b]}
    - {name: b, members: [c, nowhere]}
    - {name: c, members: [a]}
    - {name: a, members: [10.0.0.0/8]}
    - {name: tcp, members: [10.0.0.0/8]}
    - {name: hosts, members: [10.0.0.1/8, "2001:db8::1/129", []]}
    - {name: empty, members: []}
)"));
  EXPECT_THAT(errors,
              ::testing::UnorderedElementsAre(
                  IsAt("objects.addresses[3].name", 13), IsAt("objects.addresses[4].name", 14),
                  IsAt("objects.addresses[5].members[0]", 15), IsAt("objects.addresses[5].members[1]", 15),
                  IsAt("objects.addresses[5].members[2]", 15), IsAt("objects.addresses[6].members", 16),
                  IsAt("objects.addresses[1].members[1]", 11), IsAt("objects.addresses[2].members[0]", 12)));
  for (const auto& e : errors) {
    if (e.path == "objects.addresses[2].members[0]") {
      EXPECT_NE(e.reason.find("cycle: a -> b -> c -> a"), std::string::npos) << e.reason;
    }
    if (e.path == "objects.addresses[3].name") {
      EXPECT_NE(e.reason.find("declared twice"), std::string::npos);
    }
    if (e.path == "objects.addresses[4].name") {
      EXPECT_NE(e.reason.find("keyword"), std::string::npos);
    }
    if (e.path == "objects.addresses[5].members[0]") {
      EXPECT_NE(e.reason.find("host bits"), std::string::npos);
    }
  }
}

TEST(ConfigPolicy, ServiceLiteralsAreChecked) {
  auto errors = errors_of(with_policy(R"(objects:
  services:
    - name: bad
      members: [tcp/9000-8000, udp/65536, icmp/echo, icmp/packet-too-big, icmpv6/1/256, sctp/1, tcp/, proto/300]
)"));
  std::vector<std::string> paths;
  for (const auto& e : errors) {
    paths.push_back(e.path);
    EXPECT_EQ(e.line, 11) << e.path;
  }
  std::vector<std::string> expected;
  for (int i = 0; i < 8; ++i) expected.push_back("objects.services[0].members[" + std::to_string(i) + "]");
  EXPECT_EQ(paths, expected);
  ASSERT_EQ(errors.size(), 8u);
  EXPECT_NE(errors[0].reason.find("reversed"), std::string::npos) << errors[0].reason;
  EXPECT_NE(errors[2].reason.find("not an ICMP type"), std::string::npos) << errors[2].reason;
  EXPECT_NE(errors[3].reason.find("only in ICMPv6"), std::string::npos) << errors[3].reason;
  EXPECT_NE(errors[5].reason.find("not a service"), std::string::npos) << errors[5].reason;
}

TEST(ConfigPolicy, ServiceLiteralSyntax) {
  auto item = [](std::string_view text) { return parse_service_item(text)->item; };
  EXPECT_EQ(item("tcp/443"), (ServiceItem{kProtoTcp, std::nullopt, 443, 443}));
  EXPECT_EQ(item("udp/0-65535"), (ServiceItem{kProtoUdp, std::nullopt, 0, 65535}));
  EXPECT_EQ(item("tcp"), (ServiceItem{kProtoTcp, std::nullopt, 0, 65535}));
  EXPECT_EQ(item("icmp"), (ServiceItem{kProtoIcmp, Family::kIpv4, 0, 65535}));
  EXPECT_EQ(item("icmp/3/4"), (ServiceItem{kProtoIcmp, Family::kIpv4, 0x0304, 0x0304}));
  EXPECT_EQ(item("icmp/255"), (ServiceItem{kProtoIcmp, Family::kIpv4, 0xff00, 0xffff}));
  EXPECT_EQ(item("icmp/time-exceeded"), (ServiceItem{kProtoIcmp, Family::kIpv4, 0x0b00, 0x0bff}));
  EXPECT_EQ(item("icmpv6/packet-too-big/0"), (ServiceItem{kProtoIcmpv6, Family::kIpv6, 0x0200, 0x0200}));
  EXPECT_EQ(item("icmpv6/destination-unreachable"),
            (ServiceItem{kProtoIcmpv6, Family::kIpv6, 0x0100, 0x01ff}));
  EXPECT_EQ(item("icmpv6/parameter-problem"), (ServiceItem{kProtoIcmpv6, Family::kIpv6, 0x0400, 0x04ff}));
  EXPECT_EQ(item("icmp/echo-reply"), (ServiceItem{kProtoIcmp, Family::kIpv4, 0x0000, 0x00ff}));
  EXPECT_EQ(item("proto/47"), (ServiceItem{47, std::nullopt, 0, 65535}));
  EXPECT_FALSE(parse_service_item("web"));
  EXPECT_FALSE(parse_service_item("tcp-high")) << "a name that merely starts like a keyword";
  EXPECT_FALSE(item("tcp/80-"));
  EXPECT_FALSE(item("tcp/-80"));
  EXPECT_FALSE(item("tcp/+80"));
  EXPECT_FALSE(item("icmp/8/"));
}

TEST(ConfigPolicy, RuleShapeErrors) {
  auto errors = errors_of(with_policy(R"(policy:
  default: {action: accept}
  rules:
    - {from: [lan], action: accept}
    - {name: r, action: allow}
    - {name: r, action: drop, source: [], prot: tcp}
    - {name: Bad Name, to: lan}
)"));
  EXPECT_THAT(errors,
              ::testing::ElementsAre(IsAt("policy.default.action", 9), IsAt("policy.rules[0].name", 11),
                                     IsAt("policy.rules[1].action", 12), IsAt("policy.rules[2].prot", 13),
                                     IsAt("policy.rules[2].name", 13), IsAt("policy.rules[2].source", 13),
                                     IsAt("policy.rules[3].name", 14), IsAt("policy.rules[3].to", 14),
                                     IsAt("policy.rules[3].action", 14)));
  EXPECT_NE(errors[0].reason.find("must be drop or reject"), std::string::npos) << errors[0].reason;
  EXPECT_NE(errors[4].reason.find("declared twice"), std::string::npos) << errors[4].reason;
  EXPECT_NE(errors[5].reason.find("empty list"), std::string::npos) << errors[5].reason;
}

TEST(ConfigPolicy, UnknownKeysInObjectsAndPolicy) {
  auto errors = errors_of(with_policy(R"(objects:
  adresses: []
policy:
  default: {action: drop, loggen: true}
)"));
  EXPECT_THAT(errors, ::testing::ElementsAre(IsAt("objects.adresses", 9), IsAt("policy.default.loggen", 11)));
}

}  // namespace
}  // namespace torwart::config
