#include "rules/policy/expand.hpp"

#include <gtest/gtest.h>

namespace torwart::policy {
namespace {

using config::Family;
using config::IpPrefix;
using config::ServiceItem;

IpPrefix prefix(const char* text) {
  return *IpPrefix::parse(text);
}

TEST(PolicyExpand, CartesianProductPerFamily) {
  config::PolicyRule rule;
  rule.source = {prefix("10.0.0.0/8"), prefix("192.168.0.0/16"), prefix("2001:db8::/32")};
  rule.destination = {prefix("10.20.0.0/24")};
  rule.service = {ServiceItem{6, std::nullopt, 80, 80}, ServiceItem{17, std::nullopt, 53, 53}};
  ZonedRule zoned{&rule, {0, 1}, {}};
  EXPECT_EQ(expansion_size(zoned, Family::kIpv4), 2u * 1 * 2 * 1 * 2);
  EXPECT_EQ(expand(zoned, Family::kIpv4).size(), 8u);
  EXPECT_EQ(expansion_size(zoned, Family::kIpv6), 0u) << "no IPv6 destination: the rule never matches IPv6";
  EXPECT_TRUE(expand(zoned, Family::kIpv6).empty());
}

TEST(PolicyExpand, OmittedDimensionsAreOneWildcard) {
  config::PolicyRule rule;
  ZonedRule zoned{&rule, {}, {}};
  const auto v4 = expand(zoned, Family::kIpv4);
  ASSERT_EQ(v4.size(), 1u);
  EXPECT_FALSE(v4[0].protocol);
  EXPECT_FALSE(v4[0].source);
  EXPECT_FALSE(v4[0].from_zone);
  EXPECT_EQ(v4[0].first_dst_port, 0);
  EXPECT_EQ(v4[0].last_dst_port, 0xffff);
  EXPECT_EQ(expand(zoned, Family::kIpv6).size(), 1u);
}

TEST(PolicyExpand, IcmpItemsStayInTheirFamily) {
  config::PolicyRule rule;
  rule.service = {ServiceItem{1, Family::kIpv4, 8 << 8, 8 << 8 | 0xff},
                  ServiceItem{58, Family::kIpv6, 128 << 8, 128 << 8 | 0xff}};
  ZonedRule zoned{&rule, {}, {}};
  const auto v4 = expand(zoned, Family::kIpv4);
  ASSERT_EQ(v4.size(), 1u);
  EXPECT_EQ(v4[0].protocol, 1);
  const auto v6 = expand(zoned, Family::kIpv6);
  ASSERT_EQ(v6.size(), 1u);
  EXPECT_EQ(v6[0].protocol, 58);
}

}  // namespace
}  // namespace torwart::policy
