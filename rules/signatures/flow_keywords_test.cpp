// flow, flags, flowbits, threshold, detection_filter, app-layer-protocol and the unsupported features.
#include <gtest/gtest.h>

#include "rules/signatures/test_helpers.hpp"

namespace torwart::signatures {
namespace {

using testing::options_of;
using testing::parse_fails;
using testing::parse_ok;
using testing::rule_with;

TEST(Flow, Options) {
  const auto flow = options_of<Flow>(parse_ok(rule_with("flow:established,to_server,only_stream;")))[0];
  EXPECT_EQ(flow.flags, (std::set<std::string>{"established", "only_stream", "to_server"}));
  for (const char* option :
       {"not_established", "to_client", "from_server", "from_client", "stateless", "no_stream"}) {
    EXPECT_EQ(options_of<Flow>(parse_ok(rule_with(std::string("flow:") + option + ";"))).size(), 1U)
        << option;
  }
  EXPECT_EQ(parse_fails(rule_with("flow:established,sideways;")).reason, "unknown flow option 'sideways'");
  EXPECT_EQ(parse_fails(rule_with("flow:to_server,from_server;")).kind, ErrorKind::conflict);
  EXPECT_EQ(parse_fails(rule_with("flow:established,not_established;")).kind, ErrorKind::conflict);
  EXPECT_EQ(parse_fails(rule_with("flow:to_server; flow:established;")).kind, ErrorKind::conflict);
}

TEST(Flags, LettersModifierAndMask) {
  const auto flags = options_of<TcpFlags>(parse_ok(rule_with("flags:S,12;")))[0];
  EXPECT_EQ(flags.flags, "S");
  EXPECT_EQ(flags.mask, "12");
  EXPECT_EQ(options_of<TcpFlags>(parse_ok(rule_with("flags:+SA;")))[0].flags, "+SA");
  EXPECT_EQ(parse_fails(rule_with("flags:SX;")).keyword, "flags");
}

TEST(Flowbits, Commands) {
  const auto bits = options_of<Flowbits>(parse_ok(rule_with(
      "flowbits:set,ET.a; flowbits:isset,b|c; flowbits:isnotset,d; flowbits:unset,e; flowbits:toggle,f; "
      "flowbits:noalert;")));
  ASSERT_EQ(bits.size(), 6U);
  EXPECT_EQ(bits[0].command, Flowbits::Command::set);
  EXPECT_EQ(bits[0].names, (std::vector<std::string>{"ET.a"}));
  EXPECT_EQ(bits[1].combinator, '|');
  EXPECT_EQ(bits[1].names, (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(bits[5].command, Flowbits::Command::noalert);
  EXPECT_EQ(parse_fails(rule_with("flowbits:flip,a;")).keyword, "flowbits");
  EXPECT_EQ(parse_fails(rule_with("flowbits:set;")).kind, ErrorKind::missing_required);
  EXPECT_EQ(parse_fails(rule_with("flowbits:noalert,a;")).kind, ErrorKind::malformed_value);
  EXPECT_EQ(parse_fails(rule_with("flowbits:isset,a|b&c;")).kind, ErrorKind::malformed_value);
}

TEST(Threshold, TypesAndDetectionFilter) {
  for (const char* type : {"limit", "threshold", "both"}) {
    const auto threshold = options_of<Threshold>(parse_ok(
        rule_with(std::string("threshold:type ") + type + ", track by_src, count 5, seconds 60;")))[0];
    EXPECT_EQ(threshold.type, type);
    EXPECT_EQ(threshold.track, "by_src");
    EXPECT_EQ(threshold.count, 5U);
    EXPECT_EQ(threshold.seconds, 60U);
  }
  const auto filter =
      options_of<Threshold>(parse_ok(rule_with("detection_filter:track by_dst, count 10, seconds 1;")))[0];
  EXPECT_EQ(filter.keyword, "detection_filter");
  EXPECT_EQ(parse_fails(rule_with("threshold:type sometimes, track by_src, count 1, seconds 1;")).keyword,
            "threshold");
  EXPECT_EQ(parse_fails(rule_with("threshold:type limit, track by_src, count 1;")).kind,
            ErrorKind::missing_required);
  EXPECT_EQ(parse_fails(rule_with("threshold:type limit, track by_src, count 0, seconds 1;")).kind,
            ErrorKind::out_of_range);
  EXPECT_EQ(parse_fails(rule_with("detection_filter:type limit, track by_src, count 1, seconds 1;")).kind,
            ErrorKind::malformed_value);
}

TEST(AppLayerProtocol, NameAndNegation) {
  const auto protocol = options_of<AppLayerProtocol>(parse_ok(rule_with("app-layer-protocol:!http;")))[0];
  EXPECT_TRUE(protocol.negated);
  EXPECT_EQ(protocol.protocol, "http");
}

TEST(Unsupported, FeaturesAreFlaggedNotRefused) {
  const auto signature =
      parse_ok(rule_with("xbits:set,a,track ip_src; stream_size:server,>,100; tag:session,5,packets;"));
  EXPECT_EQ(signature.unsupported_features, (std::set<std::string>{"stream_size", "tag", "xbits"}));
  EXPECT_TRUE(parse_ok(rule_with("content:\"a\";")).unsupported_features.empty());
  EXPECT_TRUE(parse_ok(rule_with("content:\"a\"; base64_decode:bytes 10; base64_data; content:\"b\";"))
                  .unsupported_features.contains("base64_data"));
}

}  // namespace
}  // namespace torwart::signatures
