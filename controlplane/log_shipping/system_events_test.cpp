#include "controlplane/log_shipping/system_events.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "controlplane/log_shipping/test_spool.hpp"

namespace torwart::controlplane::log_shipping {
namespace {

TEST(SystemEvents, OneJsonLinePerEventWithTimeAndSeverity) {
  testing::TempDir dir("system-events");
  SystemEvents events(dir / "log" / "system.jsonl");
  events.record("warning", "shipping_disconnected", "siem:6514: the receiver closed \"the\" connection");
  events.record("info", "torwartd_started", "x");
  std::ifstream in(dir / "log" / "system.jsonl");
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  const auto first = nlohmann::json::parse(line);
  EXPECT_EQ(first["severity"], "warning");
  EXPECT_EQ(first["event"], "shipping_disconnected");
  EXPECT_EQ(first["text"], "siem:6514: the receiver closed \"the\" connection");
  EXPECT_TRUE(first["time"].get<std::string>().ends_with("Z"));
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_EQ(nlohmann::json::parse(line)["event"], "torwartd_started");
  EXPECT_EQ(events.dropped(), 0u);
}

TEST(SystemEvents, BeyondItsLimitEventsAreCountedNotWritten) {
  testing::TempDir dir("system-events");
  SystemEvents events(dir / "system.jsonl", 100);
  events.record("info", "a", std::string(150, 'x'));
  events.record("info", "b", "y");
  EXPECT_EQ(events.dropped(), 1u);
  EXPECT_NE(events.last_failure().find("full"), std::string::npos);
}

TEST(SystemEvents, AnUnwritableFileIsCountedNeverThrown) {
  SystemEvents events("/proc/torwart-cannot-write/system.jsonl");
  events.record("info", "a", "b");
  EXPECT_EQ(events.dropped(), 1u);
}

}  // namespace
}  // namespace torwart::controlplane::log_shipping
