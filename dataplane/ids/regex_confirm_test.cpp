#include "dataplane/ids/regex_confirm.hpp"

#include <gtest/gtest.h>

namespace torwart::dataplane::ids {
namespace {

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(RegexConfirm, ModifiersChangeTheMatchAsSuricataDescribesThem) {
  RegexMatcher matcher;
  size_t end = 0;
  auto plain = Regex::compile("select.+from", "");
  EXPECT_FALSE(matcher.find(*plain, bytes_of("SELECT * FROM t"), 0, end));
  auto caseless = Regex::compile("select.+from", "i");
  EXPECT_TRUE(matcher.find(*caseless, bytes_of("SELECT * FROM t"), 0, end));
  EXPECT_EQ(end, 13u);
  EXPECT_FALSE(matcher.find(*caseless, bytes_of("select\nfrom"), 0, end));  // '.' stops at a newline
  auto dotall = Regex::compile("select.+from", "is");
  EXPECT_TRUE(matcher.find(*dotall, bytes_of("select\n*\nfrom"), 0, end));
  auto anchored = Regex::compile("GET", "A");
  EXPECT_TRUE(matcher.find(*anchored, bytes_of("xxGET"), 2, end));  // anchored at the start offset
  EXPECT_FALSE(matcher.find(*anchored, bytes_of("xxGET"), 0, end));
}

TEST(RegexConfirm, PerlFeaturesHyperscanCannotDoAreConfirmedHere) {
  RegexMatcher matcher;
  size_t end = 0;
  auto backref = Regex::compile("(\\w+)=\\1", "");
  EXPECT_TRUE(matcher.find(*backref, bytes_of("a=b abc=abc"), 0, end));
  EXPECT_EQ(end, 11u);
  auto lookahead = Regex::compile("user(?!name)", "");
  EXPECT_FALSE(matcher.find(*lookahead, bytes_of("username"), 0, end));
  EXPECT_TRUE(matcher.find(*lookahead, bytes_of("user=1"), 0, end));
}

TEST(RegexConfirm, BadExpressionsAndModifiersAreNamed) {
  try {
    Regex::compile("abc(", "");
    FAIL();
  } catch (const RegexError& e) {
    EXPECT_EQ(e.offset, 4u);
    EXPECT_NE(std::string(e.what()).find("parenthes"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Regex::compile("a", "q"), RegexError);
}

TEST(RegexConfirm, CatastrophicBacktrackingIsBoundedAndCounted) {
  RegexMatcher matcher;
  auto evil = Regex::compile("(a+)+$", "");
  const std::string subject = std::string(40, 'a') + "!";
  size_t end = 0;
  EXPECT_FALSE(matcher.find(*evil, bytes_of(subject), 0, end));
  EXPECT_EQ(matcher.limit_hits(), 1u);
}

}  // namespace
}  // namespace torwart::dataplane::ids
