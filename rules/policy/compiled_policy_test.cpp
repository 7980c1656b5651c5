#include "rules/policy/compiled_policy.hpp"

#include <gtest/gtest.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <set>

#include "rules/config/load.hpp"

namespace torwart::policy {
namespace {

using config::Family;
using config::IpAddress;
using config::IpPrefix;
using config::PolicyAction;

class EalEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* args[] = {"policy_test",    "--no-huge", "--no-pci", "--no-shconf",
                          "--no-telemetry", "-m",        "256",      "--log-level=*:warning"};
    std::vector<char*> argv;
    for (const char* arg : args) argv.push_back(const_cast<char*>(arg));
    if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
      // An ASSERT here would only skip every test quietly.
      std::fprintf(stderr, "rte_eal_init failed: %s\n", rte_strerror(rte_errno));
      std::exit(1);
    }
  }
};
[[maybe_unused]] ::testing::Environment* const g_eal =
    ::testing::AddGlobalTestEnvironment(new EalEnvironment);

// Zones lan=0, kdn=1, inet=2 (their order under `zones`).
constexpr std::string_view kBase = R"(
zones: [{name: lan}, {name: kdn}, {name: inet}]
ports:
  - {name: lan, backend: null, addresses: [192.168.10.1/24]}
  - {name: kdn, backend: null, addresses: [10.200.0.2/24]}
  - {name: inet, backend: null, addresses: [203.0.113.2/24]}
)";
enum Zone : uint8_t { kLan = 0, kKdn = 1, kInet = 2 };

config::Config load(std::string_view policy_yaml) {
  auto result = config::load_config_text(std::string(kBase) + std::string(policy_yaml), "test.yaml");
  if (auto* errors = std::get_if<std::vector<config::ConfigError>>(&result)) {
    ADD_FAILURE() << (*errors)[0].to_string();
    return {};
  }
  return std::get<config::Config>(result);
}

std::unique_ptr<CompiledPolicy> compile(const config::Config& config) {
  auto result = CompiledPolicy::compile(config, zones_in_config_order(config));
  if (auto* errors = std::get_if<std::vector<CompileError>>(&result)) {
    ADD_FAILURE() << (*errors)[0].to_string();
    return nullptr;
  }
  return std::move(std::get<std::unique_ptr<CompiledPolicy>>(result));
}

PolicyQuery query(uint8_t from, uint8_t to, const char* src, const char* dst, uint8_t proto = 6,
                  uint16_t dst_port = 80, uint16_t src_port = 40000) {
  PolicyQuery q;
  const IpAddress s = *IpAddress::parse(src);
  const IpAddress d = *IpAddress::parse(dst);
  q.family = s.family;
  q.src = s.bytes;
  q.dst = d.bytes;
  q.proto = proto;
  q.from_zone = from;
  q.to_zone = to;
  q.src_port = src_port;
  q.dst_port = dst_port;
  return q;
}

uint16_t icmp(unsigned type, unsigned code) {
  return static_cast<uint16_t>(type << 8 | code);
}

// The name of the rule that decides a query, "default" for none.
std::string decided_by(const CompiledPolicy& policy, const PolicyQuery& q) {
  return std::string(policy.classify(q).rule_name);
}

TEST(CompiledPolicy, FirstMatchWins) {
  const auto config = load(R"(
policy:
  rules:
    - {name: block-one-host, source: [192.168.10.66], action: drop}
    - {name: lan-anything, from: [lan], action: accept}
    - {name: never-reached, from: [lan], source: [192.168.10.0/24], action: reject}
)");
  auto policy = compile(config);
  ASSERT_TRUE(policy);
  const auto blocked = policy->classify(query(kLan, kInet, "192.168.10.66", "203.0.113.9"));
  EXPECT_EQ(blocked.rule, 0u);
  EXPECT_EQ(blocked.rule_name, "block-one-host");
  EXPECT_EQ(blocked.action, PolicyAction::kDrop);
  EXPECT_TRUE(blocked.log) << "drop logs by default";
  const auto passed = policy->classify(query(kLan, kInet, "192.168.10.67", "203.0.113.9"));
  EXPECT_EQ(passed.rule, 1u);
  EXPECT_EQ(passed.action, PolicyAction::kAccept);
  EXPECT_FALSE(passed.log) << "accept does not log by default";
}

TEST(CompiledPolicy, ZonesMatchExactlyAndOmittedMeansAny) {
  const auto config = load(R"(
policy:
  rules:
    - {name: lan-to-kdn, from: [lan], to: [kdn], action: accept}
    - {name: kdn-or-inet-to-lan, from: [kdn, inet], to: [lan], action: reject}
    - {name: anything-to-inet, to: [inet], action: accept, log: true}
)");
  auto policy = compile(config);
  ASSERT_TRUE(policy);
  EXPECT_EQ(decided_by(*policy, query(kLan, kKdn, "1.1.1.1", "2.2.2.2")), "lan-to-kdn");
  EXPECT_EQ(decided_by(*policy, query(kKdn, kLan, "1.1.1.1", "2.2.2.2")), "kdn-or-inet-to-lan");
  EXPECT_EQ(decided_by(*policy, query(kInet, kLan, "1.1.1.1", "2.2.2.2")), "kdn-or-inet-to-lan");
  EXPECT_EQ(decided_by(*policy, query(kKdn, kInet, "1.1.1.1", "2.2.2.2")), "anything-to-inet");
  EXPECT_EQ(decided_by(*policy, query(kLan, kInet, "::1", "::2")), "anything-to-inet");
  EXPECT_EQ(decided_by(*policy, query(kInet, kKdn, "1.1.1.1", "2.2.2.2")), "default");
  EXPECT_EQ(decided_by(*policy, query(kLan, kLan, "1.1.1.1", "2.2.2.2")), "default");
  EXPECT_TRUE(policy->classify(query(kKdn, kInet, "1.1.1.1", "2.2.2.2")).log);
}

// The box itself (`local`) is reached only by rules that name it; a rule without `from` or `to` covers every
// declared zone and never the box, in the classifier and in the application-rule walk alike.
TEST(CompiledPolicy, OnlyRulesThatNameLocalReachTheBox) {
  const auto config = load(R"(
policy:
  rules:
    - {name: ssh-to-box, from: [lan], to: [local], service: [tcp/22], action: accept}
    - {name: box-out, from: [local], action: accept}
    - {name: everything, action: accept}
    - {name: app-anywhere, app: [http], action: drop}
)");
  auto policy = compile(config);
  ASSERT_TRUE(policy);
  const auto local = static_cast<uint8_t>(config::kLocalZoneIndex);
  EXPECT_EQ(decided_by(*policy, query(kLan, local, "192.168.10.9", "192.168.10.1", 6, 22)), "ssh-to-box");
  EXPECT_EQ(decided_by(*policy, query(kLan, local, "192.168.10.9", "192.168.10.1", 6, 80)), "default");
  EXPECT_EQ(decided_by(*policy, query(kInet, local, "198.51.100.1", "203.0.113.2", 6, 22)), "default");
  EXPECT_EQ(decided_by(*policy, query(local, kInet, "203.0.113.2", "198.51.100.1", 17, 53)), "box-out");
  EXPECT_EQ(decided_by(*policy, query(kLan, kInet, "192.168.10.9", "198.51.100.1")), "everything");
  EXPECT_EQ(decided_by(*policy, query(local, local, "127.0.0.1", "127.0.0.1")), "default");
  EXPECT_FALSE(policy->classify(query(kLan, local, "192.168.10.9", "192.168.10.1", 6, 80)).app_pending);
}

TEST(CompiledPolicy, LocalIsNotAZoneToDeclare) {
  auto result = config::load_config_text(
      "zones: [{name: local}]\nports: [{name: p, zone: local, backend: null}]\n", "t.yaml");
  ASSERT_TRUE(std::holds_alternative<std::vector<config::ConfigError>>(result));
  EXPECT_NE(std::get<std::vector<config::ConfigError>>(result)[0].reason.find("`local` is the box itself"),
            std::string::npos);
}

TEST(CompiledPolicy, NestedObjectGroupsExpand) {
  const auto config = load(R"(
objects:
  addresses:
    - {name: rathaus-clients, members: [192.168.10.0/24, 2001:db8:10::/64]}
    - {name: kdn-servers, members: [10.20.0.0/24, kdn-mail]}
    - {name: kdn-mail, members: [10.20.9.25]}
    - {name: all-kdn, members: [kdn-servers, 2001:db8:20::/48]}
  services:
    - {name: web, members: [tcp/80, tcp/443, tcp/8000-8080]}
    - {name: dns, members: [udp/53, tcp/53]}
policy:
  rules:
    - name: lan-web-to-kdn
      from: [lan]
      to: [kdn]
      source: [rathaus-clients]
      destination: [all-kdn]
      service: [web, dns]
      action: accept
)");
  auto policy = compile(config);
  ASSERT_TRUE(policy);
  // v4: 1 source x 2 destinations x 5 services; v6: 1 x 1 x 5.
  EXPECT_EQ(policy->acl_entries_v4(), 10u);
  EXPECT_EQ(policy->acl_entries_v6(), 5u);
  const char* accepted = "lan-web-to-kdn";
  EXPECT_EQ(decided_by(*policy, query(kLan, kKdn, "192.168.10.5", "10.20.9.25", 6, 443)), accepted);
  EXPECT_EQ(decided_by(*policy, query(kLan, kKdn, "192.168.10.5", "10.20.0.200", 17, 53)), accepted);
  EXPECT_EQ(decided_by(*policy, query(kLan, kKdn, "192.168.10.5", "10.20.9.26", 6, 443)), "default");
  EXPECT_EQ(decided_by(*policy, query(kLan, kKdn, "192.168.11.5", "10.20.0.1", 6, 443)), "default");
  EXPECT_EQ(decided_by(*policy, query(kLan, kKdn, "192.168.10.5", "10.20.0.1", 17, 443)), "default");
  EXPECT_EQ(decided_by(*policy, query(kLan, kKdn, "2001:db8:10::7", "2001:db8:20:ff::1", 6, 8080)), accepted);
  EXPECT_EQ(decided_by(*policy, query(kLan, kKdn, "2001:db8:11::7", "2001:db8:20:ff::1", 6, 8080)),
            "default");
}

TEST(CompiledPolicy, FamiliesNeverCross) {
  const auto config = load(R"(
policy:
  rules:
    - {name: v4-only, source: [0.0.0.0/0], action: accept}
    - {name: v6-web, destination: ["::/0"], service: [tcp/443], action: accept}
    - {name: mixed-impossible, source: [10.0.0.0/8], destination: ["2001:db8::/32"], action: accept}
    - {name: any-address, service: [udp/123], action: reject}
)");
  auto policy = compile(config);
  ASSERT_TRUE(policy);
  EXPECT_EQ(decided_by(*policy, query(kLan, kInet, "10.1.1.1", "9.9.9.9", 17, 123)), "v4-only");
  EXPECT_EQ(decided_by(*policy, query(kLan, kInet, "2001:db8::1", "2001:db8::2", 6, 443)), "v6-web");
  EXPECT_EQ(decided_by(*policy, query(kLan, kInet, "2001:db8::1", "2001:db8::2", 17, 123)), "any-address");
  EXPECT_EQ(decided_by(*policy, query(kLan, kInet, "2001:db8::1", "2001:db8::2", 6, 80)), "default");
  // An IPv4-mapped IPv6 address is still IPv6.
  EXPECT_EQ(decided_by(*policy, query(kLan, kInet, "::ffff:10.0.0.1", "2001:db8::2", 6, 80)), "default");
}

TEST(CompiledPolicy, PrefixBoundariesIncludingIpv6WordEdges) {
  const auto config = load(R"(
policy:
  rules:
    - {name: v4-31, destination: [198.51.100.6/31], action: accept}
    - {name: v6-33, destination: ["2001:db8:8000::/33"], action: accept}
    - {name: v6-65, destination: ["2001:db8:1:2:8000::/65"], action: accept}
    - {name: v6-128, destination: ["2001:db8::ffff"], action: accept}
)");
  auto policy = compile(config);
  ASSERT_TRUE(policy);
  EXPECT_EQ(decided_by(*policy, query(kLan, kInet, "1.1.1.1", "198.51.100.5")), "default");
  EXPECT_EQ(decided_by(*policy, query(kLan, kInet, "1.1.1.1", "198.51.100.6")), "v4-31");
  EXPECT_EQ(decided_by(*policy, query(kLan, kInet, "1.1.1.1", "198.51.100.7")), "v4-31");
  EXPECT_EQ(decided_by(*policy, query(kLan, kInet, "1.1.1.1", "198.51.100.8")), "default");
  EXPECT_EQ(decided_by(*policy, query(kLan, kInet, "::1", "2001:db8:8000::1")), "v6-33");
  EXPECT_EQ(decided_by(*policy, query(kLan, kInet, "::1", "2001:db8:ffff:ffff::")), "v6-33");
  EXPECT_EQ(decided_by(*policy, query(kLan, kInet, "::1", "2001:db8:7fff:ffff::")), "default");
  EXPECT_EQ(decided_by(*policy, query(kLan, kInet, "::1", "2001:db8:1:2:8000::1")), "v6-65");
  EXPECT_EQ(decided_by(*policy, query(kLan, kInet, "::1", "2001:db8:1:2:7fff::1")), "default");
  EXPECT_EQ(decided_by(*policy, query(kLan, kInet, "::1", "2001:db8::ffff")), "v6-128");
  EXPECT_EQ(decided_by(*policy, query(kLan, kInet, "::1", "2001:db8::fffe")), "default");
}

TEST(CompiledPolicy, PortRangesAtTheirBoundaries) {
  const auto config = load(R"(
policy:
  rules:
    - {name: alt-web, service: [tcp/8000-8080], action: accept}
    - {name: port-zero, service: [udp/0], action: accept}
    - {name: top-port, service: [udp/65535], action: accept}
    - {name: all-tcp, service: [tcp], action: reject}
)");
  auto policy = compile(config);
  ASSERT_TRUE(policy);
  auto tcp = [&](uint16_t port) {
    return decided_by(*policy, query(kLan, kInet, "1.1.1.1", "2.2.2.2", 6, port));
  };
  auto udp = [&](uint16_t port) { return decided_by(*policy, query(kLan, kInet, "::1", "::2", 17, port)); };
  EXPECT_EQ(tcp(7999), "all-tcp");
  EXPECT_EQ(tcp(8000), "alt-web");
  EXPECT_EQ(tcp(8080), "alt-web");
  EXPECT_EQ(tcp(8081), "all-tcp");
  EXPECT_EQ(tcp(0), "all-tcp");
  EXPECT_EQ(tcp(65535), "all-tcp");
  EXPECT_EQ(udp(0), "port-zero");
  EXPECT_EQ(udp(1), "default");
  EXPECT_EQ(udp(65534), "default");
  EXPECT_EQ(udp(65535), "top-port");
  // Byte order: 0x1f40 (8000) read in the wrong order would be 0x401f (16415).
  EXPECT_EQ(tcp(16415), "all-tcp");
}

TEST(CompiledPolicy, SourcePortsAreNeverMatched) {
  const auto config = load(R"(
policy:
  rules:
    - {name: dns, service: [udp/53], action: accept}
)");
  auto policy = compile(config);
  ASSERT_TRUE(policy);
  EXPECT_EQ(decided_by(*policy, query(kLan, kInet, "1.1.1.1", "2.2.2.2", 17, 53, 0)), "dns");
  EXPECT_EQ(decided_by(*policy, query(kLan, kInet, "1.1.1.1", "2.2.2.2", 17, 53, 65535)), "dns");
  EXPECT_EQ(decided_by(*policy, query(kLan, kInet, "1.1.1.1", "2.2.2.2", 17, 40000, 53)), "default");
}

TEST(CompiledPolicy, IcmpTypesAndCodes) {
  const auto config = load(R"(
objects:
  services:
    - {name: ping, members: [icmp/echo-request, icmpv6/echo-request]}
policy:
  rules:
    - {name: ping, service: [ping], action: accept}
    - {name: frag-needed, service: [icmp/3/4, icmpv6/packet-too-big], action: accept}
    - {name: type-13, service: [icmp/13], action: reject}
)");
  auto policy = compile(config);
  ASSERT_TRUE(policy);
  auto v4 = [&](unsigned type, unsigned code) {
    return decided_by(*policy, query(kLan, kInet, "1.1.1.1", "2.2.2.2", 1, icmp(type, code), 0x1234));
  };
  auto v6 = [&](unsigned type, unsigned code) {
    return decided_by(*policy, query(kLan, kInet, "::1", "::2", 58, icmp(type, code), 0x1234));
  };
  EXPECT_EQ(v4(8, 0), "ping");
  EXPECT_EQ(v4(8, 255), "ping") << "without a code every code of the type matches";
  EXPECT_EQ(v4(0, 0), "default") << "echo-reply is not echo-request";
  EXPECT_EQ(v4(7, 255), "default");
  EXPECT_EQ(v4(9, 0), "default");
  EXPECT_EQ(v4(3, 4), "frag-needed");
  EXPECT_EQ(v4(3, 3), "default");
  EXPECT_EQ(v4(3, 5), "default");
  EXPECT_EQ(v4(13, 0), "type-13");
  EXPECT_EQ(v4(128, 0), "default") << "ICMPv6 echo-request's number means nothing in ICMP";
  EXPECT_EQ(v6(128, 0), "ping");
  EXPECT_EQ(v6(8, 0), "default");
  EXPECT_EQ(v6(2, 0), "frag-needed");
  EXPECT_EQ(v6(13, 0), "default") << "icmp/13 is IPv4 only";
  // ICMP with TCP's protocol number does not match ICMP rules.
  EXPECT_EQ(decided_by(*policy, query(kLan, kInet, "1.1.1.1", "2.2.2.2", 6, icmp(8, 0))), "default");
}

TEST(CompiledPolicy, ProtocolNumbersWithoutPorts) {
  const auto config = load(R"(
policy:
  rules:
    - {name: gre, service: [proto/47], action: accept}
    - {name: everything, action: reject, log: false}
)");
  auto policy = compile(config);
  ASSERT_TRUE(policy);
  EXPECT_EQ(decided_by(*policy, query(kLan, kInet, "1.1.1.1", "2.2.2.2", 47, 0, 0)), "gre");
  EXPECT_EQ(decided_by(*policy, query(kLan, kInet, "::1", "::2", 47, 0, 0)), "gre");
  const auto rest = policy->classify(query(kLan, kInet, "1.1.1.1", "2.2.2.2", 50, 0, 0));
  EXPECT_EQ(rest.rule_name, "everything");
  EXPECT_EQ(rest.action, PolicyAction::kReject);
  EXPECT_FALSE(rest.log);
}

TEST(CompiledPolicy, WithoutAPolicySectionEverythingIsDroppedAndLogged) {
  const auto config = load("");
  auto policy = compile(config);
  ASSERT_TRUE(policy);
  EXPECT_EQ(policy->rule_count(), 0u);
  for (const char* dst : {"2.2.2.2", "2001:db8::1"}) {
    const auto verdict = policy->classify(query(kLan, kInet, dst, dst));
    EXPECT_TRUE(verdict.is_default());
    EXPECT_EQ(verdict.rule, kDefaultRule);
    EXPECT_EQ(verdict.rule_name, "default");
    EXPECT_EQ(verdict.action, PolicyAction::kDrop);
    EXPECT_TRUE(verdict.log);
  }
}

TEST(CompiledPolicy, ConfiguredDefaultVerdict) {
  const auto config = load(R"(
policy:
  default: {action: reject, log: false}
  rules:
    - {name: v6-only, destination: ["::/0"], action: accept}
)");
  auto policy = compile(config);
  ASSERT_TRUE(policy);
  EXPECT_EQ(policy->acl_entries_v4(), 0u) << "no IPv4 classifier is built for an IPv6-only policy";
  const auto verdict = policy->classify(query(kLan, kInet, "1.1.1.1", "2.2.2.2"));
  EXPECT_TRUE(verdict.is_default());
  EXPECT_EQ(verdict.action, PolicyAction::kReject);
  EXPECT_FALSE(verdict.log);
  EXPECT_EQ(decided_by(*policy, query(kLan, kInet, "::1", "::2")), "v6-only");
}

TEST(CompiledPolicy, BurstsLongerThanOneChunkMixFamilies) {
  const auto config = load(R"(
policy:
  rules:
    - {name: v4-even, destination: [10.0.0.0/24], service: [tcp/2-2], action: accept}
    - {name: v6-all, destination: ["2001:db8::/64"], action: reject}
)");
  auto policy = compile(config);
  ASSERT_TRUE(policy);
  std::vector<PolicyQuery> queries;
  for (unsigned i = 0; i < 200; ++i) {
    if (i % 3 == 0) {
      queries.push_back(query(kLan, kKdn, "2001:db8::9", i % 2 ? "2001:db8::1" : "2001:db8:1::1"));
    } else {
      queries.push_back(query(kLan, kKdn, "192.168.10.9", "10.0.0.1", 6, static_cast<uint16_t>(i % 4)));
    }
  }
  std::vector<const PolicyQuery*> pointers;
  for (const auto& q : queries) pointers.push_back(&q);
  std::vector<PolicyVerdict> verdicts(queries.size());
  policy->classify(pointers.data(), verdicts.data(), static_cast<unsigned>(queries.size()));
  for (unsigned i = 0; i < queries.size(); ++i) {
    EXPECT_EQ(verdicts[i].rule_name, policy->classify(queries[i]).rule_name) << i;
    const char* expected = i % 3 == 0 ? (i % 2 ? "v6-all" : "default") : (i % 4 == 2 ? "v4-even" : "default");
    EXPECT_EQ(verdicts[i].rule_name, expected) << i;
  }
}

TEST(CompiledPolicy, OversizeExpansionIsAnErrorNamingTheRule) {
  config::Config config = load("");
  config::PolicyRule small{"small", {}, {}, {}, {}, {}, PolicyAction::kAccept, false};
  config::PolicyRule huge{"huge-product", {"lan", "kdn"}, {}, {}, {}, {}, PolicyAction::kAccept, false};
  for (unsigned i = 0; i < 64; ++i) {
    huge.source.push_back(IpPrefix{IpAddress::v4(0x0a000000 + (i << 8)), 24});
    huge.destination.push_back(IpPrefix{IpAddress::v4(0xc0a80000 + (i << 8)), 24});
  }
  config.policy.rules = {small, huge};  // 2 zones x 64 x 64 = 8192 entries
  auto result = CompiledPolicy::compile(config, zones_in_config_order(config));
  ASSERT_TRUE(std::holds_alternative<std::vector<CompileError>>(result));
  const auto& errors = std::get<std::vector<CompileError>>(result);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].rule, "huge-product");
  EXPECT_NE(errors[0].reason.find("8192"), std::string::npos) << errors[0].reason;
  EXPECT_EQ(errors[0].to_string().rfind("policy rule 'huge-product': ", 0), 0u);

  config.policy.rules[1].from_zones = {"lan"};  // 4096: exactly at the limit
  EXPECT_TRUE(compile(config));
}

TEST(CompiledPolicy, ZoneWithoutIndexIsAnError) {
  config::Config config = load(R"(
policy:
  rules:
    - {name: to-kdn, to: [kdn], action: accept}
)");
  auto result =
      CompiledPolicy::compile(config, [](std::string_view) -> std::optional<unsigned> { return 256; });
  ASSERT_TRUE(std::holds_alternative<std::vector<CompileError>>(result));
  EXPECT_EQ(std::get<std::vector<CompileError>>(result)[0].rule, "to-kdn");
}

TEST(CompiledPolicy, ManyPoliciesLiveSideBySide) {
  // A reload compiles the next policy while the running one is still in use: context names must not clash.
  const auto config = load(R"(
policy:
  rules:
    - {name: web, service: [tcp/80], action: accept}
)");
  std::vector<std::unique_ptr<CompiledPolicy>> policies;
  for (int i = 0; i < 20; ++i) policies.push_back(compile(config));
  for (const auto& p : policies) {
    ASSERT_TRUE(p);
    EXPECT_EQ(decided_by(*p, query(kLan, kInet, "::1", "::2", 6, 80)), "web");
  }
}

// ---------------------------------------------------------------------------------------------------------
// The key correctness test: a large random policy against a brute-force reading of the same rules.

// First matching rule by the language's definition, straight from the configuration's rules.
class ReferenceMatcher {
 public:
  explicit ReferenceMatcher(const config::Config& config) : rules_(config.policy.rules) {
    const auto zone_index = zones_in_config_order(config);
    for (const auto& r : rules_) {
      from_.emplace_back();
      to_.emplace_back();
      for (const auto& z : r.from_zones) from_.back().push_back(*zone_index(z));
      for (const auto& z : r.to_zones) to_.back().push_back(*zone_index(z));
    }
  }

  uint32_t match(const PolicyQuery& q) const {
    const IpAddress src{q.family, q.src};
    const IpAddress dst{q.family, q.dst};
    for (uint32_t i = 0; i < rules_.size(); ++i) {
      const auto& r = rules_[i];
      if (zone_matches(from_[i], q.from_zone) && zone_matches(to_[i], q.to_zone) &&
          address_matches(r.source, src) && address_matches(r.destination, dst) &&
          service_matches(r.service, q)) {
        return i;
      }
    }
    return kDefaultRule;
  }

 private:
  static bool zone_matches(const std::vector<unsigned>& zones, uint8_t index) {
    return zones.empty() || std::find(zones.begin(), zones.end(), index) != zones.end();
  }
  static bool address_matches(const std::vector<IpPrefix>& prefixes, const IpAddress& a) {
    if (prefixes.empty()) return true;
    return std::any_of(prefixes.begin(), prefixes.end(), [&](const IpPrefix& p) { return p.contains(a); });
  }
  static bool service_matches(const std::vector<config::ServiceItem>& items, const PolicyQuery& q) {
    if (items.empty()) return true;
    return std::any_of(items.begin(), items.end(), [&](const config::ServiceItem& s) {
      return (!s.family || *s.family == q.family) && s.protocol == q.proto && s.first_port <= q.dst_port &&
             q.dst_port <= s.last_port;
    });
  }

  const std::vector<config::PolicyRule>& rules_;
  std::vector<std::vector<unsigned>> from_;
  std::vector<std::vector<unsigned>> to_;
};

class RandomPolicy {
 public:
  // omit_one_in: how rarely a rule leaves out source, destination or service (matches any). Large policies
  // need it rare, or an early catch-all shadows almost everything behind it.
  RandomPolicy(uint32_t seed, unsigned omit_one_in) : rng_(seed), omit_one_in_(omit_one_in) {}

  config::Config make(unsigned rules) {
    config::Config config = load("");
    config.zones.push_back({"dmz", true});
    // A pool of prefixes that nest and overlap, so that later rules are shadowed only sometimes.
    for (unsigned i = 0; i < std::max(400u, rules / 2); ++i) pool_.push_back(random_prefix());
    for (unsigned i = 0; i < rules; ++i) {
      config::PolicyRule r;
      r.name = "rule-" + std::to_string(i);
      r.from_zones = zones();
      r.to_zones = zones();
      r.source = prefixes();
      r.destination = prefixes();
      r.service = services();
      r.action = static_cast<PolicyAction>(pick(3));
      r.log = pick(2) == 1;
      config.policy.rules.push_back(std::move(r));
    }
    return config;
  }

  PolicyQuery random_query() {
    PolicyQuery q;
    q.family = pick(2) ? Family::kIpv4 : Family::kIpv6;
    q.src = address_near(q.family);
    q.dst = address_near(q.family);
    q.from_zone = static_cast<uint8_t>(pick(5));  // 4 is a zone no rule names
    q.to_zone = static_cast<uint8_t>(pick(5));
    const unsigned kind = pick(6);
    if (kind == 0) {
      q.proto = q.family == Family::kIpv4 ? 1 : 58;
      q.dst_port = static_cast<uint16_t>(pick(2) ? icmp(pick(2) ? 8 : 128, pick(3)) : pick(65536));
    } else {
      q.proto = kind < 3 ? 6 : kind < 5 ? 17 : static_cast<uint8_t>(pick(256));
      q.dst_port = interesting_port();
    }
    q.src_port = static_cast<uint16_t>(pick(65536));
    return q;
  }

 private:
  unsigned pick(unsigned n) { return std::uniform_int_distribution<unsigned>(0, n - 1)(rng_); }

  std::vector<std::string> zones() {
    static const char* kNames[] = {"lan", "kdn", "inet", "dmz"};
    std::vector<std::string> out;
    if (pick(3) == 0) return out;
    const unsigned n = 1 + pick(2);
    for (unsigned i = 0; i < n; ++i) out.push_back(kNames[pick(4)]);
    return out;
  }

  IpPrefix random_prefix() {
    IpAddress a;
    a.family = pick(2) ? Family::kIpv4 : Family::kIpv6;
    const unsigned bits = a.family == Family::kIpv4 ? 32 : 128;
    // A few base networks so that prefixes nest and queries land inside them.
    a.bytes[0] = static_cast<uint8_t>(a.family == Family::kIpv4 ? 10 : 0x20);
    a.bytes[1] = static_cast<uint8_t>(pick(2));
    for (unsigned i = 2; i < bits / 8; ++i)
      a.bytes[i] = static_cast<uint8_t>(pick(4) == 0 ? pick(256) : pick(2));
    const unsigned length = 8 + pick(bits - 7);
    for (unsigned bit = length; bit < bits; ++bit)
      a.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
    return IpPrefix{a, static_cast<uint8_t>(length)};
  }

  std::vector<IpPrefix> prefixes() {
    std::vector<IpPrefix> out;
    if (pick(omit_one_in_) == 0) return out;
    const unsigned n = 1 + pick(3);
    for (unsigned i = 0; i < n; ++i) out.push_back(pool_[pick(static_cast<unsigned>(pool_.size()))]);
    return out;
  }

  std::array<uint8_t, 16> address_near(Family family) {
    std::array<uint8_t, 16> bytes{};
    const unsigned size = family == Family::kIpv4 ? 4 : 16;
    for (unsigned i = 0; i < size; ++i) bytes[i] = static_cast<uint8_t>(pick(4) == 0 ? pick(256) : pick(2));
    // Usually start from a pooled prefix of this family and randomise only its host bits.
    for (int tries = 0; tries < 8 && pick(5) != 0; ++tries) {
      const IpPrefix& p = pool_[pick(static_cast<unsigned>(pool_.size()))];
      if (p.address.family != family) continue;
      for (unsigned bit = 0; bit < p.length; ++bit) {
        const uint8_t mask = static_cast<uint8_t>(0x80u >> (bit % 8));
        bytes[bit / 8] = static_cast<uint8_t>((bytes[bit / 8] & ~mask) | (p.address.bytes[bit / 8] & mask));
      }
      break;
    }
    return bytes;
  }

  uint16_t interesting_port() {
    static const uint16_t kPorts[] = {0, 1, 22, 53, 80, 443, 1023, 1024, 8000, 8080, 8081, 65534, 65535};
    if (pick(3) == 0) return static_cast<uint16_t>(pick(65536));
    const uint16_t base = kPorts[pick(sizeof(kPorts) / sizeof(kPorts[0]))];
    return static_cast<uint16_t>(base + pick(3) - 1);  // on, just below and just above
  }

  std::vector<config::ServiceItem> services() {
    std::vector<config::ServiceItem> out;
    if (pick(omit_one_in_) == 0) return out;
    const unsigned n = 1 + pick(3);
    for (unsigned i = 0; i < n; ++i) {
      config::ServiceItem s;
      switch (pick(5)) {
        case 0:
        case 1: {
          static const uint16_t kPorts[] = {22, 53, 80, 443, 1024, 8000, 8080, 65535};
          s.protocol = pick(2) ? config::kProtoTcp : config::kProtoUdp;
          s.first_port = kPorts[pick(8)];
          s.last_port =
              pick(2) ? s.first_port : static_cast<uint16_t>(s.first_port + pick(65536 - s.first_port));
          break;
        }
        case 2: {
          const bool v6 = pick(2);
          s.protocol = v6 ? config::kProtoIcmpv6 : config::kProtoIcmp;
          s.family = v6 ? Family::kIpv6 : Family::kIpv4;
          const unsigned type = pick(2) ? (v6 ? 128 : 8) : pick(256);
          s.first_port = static_cast<uint16_t>(type << 8);
          s.last_port = static_cast<uint16_t>(type << 8 | 0xff);
          if (pick(2)) s.first_port = s.last_port = static_cast<uint16_t>(type << 8 | pick(3));
          break;
        }
        case 3:
          s.protocol = pick(2) ? config::kProtoTcp : config::kProtoUdp;
          break;  // every port
        default:
          s.protocol = static_cast<uint8_t>(pick(256));
          break;
      }
      out.push_back(s);
    }
    return out;
  }

  std::mt19937 rng_;
  unsigned omit_one_in_;
  std::vector<IpPrefix> pool_;
};

struct Coverage {
  unsigned queries = 0;
  unsigned matched = 0;  // decided by a rule, not the default
  std::set<uint32_t> rules_hit;
};

// Compiles a random policy and checks every query's verdict against the reference.
void expect_matches_reference(unsigned rules, unsigned queries, uint32_t seed, unsigned omit_one_in,
                              Coverage& coverage) {
  RandomPolicy random(seed, omit_one_in);
  const config::Config config = random.make(rules);
  auto policy = compile(config);
  ASSERT_TRUE(policy);
  std::vector<PolicyQuery> qs;
  for (unsigned i = 0; i < queries; ++i) qs.push_back(random.random_query());
  std::vector<const PolicyQuery*> pointers;
  for (const auto& q : qs) pointers.push_back(&q);
  std::vector<PolicyVerdict> verdicts(qs.size());
  policy->classify(pointers.data(), verdicts.data(), static_cast<unsigned>(qs.size()));

  const ReferenceMatcher reference(config);
  unsigned mismatches = 0;
  for (unsigned i = 0; i < qs.size(); ++i) {
    const uint32_t expected = reference.match(qs[i]);
    if (verdicts[i].rule != expected && ++mismatches <= 10) {
      ADD_FAILURE() << "query " << i << ": classifier says rule " << verdicts[i].rule << ", reference "
                    << expected;
    }
    ++coverage.queries;
    if (expected == kDefaultRule) continue;
    ++coverage.matched;
    coverage.rules_hit.insert(seed << 20 | expected);
    EXPECT_EQ(verdicts[i].rule_name, config.policy.rules[expected].name);
    EXPECT_EQ(verdicts[i].action, config.policy.rules[expected].action);
    EXPECT_EQ(verdicts[i].log, config.policy.rules[expected].log);
  }
  EXPECT_EQ(mismatches, 0u);
}

// The comparison means something only if queries reach many rules and also fall through to the default.
void expect_meaningful(const Coverage& c, size_t min_distinct_rules) {
  EXPECT_GT(c.matched, c.queries / 5) << "too few queries match any rule";
  EXPECT_LT(c.matched, c.queries - c.queries / 20) << "too few queries reach the default";
  EXPECT_GE(c.rules_hit.size(), min_distinct_rules) << "queries reach too few distinct rules";
}

TEST(CompiledPolicy, SmallRandomPoliciesMatchTheReference) {
  Coverage coverage;
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE(seed);
    expect_matches_reference(30, 2000, seed, 4, coverage);
  }
  expect_meaningful(coverage, 100);
}

TEST(CompiledPolicy, TenThousandRulesMatchTheReference) {
  Coverage coverage;
  expect_matches_reference(10000, 20000, 4242, 50, coverage);
  std::printf("10k rules: %u of %u queries decided by %zu distinct rules\n", coverage.matched,
              coverage.queries, coverage.rules_hit.size());
  expect_meaningful(coverage, 300);
}

}  // namespace
}  // namespace torwart::policy
