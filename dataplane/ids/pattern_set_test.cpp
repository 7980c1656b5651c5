#include "dataplane/ids/pattern_set.hpp"

#include <gtest/gtest.h>

#include <set>
#include <utility>

namespace torwart::dataplane::ids {
namespace {

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::set<std::pair<uint32_t, uint64_t>> matches(const PatternSet& set, const std::string& data) {
  PatternScratch scratch;
  scratch.prepare_for(set);
  std::set<std::pair<uint32_t, uint64_t>> found;
  EXPECT_TRUE(scratch.scan(set, bytes_of(data), [&](uint32_t id, uint64_t end) {
    found.emplace(id, end);
    return true;
  }));
  return found;
}

TEST(PatternSet, LiteralsWithAnyBytesAndCaseRulesAreFoundWhereTheyEnd) {
  const std::string nul_pattern("\x00\x01GET", 5);
  auto set = PatternSet::compile({{1, "evil", false, false, false},
                                  {2, "Admin", false, true, false},
                                  {3, nul_pattern, false, false, false}});
  EXPECT_EQ(set->pattern_count(), 3u);
  const std::string data = std::string("xx evil ADMIN ") + nul_pattern + " EVIL";
  const auto found = matches(*set, data);
  EXPECT_TRUE(found.contains({1, 7}));
  EXPECT_TRUE(found.contains({2, 13}));  // nocase
  EXPECT_TRUE(found.contains({3, 14 + nul_pattern.size()}));
  EXPECT_FALSE(found.contains({1, data.size()}));  // "EVIL" is not "evil"
}

TEST(PatternSet, SingleMatchReportsOncePerScanAndAFalseReturnStops) {
  auto set = PatternSet::compile({{7, "ab", false, false, true}, {8, "cd", false, false, false}});
  EXPECT_EQ(matches(*set, "ab ab ab cd cd").size(), 3u);  // 7 once, 8 twice
  PatternScratch scratch;
  scratch.prepare_for(*set);
  int calls = 0;
  EXPECT_TRUE(scratch.scan(*set, bytes_of("cd cd cd"), [&](uint32_t, uint64_t) { return ++calls < 1; }));
  EXPECT_EQ(calls, 1);
}

TEST(PatternSet, RegularExpressionsCompileSeparatelyAndBadOnesNameThePattern) {
  auto set = PatternSet::compile({{1, "GET /[a-z]+\\.php", true, false, false}});
  EXPECT_TRUE(matches(*set, "GET /index.php HTTP/1.1").contains({1, 14}));
  try {
    (void)PatternSet::compile({{4, "fine", true, false, false}, {5, "(unbalanced", true, false, false}});
    FAIL() << "an unbalanced group compiled";
  } catch (const PatternError& e) {
    EXPECT_EQ(e.id, 5u);
    EXPECT_NE(std::string(e.what()).find("pattern 5"), std::string::npos);
  }
  EXPECT_THROW((void)PatternSet::compile({{1, "a", true, false, false}, {2, "b", false, false, false}}),
               std::invalid_argument);
  EXPECT_THROW((void)PatternSet::compile({}), std::invalid_argument);
}

TEST(PatternSet, PrefilterModeAcceptsWhatOnlyPcreCanMatchExactly) {
  EXPECT_THROW((void)PatternSet::compile({{1, "(\\w+)=\\1", true, false, false}}), PatternError);
  auto set = PatternSet::compile({{1, "(\\w+)=\\1", true, false, false, true}});
  EXPECT_FALSE(matches(*set, "abc=abc").empty());  // a candidate; PCRE2 confirms or refutes it
}

TEST(PatternSet, ASerialisedDatabaseScansTheSameAndGarbageIsRefused) {
  auto set = PatternSet::compile({{1, "needle", false, true, false}});
  const std::vector<uint8_t> bytes = set->serialize();
  EXPECT_GT(set->database_bytes(), 0u);
  auto back = PatternSet::deserialize(bytes);
  EXPECT_EQ(matches(*back, "hay NEEDLE hay"), matches(*set, "hay NEEDLE hay"));
  std::vector<uint8_t> garbage(bytes.size(), 0x5a);
  EXPECT_THROW((void)PatternSet::deserialize(garbage), std::runtime_error);
}

TEST(PatternSet, AnUnpreparedScratchRefusesToScan) {
  auto set = PatternSet::compile({{1, "x", false, false, false}});
  PatternScratch scratch;
  EXPECT_FALSE(scratch.scan(*set, bytes_of("x"), [](uint32_t, uint64_t) { return true; }));
}

}  // namespace
}  // namespace torwart::dataplane::ids
