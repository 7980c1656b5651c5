#include "dataplane/ids/rule_groups.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include "rules/signatures/rule_file_loader.hpp"

namespace torwart::dataplane::ids {
namespace {

std::vector<signatures::Signature> load(const std::string& text) {
  signatures::RuleFileLoader loader;
  loader.add_text(text, "test.rules");
  auto result = loader.take_result();
  EXPECT_EQ(result.report.skipped.size(), 0u) << result.report.summary();
  return std::move(result.signatures);
}

TEST(RuleGroups, TheFastPatternIsTheMarkedContentElseTheLongestNonNegatedOne) {
  const auto sigs = load(
      "alert tcp any any -> any any (msg:\"a\"; content:\"ab\"; content:\"longer\"; sid:1;)\n"
      "alert tcp any any -> any any (msg:\"b\"; content:\"x\"; fast_pattern; content:\"longest one\"; "
      "sid:2;)\n"
      "alert tcp any any -> any any (msg:\"c\"; content:!\"never\"; sid:3;)\n");
  ASSERT_EQ(sigs.size(), 3u);
  EXPECT_EQ(fast_pattern_of(sigs[0])->bytes, "longer");
  EXPECT_EQ(fast_pattern_of(sigs[1])->bytes, "x");
  EXPECT_EQ(fast_pattern_of(sigs[2]), nullptr);
}

TEST(RuleGroups, OneSetPerProtocolAndBufferSelectsItsSignatures) {
  const auto sigs = load(
      "alert http any any -> any any (msg:\"uri\"; http.uri; content:\"/admin\"; nocase; sid:10;)\n"
      "alert http any any -> any any (msg:\"ua\"; http.user_agent; content:\"sqlmap\"; sid:11;)\n"
      "alert http any any -> any any (msg:\"uri2\"; http.uri; content:\"/etc/passwd\"; sid:12;)\n"
      "alert tcp any any -> any any (msg:\"payload\"; content:\"|de ad be ef|\"; sid:13;)\n"
      "alert tcp any any -> any any (msg:\"flow only\"; flow:established; sid:14;)\n");
  DatabaseCache cache{std::filesystem::path{}};
  GroupBuildStats stats;
  const auto groups = build_rule_groups(sigs, cache, stats);
  EXPECT_EQ(stats.groups, 3u);  // http/http.uri, http/http.user_agent, tcp/payload
  EXPECT_EQ(stats.fast_patterns, 4u);
  EXPECT_EQ(stats.without_pattern, 1u);
  const RuleGroup* uri = nullptr;
  for (const auto& g : groups)
    if (g.protocol == "http" && g.buffer == "http.uri") uri = &g;
  ASSERT_NE(uri, nullptr);
  ASSERT_EQ(uri->with_pattern.size(), 2u);
  PatternScratch scratch;
  scratch.prepare_for(*uri->patterns);
  std::vector<uint32_t> sids;
  const std::string request_uri = "/ADMIN/../etc/passwd";
  scratch.scan(*uri->patterns, {reinterpret_cast<const uint8_t*>(request_uri.data()), request_uri.size()},
               [&](uint32_t id, uint64_t) {
                 sids.push_back(uri->with_pattern[id]->sid);
                 return true;
               });
  std::sort(sids.begin(), sids.end());
  EXPECT_EQ(sids, (std::vector<uint32_t>{10, 12}));
}

}  // namespace
}  // namespace torwart::dataplane::ids
