// Rules with application matches: kept out of the classifier, flagged as pending when they could apply, and
// decided in rule order once the application layer answers.
#include <gtest/gtest.h>

#include "rules/config/load.hpp"
#include "rules/policy/compiled_policy.hpp"

namespace torwart::policy {
namespace {

using Answer = CompiledPolicy::AppAnswer;

constexpr std::string_view kConfig = R"(
zones: [{name: lan}, {name: inet}]
ports:
  - {name: lan, zone: lan, backend: null, addresses: [192.168.10.1/24]}
  - {name: inet, zone: inet, backend: null, addresses: [203.0.113.2/24]}
policy:
  rules:
    - {name: no-trackers, from: [lan], dns_name: ["*.tracker.example"], action: drop}
    - {name: no-casino, from: [lan], service: [tcp/443], tls_sni: ["*.casino.example"], action: reject}
    - {name: no-exe, from: [lan], service: [tcp/80], http_content_type: [application/x-msdownload], action: drop}
    - {name: web, from: [lan], to: [inet], service: [tcp/80, tcp/443], action: accept}
    - {name: only-tls-on-8443, from: [lan], service: [tcp/8443], app: [tls], action: accept}
)";

std::unique_ptr<CompiledPolicy> compiled() {
  auto loaded = config::load_config_text(kConfig, "t.yaml");
  EXPECT_TRUE(std::holds_alternative<config::Config>(loaded));
  const auto& config = std::get<config::Config>(loaded);
  auto result = CompiledPolicy::compile(config, zones_in_config_order(config));
  EXPECT_TRUE(std::holds_alternative<std::unique_ptr<CompiledPolicy>>(result));
  return std::move(std::get<std::unique_ptr<CompiledPolicy>>(result));
}

PolicyQuery query(uint16_t port) {
  PolicyQuery q;
  q.proto = 6;
  q.from_zone = 0;
  q.to_zone = 1;
  q.dst_port = port;
  q.src = {192, 168, 10, 5};
  q.dst = {198, 51, 100, 7};
  return q;
}

TEST(AppRules, ClassifierVerdictSkipsThemButFlagsTheFlowAsPending) {
  auto policy = compiled();
  ASSERT_TRUE(policy);
  EXPECT_EQ(policy->app_rule_count(), 4u);
  const PolicyVerdict https = policy->classify(query(443));
  EXPECT_EQ(https.rule_name, "web");
  EXPECT_TRUE(https.app_pending);
  const PolicyVerdict ssh = policy->classify(query(22));
  EXPECT_EQ(ssh.rule_name, "default");
  EXPECT_FALSE(ssh.app_pending);  // no application rule matches tcp/22
  // no-trackers matches every LAN connection, but a refusal by it or by the default is a refusal either way:
  // decided now, nothing provisional passes (an SMTP handshake must not reach its server while waiting).
  const PolicyVerdict smtp = policy->classify(query(25));
  EXPECT_EQ(smtp.rule_name, "default");
  EXPECT_FALSE(smtp.app_pending);
  const PolicyVerdict alt = policy->classify(query(8443));
  EXPECT_EQ(alt.rule_name, "default");
  EXPECT_TRUE(alt.app_pending);
}

TEST(AppRules, DecidedInRuleOrderOnceTheFactsAreThere) {
  auto policy = compiled();
  ASSERT_TRUE(policy);
  auto sni = [](const std::string& name, bool known) {
    return [name, known](const config::AppMatch& m) {
      if (!m.tls_sni) return Answer::kNo;  // neither the DNS nor the content-type rule is about TLS
      if (!known) return Answer::kNotYet;
      return m.tls_sni->matches(name) ? Answer::kYes : Answer::kNo;
    };
  };
  EXPECT_FALSE(policy->decide_app(query(443), sni("", false)).has_value());
  auto casino = policy->decide_app(query(443), sni("www.casino.example", true));
  ASSERT_TRUE(casino.has_value());
  EXPECT_EQ(casino->rule_name, "no-casino");
  EXPECT_EQ(casino->action, config::PolicyAction::kReject);
  auto fine = policy->decide_app(query(443), sni("www.bund.de", true));
  ASSERT_TRUE(fine.has_value());
  EXPECT_EQ(fine->rule_name, "web");
  EXPECT_FALSE(fine->app_pending);

  auto is_tls = [](bool tls) {
    return [tls](const config::AppMatch& m) {
      return m.apps.empty() ? Answer::kNo : (tls ? Answer::kYes : Answer::kNo);
    };
  };
  EXPECT_EQ(policy->decide_app(query(8443), is_tls(true))->rule_name, "only-tls-on-8443");
  EXPECT_EQ(policy->decide_app(query(8443), is_tls(false))->rule_name, "default");
}

}  // namespace
}  // namespace torwart::policy
