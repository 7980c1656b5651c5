#include "dataplane/ids/thresholds.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace torwart::dataplane::ids {
namespace {

using Kind = ThresholdSpec::Kind;
using Track = ThresholdSpec::Track;

constexpr uint64_t kSecond = 1'000'000'000;
constexpr uint64_t kStart = 1'700'000'000 * kSecond;  // a capture time, not zero

config::IpAddress address(const char* text) {
  return *config::IpAddress::parse(text);
}

ThresholdKey key(const char* source, const char* destination, uint64_t flow_id = 1) {
  return ThresholdKey{address(source), address(destination), flow_id};
}

const ThresholdKey kAtoB = key("10.0.0.1", "192.0.2.1");

// allow() for `matches` matches of one key at `now_ns`, as a string of 'y' (allowed) and '.' (not).
std::string pattern_of(ThresholdTable& table, const ThresholdSpec& spec, const ThresholdKey& at, int matches,
                       uint64_t now_ns, uint32_t signature_index = 0) {
  std::string pattern;
  for (int i = 0; i < matches; ++i) pattern += table.allow(signature_index, spec, at, now_ns) ? 'y' : '.';
  return pattern;
}

signatures::Threshold text_form(std::string keyword, std::string type, std::string track, uint32_t count = 5,
                                uint32_t seconds = 60) {
  return signatures::Threshold{std::move(keyword), std::move(type), std::move(track), count, seconds};
}

TEST(ThresholdSpecOf, EveryTypeAndTrack) {
  std::string error;
  const std::vector<std::pair<const char*, Kind>> kinds{
      {"limit", Kind::limit}, {"threshold", Kind::threshold}, {"both", Kind::both}};
  for (const auto& [type, kind] : kinds) {
    const auto spec = threshold_spec_of(text_form("threshold", type, "by_src", 7, 30), error);
    ASSERT_TRUE(spec) << error;
    EXPECT_EQ(spec->kind, kind);
    EXPECT_EQ(spec->track, Track::by_src);
    EXPECT_EQ(spec->count, 7u);
    EXPECT_EQ(spec->seconds, 30u);
  }
  const std::vector<std::pair<const char*, Track>> tracks{{"by_src", Track::by_src},
                                                          {"by_dst", Track::by_dst},
                                                          {"by_rule", Track::by_rule},
                                                          {"by_both", Track::by_both},
                                                          {"by_flow", Track::by_flow}};
  for (const auto& [track_text, track] : tracks) {
    const auto spec = threshold_spec_of(text_form("detection_filter", "", track_text), error);
    ASSERT_TRUE(spec) << error;
    EXPECT_EQ(spec->kind, Kind::detection_filter);
    EXPECT_EQ(spec->track, track);
  }
}

TEST(ThresholdSpecOf, ErrorsNameWhatIsWrong) {
  const auto error_of = [](const signatures::Threshold& threshold) {
    std::string error;
    EXPECT_FALSE(threshold_spec_of(threshold, error));
    return error;
  };
  EXPECT_EQ(error_of(text_form("threshold", "backoff", "by_flow")),
            "threshold type 'backoff' is not one of limit, threshold, both");
  EXPECT_EQ(error_of(text_form("threshold", "", "by_src")),
            "threshold type '' is not one of limit, threshold, both");
  EXPECT_EQ(error_of(text_form("threshold", "limit", "by_host")),
            "threshold track 'by_host' is not one of by_src, by_dst, by_rule, by_both, by_flow");
  EXPECT_EQ(error_of(text_form("detection_filter", "", "")),
            "detection_filter track '' is not one of by_src, by_dst, by_rule, by_both, by_flow");
  EXPECT_EQ(error_of(text_form("detection_filter", "limit", "by_src")),
            "detection_filter takes no type (got 'limit')");
  EXPECT_EQ(error_of(text_form("rate_filter", "", "by_src")),
            "'rate_filter' is neither threshold nor detection_filter");
  EXPECT_EQ(error_of(text_form("threshold", "limit", "by_src", 0, 60)),
            "threshold needs a count and seconds of at least 1");
  EXPECT_EQ(error_of(text_form("detection_filter", "", "by_src", 1, 0)),
            "detection_filter needs a count and seconds of at least 1");
}

TEST(ThresholdTable, CapacityIsAPowerOfTwoOfAtLeastTheProbeLimit) {
  EXPECT_EQ(ThresholdTable(0).capacity(), ThresholdTable::kProbeLimit);
  EXPECT_EQ(ThresholdTable(9).capacity(), 16u);
  EXPECT_EQ(ThresholdTable(16).capacity(), 16u);
  EXPECT_EQ(ThresholdTable(1000).capacity(), 1024u);
}

TEST(ThresholdTable, LimitAlertsOnTheFirstCountMatchesOfAWindow) {
  ThresholdTable table(1024);
  const ThresholdSpec spec{Kind::limit, Track::by_src, 3, 60};
  EXPECT_EQ(pattern_of(table, spec, kAtoB, 5, kStart), "yyy..");
  EXPECT_EQ(pattern_of(table, spec, kAtoB, 1, kStart + 60 * kSecond - 1), ".");  // last nanosecond of it
  EXPECT_EQ(pattern_of(table, spec, kAtoB, 4, kStart + 60 * kSecond), "yyy.");   // exactly T: a new window
  EXPECT_EQ(table.counters().allowed, 6u);
  EXPECT_EQ(table.counters().suppressed, 4u);
  EXPECT_EQ(table.counters().table_full, 0u);
}

TEST(ThresholdTable, ThresholdAlertsOnEveryCountThMatchOfAWindow) {
  ThresholdTable table(1024);
  const ThresholdSpec spec{Kind::threshold, Track::by_src, 3, 60};
  EXPECT_EQ(pattern_of(table, spec, kAtoB, 7, kStart), "..y..y.");
  // The window that began at kStart is over at kStart + 60 s: the match left over does not carry.
  EXPECT_EQ(pattern_of(table, spec, kAtoB, 2, kStart + 59 * kSecond), ".y");
  EXPECT_EQ(pattern_of(table, spec, kAtoB, 1, kStart + 59 * kSecond), ".");
  EXPECT_EQ(pattern_of(table, spec, kAtoB, 3, kStart + 60 * kSecond), "..y");
  const ThresholdSpec every{Kind::threshold, Track::by_src, 1, 60};
  EXPECT_EQ(pattern_of(table, every, kAtoB, 3, kStart, 1), "yyy");
}

TEST(ThresholdTable, BothAlertsOncePerWindowOnTheCountThMatch) {
  ThresholdTable table(1024);
  const ThresholdSpec spec{Kind::both, Track::by_src, 3, 60};
  EXPECT_EQ(pattern_of(table, spec, kAtoB, 8, kStart), "..y.....");
  EXPECT_EQ(pattern_of(table, spec, kAtoB, 1, kStart + 60 * kSecond - 1), ".");
  EXPECT_EQ(pattern_of(table, spec, kAtoB, 4, kStart + 60 * kSecond), "..y.");
  const ThresholdSpec once{Kind::both, Track::by_src, 1, 60};
  EXPECT_EQ(pattern_of(table, once, kAtoB, 3, kStart, 1), "y..");
}

TEST(ThresholdTable, DetectionFilterMatchesAfterTheCountThMatchOfAWindow) {
  ThresholdTable table(1024);
  const ThresholdSpec spec{Kind::detection_filter, Track::by_src, 3, 2};
  // The 3rd (count-th) match does not match, the 4th and every later one in the window do.
  EXPECT_EQ(pattern_of(table, spec, kAtoB, 6, kStart), "...yyy");
  EXPECT_EQ(pattern_of(table, spec, kAtoB, 1, kStart + 2 * kSecond - 1), "y");
  EXPECT_EQ(pattern_of(table, spec, kAtoB, 5, kStart + 2 * kSecond), "...yy");
  EXPECT_EQ(table.counters().allowed, 6u);
  EXPECT_EQ(table.counters().suppressed, 6u);
}

TEST(ThresholdTable, BySrcTracksSourcesApart) {
  ThresholdTable table(1024);
  const ThresholdSpec spec{Kind::limit, Track::by_src, 1, 60};
  EXPECT_EQ(pattern_of(table, spec, key("10.0.0.1", "192.0.2.1"), 2, kStart), "y.");
  EXPECT_EQ(pattern_of(table, spec, key("10.0.0.2", "192.0.2.1"), 2, kStart), "y.");
  EXPECT_EQ(pattern_of(table, spec, key("10.0.0.1", "192.0.2.9", 2), 1, kStart), ".");  // same source
  // An IPv6 address whose first bytes spell the IPv4 source is another source.
  EXPECT_EQ(pattern_of(table, spec, key("a00:1::", "192.0.2.1"), 1, kStart), "y");
}

TEST(ThresholdTable, ByDstTracksDestinationsApart) {
  ThresholdTable table(1024);
  const ThresholdSpec spec{Kind::limit, Track::by_dst, 1, 60};
  EXPECT_EQ(pattern_of(table, spec, key("10.0.0.1", "192.0.2.1"), 1, kStart), "y");
  EXPECT_EQ(pattern_of(table, spec, key("10.0.0.2", "192.0.2.1", 2), 1, kStart), ".");
  EXPECT_EQ(pattern_of(table, spec, key("10.0.0.1", "192.0.2.2"), 1, kStart), "y");
}

TEST(ThresholdTable, ByRuleIsSharedByEveryMatchOfTheSignature) {
  ThresholdTable table(1024);
  const ThresholdSpec spec{Kind::detection_filter, Track::by_rule, 2, 60};
  EXPECT_EQ(pattern_of(table, spec, key("10.0.0.1", "192.0.2.1", 1), 1, kStart), ".");
  EXPECT_EQ(pattern_of(table, spec, key("10.0.0.2", "192.0.2.2", 2), 1, kStart), ".");
  EXPECT_EQ(pattern_of(table, spec, key("2001:db8::1", "2001:db8::2", 3), 1, kStart), "y");
  // Another signature with the same spec counts on its own.
  EXPECT_EQ(pattern_of(table, spec, key("10.0.0.1", "192.0.2.1", 1), 3, kStart, 7), "..y");
}

TEST(ThresholdTable, ByBothTracksTheAddressPairInEitherDirection) {
  ThresholdTable table(1024);
  const ThresholdSpec spec{Kind::limit, Track::by_both, 2, 60};
  EXPECT_EQ(pattern_of(table, spec, key("10.0.0.1", "192.0.2.1", 1), 1, kStart), "y");
  EXPECT_EQ(pattern_of(table, spec, key("192.0.2.1", "10.0.0.1", 2), 2, kStart), "y.");  // the reply side
  EXPECT_EQ(pattern_of(table, spec, key("10.0.0.1", "192.0.2.2", 1), 2, kStart), "yy");  // another pair
  EXPECT_EQ(pattern_of(table, spec, key("10.0.0.3", "192.0.2.1", 1), 2, kStart), "yy");
}

TEST(ThresholdTable, ByFlowTracksFlowsApart) {
  ThresholdTable table(1024);
  const ThresholdSpec spec{Kind::threshold, Track::by_flow, 2, 60};
  EXPECT_EQ(pattern_of(table, spec, key("10.0.0.1", "192.0.2.1", 41), 1, kStart), ".");
  EXPECT_EQ(pattern_of(table, spec, key("10.0.0.1", "192.0.2.1", 42), 1, kStart), ".");
  EXPECT_EQ(pattern_of(table, spec, key("192.0.2.1", "10.0.0.1", 41), 1, kStart), "y");  // same flow, reply
  EXPECT_EQ(pattern_of(table, spec, key("10.0.0.1", "192.0.2.1", 42), 1, kStart), "y");
}

TEST(ThresholdTable, KindsOfOneSignatureCountApart) {
  ThresholdTable table(1024);
  const ThresholdSpec limit{Kind::limit, Track::by_src, 1, 60};
  const ThresholdSpec filter{Kind::detection_filter, Track::by_src, 1, 60};
  EXPECT_EQ(pattern_of(table, limit, kAtoB, 2, kStart), "y.");
  EXPECT_EQ(pattern_of(table, filter, kAtoB, 2, kStart), ".y");
}

TEST(ThresholdTable, AFullTableLetsEveryMatchThroughAndCountsIt) {
  ThresholdTable table(8);  // the probe limit covers the whole table: it is full after 8 live entities
  const ThresholdSpec limit{Kind::limit, Track::by_src, 1, 10};
  for (uint32_t host = 1; host <= 8; ++host) {
    EXPECT_TRUE(table.allow(0, limit, {config::IpAddress::v4(host), address("192.0.2.1"), host}, kStart));
  }
  const ThresholdKey ninth{config::IpAddress::v4(9), address("192.0.2.1"), 9};
  EXPECT_EQ(pattern_of(table, limit, ninth, 2, kStart), "yy");  // no state: both alert
  const ThresholdSpec filter{Kind::detection_filter, Track::by_src, 5, 10};
  EXPECT_EQ(pattern_of(table, filter, ninth, 1, kStart), "y");
  const ThresholdSpec threshold{Kind::threshold, Track::by_src, 5, 10};
  const ThresholdSpec both{Kind::both, Track::by_src, 5, 10};
  EXPECT_EQ(pattern_of(table, threshold, ninth, 1, kStart), "y");
  EXPECT_EQ(pattern_of(table, both, ninth, 1, kStart), "y");
  EXPECT_EQ(table.counters().table_full, 5u);
  EXPECT_EQ(table.counters().allowed, 13u);
  EXPECT_EQ(table.counters().suppressed, 0u);
  // The known entities still have their entries.
  EXPECT_FALSE(table.allow(0, limit, {config::IpAddress::v4(1), address("192.0.2.1"), 1}, kStart));
  // Once their windows are over the entries are free again and the ninth source is tracked.
  EXPECT_EQ(pattern_of(table, limit, ninth, 2, kStart + 10 * kSecond), "y.");
  EXPECT_EQ(table.counters().table_full, 5u);
}

TEST(ThresholdTable, AnExpiredEntryIsTakenOverByAnotherEntity) {
  ThresholdTable table(8);
  const ThresholdSpec short_window{Kind::limit, Track::by_src, 1, 1};
  const ThresholdSpec long_window{Kind::limit, Track::by_src, 1, 100};
  for (uint32_t host = 1; host <= 7; ++host) {
    table.allow(0, long_window, {config::IpAddress::v4(host), address("192.0.2.1"), host}, kStart);
  }
  table.allow(0, short_window, {config::IpAddress::v4(8), address("192.0.2.1"), 8}, kStart);
  const ThresholdKey newcomer{config::IpAddress::v4(20), address("192.0.2.1"), 20};
  EXPECT_EQ(pattern_of(table, long_window, newcomer, 1, kStart + kSecond - 1), "y");
  EXPECT_EQ(table.counters().table_full, 1u);
  EXPECT_EQ(pattern_of(table, long_window, newcomer, 2, kStart + kSecond), "y.");  // host 8's entry reused
  EXPECT_EQ(table.counters().table_full, 1u);
}

}  // namespace
}  // namespace torwart::dataplane::ids
