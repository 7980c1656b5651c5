#include "dataplane/ids/content_match.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace torwart::dataplane::ids {
namespace {

bool matches(const std::vector<ContentSpec>& contents, const std::string& data) {
  return match_contents(contents, {reinterpret_cast<const uint8_t*>(data.data()), data.size()});
}

ContentSpec content(std::string bytes) {
  ContentSpec c;
  c.bytes = std::move(bytes);
  return c;
}

TEST(ContentMatch, AbsoluteOffsetAndDepthBoundTheMatch) {
  ContentSpec get = content("GET");
  get.depth = 3;
  EXPECT_TRUE(matches({get}, "GET /"));
  EXPECT_FALSE(matches({get}, " GET /"));
  ContentSpec x = content("abc");
  x.offset = 2;
  x.depth = 4;  // within [2, 6)
  EXPECT_TRUE(matches({x}, "..abc."));
  EXPECT_TRUE(matches({x}, "...abc"));
  EXPECT_FALSE(matches({x}, "....abc"));
  EXPECT_FALSE(matches({x}, "abc..."));
}

TEST(ContentMatch, RelativeDistanceAndWithinFollowThePreviousMatch) {
  ContentSpec a = content("user="), b = content("admin");
  b.distance = 0;
  b.within = 5;
  EXPECT_TRUE(matches({a, b}, "x user=admin"));
  EXPECT_FALSE(matches({a, b}, "x user= admin"));  // one byte too far for within 5
  b.within = 6;
  EXPECT_TRUE(matches({a, b}, "x user= admin"));
  ContentSpec back = content("user");
  back.distance = -10;  // negative distance looks back before the previous match's end
  back.within = 4;
  EXPECT_TRUE(matches({content("user=admin"), back}, "user=admin"));
  back.distance = -9;  // the window starts one byte after "user" begins
  EXPECT_FALSE(matches({content("user=admin"), back}, "user=admin"));
}

TEST(ContentMatch, BacktrackingTriesTheNextOccurrenceOfAnEarlierContent) {
  ContentSpec a = content("id="), b = content("42");
  b.distance = 0;
  b.within = 2;
  // The first "id=" is followed by "7"; only the second one has "42" right after it.
  EXPECT_TRUE(matches({a, b}, "id=7&id=42"));
  EXPECT_FALSE(matches({a, b}, "id=7&id=4"));
}

TEST(ContentMatch, NegatedContentsMustBeAbsentFromTheirWindow) {
  ContentSpec host = content("Host: "), not_local = content("localhost");
  not_local.negated = true;
  not_local.distance = 0;
  not_local.within = 9;
  EXPECT_TRUE(matches({host, not_local}, "Host: example"));
  EXPECT_FALSE(matches({host, not_local}, "Host: localhost"));
  ContentSpec no_cmd = content("cmd.exe");
  no_cmd.negated = true;
  EXPECT_TRUE(matches({content("GET"), no_cmd}, "GET /index"));
  EXPECT_FALSE(matches({content("GET"), no_cmd}, "GET /cmd.exe"));
}

TEST(ContentMatch, NocaseStartswithEndswith) {
  ContentSpec a = content("select");
  a.nocase = true;
  EXPECT_TRUE(matches({a}, "1 SeLeCt *"));
  ContentSpec s = content("MZ");
  s.startswith = true;
  EXPECT_TRUE(matches({s}, "MZ\x90"));
  EXPECT_FALSE(matches({s}, " MZ"));
  ContentSpec e = content(".exe");
  e.endswith = true;
  EXPECT_TRUE(matches({e}, "/a.exe"));
  EXPECT_FALSE(matches({e}, "/a.exe?x"));
}

TEST(ContentMatch, BinaryBytesAndEmptyOrShortBuffers) {
  const std::string nul("\x00\xff\x00", 3);
  EXPECT_TRUE(matches({content(nul)}, std::string("ab") + nul));
  EXPECT_FALSE(matches({content("abc")}, ""));
  EXPECT_FALSE(matches({content("abc")}, "ab"));
  EXPECT_TRUE(matches({}, "anything"));  // no contents: nothing to verify
  std::vector<ContentSpec> too_many(65, content("a"));
  EXPECT_FALSE(matches(too_many, std::string(100, 'a')));
}

}  // namespace
}  // namespace torwart::dataplane::ids
