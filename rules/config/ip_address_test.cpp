#include "rules/config/ip_address.hpp"

#include <gtest/gtest.h>

namespace torwart::config {
namespace {

TEST(IpAddress, ParsesBothFamiliesAndPrintsThemBack) {
  auto v4 = IpAddress::parse("192.0.2.7");
  ASSERT_TRUE(v4);
  EXPECT_TRUE(v4->is_v4());
  EXPECT_EQ(v4->v4_host_order(), 0xc0000207u);
  EXPECT_EQ(v4->to_string(), "192.0.2.7");
  auto v6 = IpAddress::parse("2001:db8::1");
  ASSERT_TRUE(v6);
  EXPECT_FALSE(v6->is_v4());
  EXPECT_EQ(v6->to_string(), "2001:db8::1");
  EXPECT_EQ(IpAddress::v4(0xc0000207u), *v4);
}

TEST(IpAddress, RefusesGarbage) {
  for (const char* text : {"", "1.2.3", "1.2.3.256", "hello", "2001:db8:::1", "1.2.3.4/24"}) {
    EXPECT_FALSE(IpAddress::parse(text)) << text;
  }
}

TEST(IpPrefix, RequiresClearHostBitsAndMatchesContainedAddresses) {
  EXPECT_FALSE(IpPrefix::parse("10.0.0.1/8"));
  EXPECT_FALSE(IpPrefix::parse("10.0.0.0/33"));
  auto p = IpPrefix::parse("10.0.0.0/8");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->contains(*IpAddress::parse("10.255.1.2")));
  EXPECT_FALSE(p->contains(*IpAddress::parse("11.0.0.0")));
  EXPECT_FALSE(p->contains(*IpAddress::parse("::a00:1")));
  auto v6 = IpPrefix::parse("2001:db8:1000::/36");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->contains(*IpAddress::parse("2001:db8:1fff::1")));
  EXPECT_FALSE(v6->contains(*IpAddress::parse("2001:db8:2000::1")));
  EXPECT_EQ(IpPrefix::parse("0.0.0.0/0")->length, 0);
  EXPECT_EQ(IpPrefix::parse("192.0.2.1")->length, 32);
}

TEST(InterfaceAddress, KeepsHostBitsAndDerivesTheNetwork) {
  auto a = InterfaceAddress::parse("192.168.10.1/24");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->network().to_string(), "192.168.10.0/24");
  EXPECT_FALSE(InterfaceAddress::parse("192.168.10.1"));
}

TEST(MacAddress, ParsesColonForm) {
  auto mac = MacAddress::parse("02:00:00:00:01:FE");
  ASSERT_TRUE(mac);
  EXPECT_EQ(mac->to_string(), "02:00:00:00:01:fe");
  EXPECT_FALSE(MacAddress::parse("02-00-00-00-01-fe"));
  EXPECT_FALSE(MacAddress::parse("02:00:00:00:01"));
  EXPECT_FALSE(MacAddress::parse("02:00:00:00:01:fg"));
}

}  // namespace
}  // namespace torwart::config
