// The rule header and the descriptive keywords.
#include <gtest/gtest.h>

#include "rules/signatures/network_expression.hpp"
#include "rules/signatures/test_helpers.hpp"

namespace torwart::signatures {
namespace {

using testing::options_of;
using testing::parse_fails;
using testing::parse_ok;
using testing::rule_with;

TEST(SignatureHeader, ActionsIncludingRejectVariants) {
  EXPECT_EQ(parse_ok("alert tcp any any -> any any (sid:1;)").action, Action::alert);
  EXPECT_EQ(parse_ok("drop tcp any any -> any any (sid:1;)").action, Action::drop);
  EXPECT_EQ(parse_ok("pass tcp any any -> any any (sid:1;)").action, Action::pass);
  const auto reject = parse_ok("reject tcp any any -> any any (sid:1;)");
  EXPECT_EQ(reject.action, Action::reject);
  EXPECT_EQ(reject.reject_target, RejectTarget::source);
  EXPECT_EQ(parse_ok("rejectdst tcp any any -> any any (sid:1;)").reject_target, RejectTarget::destination);
  EXPECT_EQ(parse_ok("rejectboth tcp any any -> any any (sid:1;)").reject_target, RejectTarget::both);
  EXPECT_EQ(parse_ok("rejectsrc tcp any any -> any any (sid:1;)").reject_target, RejectTarget::source);
  EXPECT_EQ(parse_fails("block tcp any any -> any any (sid:1;)").keyword, "action");
}

TEST(SignatureHeader, ProtocolsAreKeptAsText) {
  for (const char* protocol :
       {"ip", "tcp", "udp", "icmp", "http", "tls", "dns", "smb", "ssh", "ftp", "smtp"}) {
    EXPECT_EQ(parse_ok(std::string("alert ") + protocol + " any any -> any any (sid:1;)").protocol, protocol);
  }
  const auto error = parse_fails("alert htp any any -> any any (sid:1;)");
  EXPECT_EQ(error.keyword, "protocol");
  EXPECT_EQ(error.kind, ErrorKind::syntax);
}

TEST(SignatureHeader, AddressListsWithNegationAndVariables) {
  const auto signature = parse_ok(
      "alert ip [10.0.0.0/8,![10.1.0.0/16,$DNS_SERVERS],2001:db8::/32] any -> !$HOME_NET any (sid:1;)");
  ASSERT_EQ(signature.source_address.kind, NetworkExpression::Kind::list);
  ASSERT_EQ(signature.source_address.items.size(), 3U);
  const auto& nested = signature.source_address.items[1];
  EXPECT_TRUE(nested.negated);
  EXPECT_EQ(nested.kind, NetworkExpression::Kind::list);
  EXPECT_EQ(nested.items[1].kind, NetworkExpression::Kind::variable);
  EXPECT_EQ(nested.items[1].text, "DNS_SERVERS");
  EXPECT_TRUE(signature.destination_address.negated);
  EXPECT_EQ(to_string(signature.source_address), "[10.0.0.0/8,![10.1.0.0/16,$DNS_SERVERS],2001:db8::/32]");
}

TEST(SignatureHeader, AddressListWithSpacesAndHostBits) {
  const auto signature = parse_ok("alert ip [1.1.1.1, 108.160.162.0/20] any -> any any (sid:1;)");
  EXPECT_EQ(signature.source_address.items.size(), 2U);
  EXPECT_EQ(parse_address_literal("108.160.162.0/20")->to_string(), "108.160.160.0/20");
  EXPECT_EQ(parse_address_literal("10.0.0.0/255.0.0.0")->to_string(), "10.0.0.0/8");
}

TEST(SignatureHeader, PortRanges) {
  const auto signature = parse_ok("alert tcp any [1024:,!8080] -> any [:80,80:90,$HTTP_PORTS] (sid:1;)");
  EXPECT_EQ(to_string(signature.source_port), "[1024:,!8080]");
  EXPECT_EQ(parse_port_range("1024:"), (std::pair<std::uint16_t, std::uint16_t>{1024, 65535}));
  EXPECT_EQ(parse_port_range(":80"), (std::pair<std::uint16_t, std::uint16_t>{0, 80}));
  EXPECT_EQ(parse_port_range("80:90"), (std::pair<std::uint16_t, std::uint16_t>{80, 90}));
  EXPECT_FALSE(parse_port_range("90:80"));
  EXPECT_FALSE(parse_port_range("65536"));
  EXPECT_EQ(parse_fails("alert tcp any 90:80 -> any any (sid:1;)").keyword, "source_port");
  EXPECT_EQ(parse_fails("alert tcp any any -> any 70000 (sid:1;)").keyword, "destination_port");
}

TEST(SignatureHeader, BadAddressesAndBrackets) {
  EXPECT_EQ(parse_fails("alert ip 10.0.0.300 any -> any any (sid:1;)").keyword, "source");
  EXPECT_EQ(parse_fails("alert ip [10.0.0.1 any -> any any (sid:1;)").keyword, "header");
  EXPECT_EQ(parse_fails("alert ip [10.0.0.1,[1.1.1.1] any -> any any (sid:1;)").keyword, "header");
  EXPECT_EQ(parse_fails("alert ip !any any -> any any (sid:1;)").keyword, "source");
  EXPECT_EQ(parse_fails("alert ip [] any -> any any (sid:1;)").keyword, "source");
}

TEST(SignatureHeader, Direction) {
  EXPECT_EQ(parse_ok("alert tcp any any <> any any (sid:1;)").direction, Direction::both_ways);
  EXPECT_EQ(parse_ok("alert tcp any any -> any any (sid:1;)").direction, Direction::to_destination);
  EXPECT_EQ(parse_fails("alert tcp any any <- any any (sid:1;)").keyword, "direction");
}

TEST(SignatureMeta, MsgSidRevGidClasstypePriority) {
  const auto signature = parse_ok(
      "alert tcp any any -> any any (msg:\"say \\\"hi\\\"\\; now\"; classtype:trojan-activity; priority:2; "
      "sid:2001; rev:3; gid:5;)");
  EXPECT_EQ(signature.msg, "say \"hi\"; now");
  EXPECT_EQ(signature.sid, 2001U);
  EXPECT_EQ(signature.rev, 3U);
  EXPECT_EQ(signature.gid, 5U);
  EXPECT_EQ(signature.classtype, "trojan-activity");
  EXPECT_EQ(signature.priority, 2U);
  EXPECT_EQ(parse_fails(rule_with("priority:0;")).kind, ErrorKind::out_of_range);
  EXPECT_EQ(parse_fails("alert tcp any any -> any any (sid:0;)").keyword, "sid");
  EXPECT_EQ(parse_fails("alert tcp any any -> any any (sid:1; sid:2;)").kind, ErrorKind::conflict);
  EXPECT_EQ(parse_fails("alert tcp any any -> any any (msg:\"no sid\";)").kind, ErrorKind::missing_required);
}

TEST(SignatureMeta, MetadataReferenceTarget) {
  const auto signature =
      parse_ok(rule_with("metadata:created_at 2024_01_01, deployment Perimeter; reference:url,example.com/a; "
                         "reference:cve,2023-1; "
                         "target:dest_ip;"));
  ASSERT_EQ(signature.metadata.size(), 2U);
  EXPECT_EQ(signature.metadata[1], (std::pair<std::string, std::string>{"deployment", "Perimeter"}));
  ASSERT_EQ(signature.references.size(), 2U);
  EXPECT_EQ(signature.references[0].system, "url");
  EXPECT_EQ(signature.references[0].id, "example.com/a");
  EXPECT_EQ(signature.target, "dest_ip");
  EXPECT_EQ(parse_fails(rule_with("target:both;")).keyword, "target");
  EXPECT_EQ(parse_fails(rule_with("reference:url;")).keyword, "reference");
}

TEST(SignatureParser, OptionsKeepTheirOrder) {
  const auto signature = parse_ok(rule_with("flow:established; content:\"a\"; pcre:\"/b/\";"));
  std::vector<std::string> keywords;
  for (const auto& option : signature.options) keywords.push_back(option.keyword);
  EXPECT_EQ(keywords, (std::vector<std::string>{"msg", "flow", "content", "pcre", "sid", "rev"}));
}

TEST(SignatureParser, ContinuationLinesAreJoined) {
  const auto signature =
      parse_ok("alert tcp any any -> any any (msg:\"split\"; \\\n content:\"x\"; \\\n sid:9;)");
  EXPECT_EQ(signature.sid, 9U);
  EXPECT_EQ(signature.contents().size(), 1U);
}

}  // namespace
}  // namespace torwart::signatures
