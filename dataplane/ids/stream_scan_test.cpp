#include "dataplane/ids/stream_scan.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace torwart::dataplane::ids {
namespace {

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

struct Fixture {
  Fixture(const std::vector<Pattern>& patterns, uint32_t longest)
      : set(PatternSet::compile(patterns)), join(512) {
    scratch.prepare_for(*set);
    scanner.emplace(*set, scratch, longest, join);
  }
  std::vector<std::pair<uint32_t, uint64_t>> feed(const std::vector<std::string>& pieces) {
    StreamScanState state;
    std::vector<std::pair<uint32_t, uint64_t>> found;
    for (const auto& p : pieces) {
      EXPECT_TRUE(scanner->scan(state, bytes_of(p), [&](uint32_t id, uint64_t end) {
        found.emplace_back(id, end);
        return true;
      }));
    }
    return found;
  }
  std::shared_ptr<const PatternSet> set;
  PatternScratch scratch;
  std::vector<uint8_t> join;
  std::optional<StreamScanner> scanner;
};

TEST(StreamScan, APatternSplitAcrossPiecesIsFoundOnceAtItsStreamOffset) {
  Fixture f({{1, "attack", false, false, false}}, 6);
  EXPECT_EQ(f.feed({"an att", "ack here"}), (std::vector<std::pair<uint32_t, uint64_t>>{{1, 9}}));
  EXPECT_EQ(f.feed({"attack", "", "x"}), (std::vector<std::pair<uint32_t, uint64_t>>{{1, 6}}));
  EXPECT_EQ(f.feed({"a", "t", "t", "a", "c", "k"}), (std::vector<std::pair<uint32_t, uint64_t>>{{1, 6}}));
}

TEST(StreamScan, EverySplitOfAStreamGivesTheSameMatchesAsOneBlockScan) {
  Fixture f({{1, "GET /admin", false, true, false},
             {2, "passwd", false, false, false},
             {3, "ab", false, false, false}},
            10);
  const std::string stream = "xx get /ADMIN ab ... /etc/passwd abab";
  const auto whole = f.feed({stream});
  ASSERT_EQ(whole.size(), 5u);
  for (size_t a = 0; a <= stream.size(); ++a) {
    for (size_t b = a; b <= stream.size(); b += 3) {
      EXPECT_EQ(f.feed({stream.substr(0, a), stream.substr(a, b - a), stream.substr(b)}), whole)
          << a << "/" << b;
    }
  }
}

TEST(StreamScan, PiecesLargerThanTheJoinBufferAreScannedInParts) {
  Fixture f({{9, "needle", false, false, false}}, 6);
  std::string big(2000, '.');
  big.replace(509, 6, "needle");  // straddles the first part's end (512 - 0 tail)
  big.replace(1500, 6, "needle");
  EXPECT_EQ(f.feed({big}), (std::vector<std::pair<uint32_t, uint64_t>>{{9, 515}, {9, 1506}}));
}

}  // namespace
}  // namespace torwart::dataplane::ids
