#include "controlplane/torwartctl/duration.hpp"

#include <gtest/gtest.h>

namespace torwart::controlplane {
namespace {
using namespace std::chrono_literals;

TEST(Duration, Forms) {
  EXPECT_EQ(parse_duration("90"), 90s);
  EXPECT_EQ(parse_duration("90s"), 90s);
  EXPECT_EQ(parse_duration("5m"), 300s);
  EXPECT_EQ(parse_duration("2h"), 7200s);
  EXPECT_EQ(parse_duration("1h30m"), 5400s);
  EXPECT_EQ(parse_duration("1m5s"), 65s);
}

TEST(Duration, Refused) {
  for (const char* bad : {"", "0", "0s", "-5", "5x", "m", "30m1h", "5m5m", "25h", "99999999999", "1.5m"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace torwart::controlplane
