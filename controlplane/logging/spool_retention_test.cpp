#include "controlplane/logging/spool_retention.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace torwart::controlplane {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;

TEST(SpoolRetention, OnlyClosedFilesPastTheRetentionAreDeleted) {
  std::string pattern = (fs::temp_directory_path() / "torwart-retention-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  const fs::path dir = pattern;
  const auto now = fs::file_time_type::clock::now();
  auto make = [&](const std::string& name, hours age) {
    std::ofstream(dir / name) << std::string(100, 'x') << "\n";
    fs::last_write_time(dir / name, now - age);
  };
  make("eve-20261101T000000Z-1.json", hours(24 * 31));  // past 30 days: goes
  make("eve-20261120T000000Z-2.json", hours(24 * 10));  // within: stays
  make("eve.json", hours(24 * 40));                     // the active file: never
  make("audit.jsonl", hours(24 * 40));                  // not the spool's
  const RetentionResult r = expire_spool(dir, hours(24 * 30), now);
  EXPECT_EQ(r.removed, 1u);
  EXPECT_EQ(r.bytes, 101u);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_FALSE(fs::exists(dir / "eve-20261101T000000Z-1.json"));
  EXPECT_TRUE(fs::exists(dir / "eve-20261120T000000Z-2.json"));
  EXPECT_TRUE(fs::exists(dir / "eve.json"));
  EXPECT_TRUE(fs::exists(dir / "audit.jsonl"));
  EXPECT_EQ(expire_spool(dir / "missing", hours(1), now).removed, 0u);
  fs::remove_all(dir);
}

TEST(SpoolRetention, EachFileIsShownBeforeItGoes) {
  std::string pattern = (fs::temp_directory_path() / "torwart-retention-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  const fs::path dir = pattern;
  const auto now = fs::file_time_type::clock::now();
  for (const char* name : {"eve-20261101T000000Z-1.json", "eve.json"}) {
    std::ofstream(dir / name) << "{}\n";
    fs::last_write_time(dir / name, now - hours(24 * 40));
  }
  std::vector<std::string> shown;
  const RetentionResult r = expire_spool(dir, hours(24), now, [&](const fs::path& file) {
    EXPECT_TRUE(fs::exists(file));  // still there to be read
    shown.push_back(file.filename().string());
  });
  EXPECT_EQ(r.removed, 1u);
  EXPECT_EQ(shown, std::vector<std::string>{"eve-20261101T000000Z-1.json"});
  fs::remove_all(dir);
}

TEST(SpoolRetention, TheConfigurationSetsTheRetention) {
  EXPECT_EQ(retention_of("zones: [{name: a}]\n"
                         "ports: [{name: a, backend: null, zone: a, addresses: [10.0.0.1/24]}]\n"
                         "logging: {retention_days: 7}\n"),
            hours(24 * 7));
  EXPECT_EQ(retention_of("not: [valid"), hours(24 * 30));
}

}  // namespace
}  // namespace torwart::controlplane
