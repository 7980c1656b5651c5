#include "dataplane/live/eve_spool.hpp"
#include "dataplane/control_protocol/spool_layout.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace torwart::dataplane::live {
namespace {

namespace fs = std::filesystem;

class EveSpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "torwart-spool-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<fs::path> closed_files() const {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir_)) {
      if (control_protocol::is_closed_spool_file(e.path())) out.push_back(e.path());
    }
    return out;
  }
  static size_t lines_in(const fs::path& path) {
    std::ifstream in(path);
    size_t n = 0;
    for (std::string line; std::getline(in, line);) ++n;
    return n;
  }

  fs::path dir_;
  const std::string record_ = std::string(99, 'x');  // 100 bytes with its newline
};

TEST_F(EveSpoolTest, TheActiveFileIsRotatedAtItsSizeAndNothingIsLost) {
  {
    EveSpool spool(dir_, 1000, 100000);
    for (int i = 0; i < 25; ++i) spool.write(record_);
    spool.flush();
    EXPECT_EQ(spool.rotations(), 2u);
    EXPECT_EQ(spool.dropped_spool_full(), 0u);
    EXPECT_EQ(spool.spool_bytes(), 2500u);
  }
  const auto closed = closed_files();
  ASSERT_EQ(closed.size(), 2u);
  size_t total = lines_in(dir_ / "eve.json");
  for (const auto& f : closed) {
    EXPECT_EQ(fs::file_size(f), 1000u);
    total += lines_in(f);
  }
  EXPECT_EQ(total, 25u);
  EXPECT_FALSE(control_protocol::is_closed_spool_file(dir_ / "eve.json"));
}

// A restarted `torwart run` counts its closed files from 1 again: a rotation within the same second as one
// before the restart must not rename over that closed file.
TEST_F(EveSpoolTest, ARotationNeverReplacesAClosedFileOfAnEarlierRun) {
  std::vector<fs::path> earlier;
  const std::time_t now = std::time(nullptr);
  for (std::time_t t = now; t <= now + 2; ++t) {
    std::tm utc{};
    gmtime_r(&t, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
    earlier.push_back(dir_ / control_protocol::closed_spool_file_name(stamp, 1));
    std::ofstream(earlier.back()) << "earlier run\n";
  }
  {
    EveSpool spool(dir_, 1000, 100000);
    for (int i = 0; i < 15; ++i) spool.write(record_);
    spool.flush();
    EXPECT_EQ(spool.rotations(), 1u);
  }
  for (const auto& f : earlier) EXPECT_EQ(lines_in(f), 1u) << f << " was replaced";
  EXPECT_EQ(closed_files().size(), earlier.size() + 1);
}

TEST_F(EveSpoolTest, AFullSpoolCountsRecordsInsteadOfGrowingAndResumesWhenRoomIsMade) {
  EveSpool spool(dir_, 1000, 3000);
  for (int i = 0; i < 40; ++i) spool.write(record_);
  spool.flush();
  EXPECT_TRUE(spool.full());
  EXPECT_EQ(spool.dropped_spool_full(), 10u) << "3000 bytes hold 30 records";
  EXPECT_LE(spool.spool_bytes(), 3000u);
  // torwartd's retention removes the closed files; the spool notices within its rescan interval.
  for (const auto& f : closed_files()) fs::remove(f);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  spool.write(record_);
  spool.flush();
  EXPECT_FALSE(spool.full());
  EXPECT_EQ(spool.dropped_spool_full(), 10u);
}

TEST_F(EveSpoolTest, EveryRecordNamesTheBoxAndItsSizeCountsTheName) {
  {
    EveSpool spool(dir_, 1000, 100000, "rathaus");
    spool.write(R"({"event_type":"flow"})");
    spool.set_host("buergerbuero");  // a reload renamed the box
    spool.write(R"({"event_type":"stats"})");
    spool.flush();
    EXPECT_EQ(spool.spool_bytes(), fs::file_size(dir_ / "eve.json"));
  }
  std::ifstream in(dir_ / "eve.json");
  std::string first, second;
  std::getline(in, first);
  std::getline(in, second);
  EXPECT_EQ(first, R"({"event_type":"flow","host":"rathaus"})");
  EXPECT_EQ(second, R"({"event_type":"stats","host":"buergerbuero"})");
}

TEST_F(EveSpoolTest, AnExistingSpoolIsCountedAtStart) {
  std::ofstream(dir_ / "eve-20261201T000000Z-1.json") << std::string(2999, 'y') << "\n";
  EveSpool spool(dir_, 1000, 3000);
  EXPECT_TRUE(spool.full());
  spool.write(record_);
  EXPECT_EQ(spool.dropped_spool_full(), 1u);
}

}  // namespace
}  // namespace torwart::dataplane::live
