#include "dataplane/ids/header_match.hpp"

#include <gtest/gtest.h>

#include "rules/signatures/signature_parser.hpp"

namespace torwart::dataplane::ids {
namespace {

HeaderMatcher matcher(const std::string& header, const signatures::Variables& variables) {
  const auto parsed = signatures::parse_signature(header + " (msg:\"t\"; sid:1;)", "t.rules", 1);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().to_string());
  return HeaderMatcher::compile(parsed.signature(), variables);
}

Endpoint at(const char* address, uint16_t port) {
  return {*config::IpAddress::parse(address), port};
}

TEST(HeaderMatch, VariablesListsNegationAndPortRanges) {
  auto vars = signatures::Variables::suricata_defaults();
  vars.set_address_group("HOME_NET", "[192.168.10.0/24,2001:db8:10::/64]");
  const auto m = matcher("alert tcp $EXTERNAL_NET any -> $HOME_NET [80,8000:8080,!8008]", vars);
  EXPECT_TRUE(m.matches(6, "", at("198.51.100.7", 40000), at("192.168.10.5", 80)));
  EXPECT_TRUE(m.matches(6, "", at("198.51.100.7", 40000), at("192.168.10.5", 8080)));
  EXPECT_FALSE(m.matches(6, "", at("198.51.100.7", 40000), at("192.168.10.5", 8008)));  // negated port
  EXPECT_FALSE(m.matches(6, "", at("192.168.10.9", 40000), at("192.168.10.5", 80)));    // not external
  EXPECT_FALSE(m.matches(17, "", at("198.51.100.7", 40000), at("192.168.10.5", 80)));   // not TCP
  EXPECT_FALSE(m.matches(6, "", at("192.168.10.5", 80), at("198.51.100.7", 40000)));    // the other way
  EXPECT_TRUE(m.matches(6, "", at("2001:db8:99::1", 1), at("2001:db8:10::5", 80)));
}

TEST(HeaderMatch, BidirectionalAndApplicationProtocols) {
  const auto vars = signatures::Variables::suricata_defaults();
  const auto both = matcher("alert udp 10.0.0.1 53 <> any any", vars);
  EXPECT_TRUE(both.matches(17, "dns", at("10.0.0.1", 53), at("10.9.9.9", 5000)));
  EXPECT_TRUE(both.matches(17, "dns", at("10.9.9.9", 5000), at("10.0.0.1", 53)));
  EXPECT_FALSE(both.matches(17, "dns", at("10.9.9.9", 5000), at("10.0.0.2", 53)));
  const auto tls = matcher("alert tls any any -> any any", vars);
  EXPECT_TRUE(tls.matches(6, "tls", at("10.0.0.1", 1), at("10.0.0.2", 8443)));
  EXPECT_FALSE(tls.matches(6, "http", at("10.0.0.1", 1), at("10.0.0.2", 443)));
  EXPECT_FALSE(tls.matches(6, "", at("10.0.0.1", 1), at("10.0.0.2", 443)));
  const auto ip = matcher("alert ip !10.0.0.0/8 any -> any any", vars);
  EXPECT_TRUE(ip.matches(47, "", at("192.0.2.1", 0), at("10.0.0.2", 0)));
  EXPECT_FALSE(ip.matches(47, "", at("10.1.2.3", 0), at("192.0.2.1", 0)));
}

TEST(HeaderMatch, LongAddressListsMergeAndExcludeExactly) {
  const auto vars = signatures::Variables::suricata_defaults();
  std::string list = "[";
  for (int i = 0; i < 300; ++i)
    list += "203.0." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ",";
  list += "198.51.100.0/25,198.51.100.128/25,!198.51.100.77,2001:db8::/32,!2001:db8:bad::/48]";
  const auto m = matcher("alert ip " + list + " any -> any any", vars);
  const auto from = [&](const char* a) { return m.matches(6, "", at(a, 1), at("10.0.0.1", 2)); };
  EXPECT_TRUE(from("203.0.0.0"));
  EXPECT_TRUE(from("203.0.1.43"));   // the 300th entry
  EXPECT_FALSE(from("203.0.1.44"));  // one past the list
  EXPECT_TRUE(from("198.51.100.0"));
  EXPECT_TRUE(from("198.51.100.255"));  // the two /25 merged
  EXPECT_FALSE(from("198.51.100.77"));  // excluded inside a positive range
  EXPECT_FALSE(from("198.51.101.0"));
  EXPECT_TRUE(from("2001:db8:1::1"));
  EXPECT_FALSE(from("2001:db8:bad:1::1"));
  EXPECT_FALSE(from("2001:db9::1"));
  const auto everything_but = matcher("alert ip ![10.0.0.0/8,192.168.0.0/16] any -> any any", vars);
  EXPECT_TRUE(everything_but.matches(6, "", at("8.8.8.8", 1), at("1.1.1.1", 2)));
  EXPECT_FALSE(everything_but.matches(6, "", at("192.168.3.4", 1), at("1.1.1.1", 2)));
  EXPECT_TRUE(everything_but.matches(6, "", at("::1", 1), at("::2", 2)));
}

}  // namespace
}  // namespace torwart::dataplane::ids
