#include "dataplane/ids/fast_pattern.hpp"

#include <gtest/gtest.h>

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

TEST(FastPattern, TheFastPatternIsTheMarkedContentElseTheLongestNonNegatedOne) {
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

}  // namespace
}  // namespace torwart::dataplane::ids
