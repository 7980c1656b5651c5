#include "controlplane/config_store/line_diff.hpp"

#include <gtest/gtest.h>

namespace torwart::controlplane {
namespace {

TEST(LineDiff, EqualTextsGiveNothing) {
  const auto d = unified_diff("a\nb\n", "a\nb\n", "v1", "v2");
  EXPECT_EQ(d.unified, "");
  EXPECT_EQ(d.summary.added, 0u);
  EXPECT_EQ(d.summary.removed, 0u);
}

TEST(LineDiff, OneChangedLineWithContext) {
  const auto d =
      unified_diff("1\n2\n3\n4\n5\n6\n7\n8\n", "1\n2\n3\n4\nFIVE\n6\n7\n8\n", "version 1", "version 2");
  EXPECT_EQ(d.unified,
            "--- version 1\n+++ version 2\n"
            "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+FIVE\n 6\n 7\n 8\n");
  EXPECT_EQ(d.summary.added, 1u);
  EXPECT_EQ(d.summary.removed, 1u);
}

TEST(LineDiff, DistantChangesMakeTwoHunks) {
  std::string a, b;
  for (int i = 1; i <= 20; ++i) {
    a += std::to_string(i) + "\n";
    b += (i == 2 || i == 18 ? "x" : std::to_string(i)) + "\n";
  }
  const auto d = unified_diff(a, b, "a", "b", 2);
  EXPECT_EQ(d.unified,
            "--- a\n+++ b\n"
            "@@ -1,4 +1,4 @@\n 1\n-2\n+x\n 3\n 4\n"
            "@@ -16,5 +16,5 @@\n 16\n 17\n-18\n+x\n 19\n 20\n");
}

TEST(LineDiff, InsertionAtStartAndDeletionAtEnd) {
  EXPECT_EQ(unified_diff("a\n", "new\na\n", "o", "n").unified, "--- o\n+++ n\n@@ -1 +1,2 @@\n+new\n a\n");
  EXPECT_EQ(unified_diff("a\nb\n", "a\n", "o", "n").unified, "--- o\n+++ n\n@@ -1,2 +1 @@\n a\n-b\n");
  EXPECT_EQ(unified_diff("", "a\n", "o", "n").unified, "--- o\n+++ n\n@@ -0,0 +1 @@\n+a\n");
}

TEST(LineDiff, MissingFinalNewlineIsADifference) {
  const auto d = unified_diff("a\nb\n", "a\nb", "o", "n");
  EXPECT_EQ(d.unified, "--- o\n+++ n\n@@ -1,2 +1,2 @@\n a\n-b\n+b\n\\ No newline at end of file\n");
}

TEST(LineDiff, MinimalInTheMiddle) {
  const auto d = unified_diff("a\nb\nc\nd\n", "a\nc\nb\nd\n", "o", "n", 0);
  EXPECT_EQ(d.summary.added, 1u);
  EXPECT_EQ(d.summary.removed, 1u);
}

}  // namespace
}  // namespace torwart::controlplane
