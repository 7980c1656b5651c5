#include "controlplane/management_filter/ruleset.hpp"

#include <gtest/gtest.h>

namespace torwart::controlplane::management_filter {
namespace {

FilterInputs inputs(std::vector<std::string> provider, std::optional<uint16_t> port = 8443) {
  FilterInputs in{"eno1", {}, port};
  for (const auto& p : provider) in.provider.push_back(*config::IpPrefix::parse(p));
  return in;
}

TEST(ManagementRuleset, AdmitsTheProvidersNetworksToTheApiAndDropsTheRest) {
  const std::string t = management_ruleset(inputs({"198.51.100.0/28", "2001:db8:aa::/48"}));
  EXPECT_EQ(t.rfind("table inet torwart_management\ndelete table inet torwart_management\n", 0), 0u)
      << "replaced as a whole in one transaction";
  EXPECT_NE(t.find("elements = { 198.51.100.0/28 }"), std::string::npos) << t;
  EXPECT_NE(t.find("elements = { 2001:db8:aa::/48 }"), std::string::npos) << t;
  EXPECT_NE(t.find("iifname != \"eno1\" accept"), std::string::npos) << "other interfaces untouched";
  EXPECT_NE(t.find("iifname \"eno1\" ip saddr @provider_v4 meta nfproto ipv4 tcp dport 8443"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("log prefix \"torwart-management-drop: \""), std::string::npos) << t;
  EXPECT_NE(t.find("iifname \"eno1\" counter name dropped drop\n"), std::string::npos) << t;
}

TEST(ManagementRuleset, WithoutProviderNetworksTheApiIsOpenOnTheInterface) {
  const std::string t = management_ruleset(inputs({}));
  EXPECT_EQ(t.find("provider_v4"), std::string::npos);
  EXPECT_NE(t.find("iifname \"eno1\" meta nfproto ipv4 tcp dport 8443 counter name api_admitted accept"),
            std::string::npos)
      << t;
}

TEST(ManagementRuleset, WithoutAnApiNothingIsAdmittedButEchoAndTheLink) {
  const std::string t = management_ruleset(inputs({"198.51.100.0/28"}, std::nullopt));
  EXPECT_EQ(t.find("tcp dport"), std::string::npos) << t;
}

TEST(ManagementRuleset, RefusesAnInterfaceNameNftCouldMisread) {
  for (const char* bad : {"", "eno1\" accept", "a b", "averyveryverylongname"}) {
    FilterInputs in{bad, {}, 8443};
    EXPECT_THROW(management_ruleset(in), std::invalid_argument) << bad;
  }
}

}  // namespace
}  // namespace torwart::controlplane::management_filter
