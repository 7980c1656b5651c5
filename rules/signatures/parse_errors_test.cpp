// The error format: file, line, sid, keyword, kind and reason, for rules broken in each way.
#include <gtest/gtest.h>

#include "rules/signatures/test_helpers.hpp"

namespace torwart::signatures {
namespace {

using testing::parse_fails;
using testing::rule_with;

TEST(ParseErrors, UnknownKeywordIsNamed) {
  const auto error = parse_fails(rule_with("contnet:\"a\";"));
  EXPECT_EQ(error.kind, ErrorKind::unknown_keyword);
  EXPECT_EQ(error.keyword, "contnet");
  EXPECT_EQ(error.to_string(), "test.rules:7: sid 1: keyword 'contnet': unknown_keyword: unknown keyword");
}

TEST(ParseErrors, SidIsFoundEvenWhenTheHeaderFails) {
  const auto error = parse_fails("alert tcp any any => any any (msg:\"x\"; sid:42;)");
  EXPECT_EQ(error.sid, 42U);
  EXPECT_EQ(error.keyword, "direction");
}

TEST(ParseErrors, ShapeOfTheRule) {
  EXPECT_EQ(parse_fails("alert tcp any any -> any any sid:1;").kind, ErrorKind::syntax);
  EXPECT_EQ(parse_fails("alert tcp any any -> any any (sid:1;").reason, "the rule does not end with ')'");
  EXPECT_EQ(parse_fails("alert tcp any any -> any any (sid:1)").reason,
            "last option is not terminated by ';'");
  EXPECT_EQ(parse_fails("alert tcp any any -> any (sid:1;)").keyword, "header");
  EXPECT_EQ(parse_fails("alert tcp any any -> any any (msg:\"a\";; sid:1;)").kind, ErrorKind::syntax);
  EXPECT_EQ(parse_fails("alert tcp any any -> any any (msg:\"unterminated; sid:1;)").kind, ErrorKind::syntax);
}

TEST(ParseErrors, ValuesWhereNoneAreExpectedAndTheReverse) {
  EXPECT_EQ(parse_fails(rule_with("content:\"a\"; depth;")).kind, ErrorKind::missing_required);
  EXPECT_EQ(parse_fails(rule_with("content:\"a\"; nocase:yes;")).kind, ErrorKind::malformed_value);
  EXPECT_EQ(parse_fails(rule_with("http.uri:1; content:\"a\";", "http")).keyword, "http.uri");
}

TEST(ParseErrors, StickyBufferWithNothingToInspect) {
  const auto error = parse_fails(rule_with("content:\"a\"; http.uri;", "http"));
  EXPECT_EQ(error.kind, ErrorKind::misplaced);
  EXPECT_EQ(error.keyword, "http.uri");
}

}  // namespace
}  // namespace torwart::signatures

namespace torwart::signatures {
namespace {

TEST(KnownKeywords, ListsSupportedAndFlaggedKeywords) {
  const auto& known = known_keywords();
  for (const char* keyword : {"content", "pcre", "byte_test", "flowbits", "http.uri", "http_uri", "file_data",
                              "dotprefix", "threshold", "xbits", "stream_size"}) {
    EXPECT_TRUE(known.contains(keyword)) << keyword;
  }
  EXPECT_FALSE(known.contains("uricontent"));
}

}  // namespace
}  // namespace torwart::signatures
