#include "controlplane/log_shipping/line_reader.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "controlplane/log_shipping/shipping_error.hpp"
#include "controlplane/log_shipping/test_spool.hpp"

namespace torwart::controlplane::log_shipping {
namespace {

using testing::append;
using testing::TempDir;

TEST(LineReader, AHalfWrittenLastLineWaitsInAFileStillWritten) {
  TempDir dir("line-reader");
  const auto file = dir / "eve.json";
  append(file, "{\"a\":1}\n{\"b\":2}\n{\"c\":");
  Lines lines = read_lines(file, 0, 0, false, {});
  ASSERT_EQ(lines.lines.size(), 2u);
  EXPECT_EQ(lines.lines[0].text, "{\"a\":1}");
  EXPECT_EQ(lines.lines[1].text, "{\"b\":2}");
  EXPECT_EQ(lines.end, 16u);  // before the half line
  EXPECT_TRUE(read_lines(file, 0, lines.end, false, {}).lines.empty());

  append(file, "3}\n");  // the fast path finishes it
  lines = read_lines(file, 0, lines.end, false, {});
  ASSERT_EQ(lines.lines.size(), 1u);
  EXPECT_EQ(lines.lines[0].text, "{\"c\":3}");
  EXPECT_TRUE(lines.lines[0].complete);
}

TEST(LineReader, AHalfLineAtTheEndOfAClosedFileIsARecordMarkedIncomplete) {
  TempDir dir("line-reader");
  const auto file = dir / "eve-20261122T100000Z-1.json";
  append(file, "{\"a\":1}\n{\"b\":");
  const Lines lines = read_lines(file, 0, 0, true, {});
  ASSERT_EQ(lines.lines.size(), 2u);
  EXPECT_TRUE(lines.lines[0].complete);
  EXPECT_FALSE(lines.lines[1].complete);
  EXPECT_EQ(lines.lines[1].text, "{\"b\":");
  EXPECT_EQ(lines.end, 13u);
  EXPECT_EQ(count_records(file, 0), 2u);
  EXPECT_EQ(count_records(file, 8), 1u);

  // Read again as a range (a batch resent): the same records, the last still incomplete.
  const Lines again = read_lines(file, 0, 0, true, {UINT64_MAX, 10, lines.end});
  ASSERT_EQ(again.lines.size(), 2u);
  EXPECT_FALSE(again.lines[1].complete);
  EXPECT_EQ(again.end, lines.end);
}

TEST(LineReader, LimitsStopAtLineBoundariesAndAlwaysTakeOneLine) {
  TempDir dir("line-reader");
  const auto file = dir / "f";
  for (int i = 0; i < 10; ++i) append(file, testing::eve_line(i));
  const uint64_t length = testing::eve_line(0).size();
  Lines lines = read_lines(file, 0, 0, false, {length * 3, 100, UINT64_MAX});
  EXPECT_EQ(lines.lines.size(), 3u);
  lines = read_lines(file, 0, 0, false, {1, 100, UINT64_MAX});
  EXPECT_EQ(lines.lines.size(), 1u);
  lines = read_lines(file, 0, 0, false, {UINT64_MAX, 4, UINT64_MAX});
  EXPECT_EQ(lines.lines.size(), 4u);
  EXPECT_EQ(lines.end, 4 * length);
  lines = read_lines(file, 0, length * 2, false, {UINT64_MAX, 100, length * 5});
  ASSERT_EQ(lines.lines.size(), 3u);
  EXPECT_NE(lines.lines[0].text.find("\"n\":2"), std::string::npos);
}

TEST(LineReader, ALineLongerThanKeptIsCutButSkippedWhole) {
  TempDir dir("line-reader");
  const auto file = dir / "f";
  const std::string huge(kMaxKeptLineBytes * 3 + 5, 'x');
  append(file, huge + "\n{\"after\":1}\n");
  const Lines lines = read_lines(file, 0, 0, false, {});
  ASSERT_EQ(lines.lines.size(), 2u);
  EXPECT_EQ(lines.lines[0].text.size(), kMaxKeptLineBytes);
  EXPECT_EQ(lines.lines[0].length, huge.size());
  EXPECT_EQ(lines.lines[1].text, "{\"after\":1}");
}

TEST(LineReader, EmptyLinesAreRecordsToo) {
  TempDir dir("line-reader");
  const auto file = dir / "f";
  append(file, "\n\n{}\n");
  EXPECT_EQ(read_lines(file, 0, 0, false, {}).lines.size(), 3u);
}

TEST(LineReader, AFileRenamedSinceItWasListedIsNotReadByMistake) {
  TempDir dir("line-reader");
  append(dir / "eve.json", "{\"a\":1}\n");
  struct stat st {};
  ASSERT_EQ(::stat((dir / "eve.json").c_str(), &st), 0);
  std::filesystem::rename(dir / "eve.json", dir / "eve-20261122T100000Z-1.json");  // the fast path rotates
  append(dir / "eve.json", "{\"b\":2}\n");
  EXPECT_THROW(read_lines(dir / "eve.json", st.st_ino, 0, false, {}), FileReplaced);
  EXPECT_EQ(read_lines(dir / "eve-20261122T100000Z-1.json", st.st_ino, 0, true, {}).lines.size(), 1u);
  std::filesystem::remove(dir / "eve-20261122T100000Z-1.json");
  EXPECT_THROW(read_lines(dir / "eve-20261122T100000Z-1.json", st.st_ino, 0, true, {}), FileReplaced);
}

TEST(LineReader, AnUnreadableFileNamesItself) {
  try {
    read_lines("/nonexistent/torwart/eve.json", 0, 0, false, {});
    FAIL();
  } catch (const FileReplaced& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/torwart/eve.json: gone since it was listed"),
              std::string::npos);
  }
  TempDir dir("line-reader");
  try {
    read_lines(dir.path(), 0, 0, false, {});  // opens, but cannot be read
    FAIL();
  } catch (const ShippingError& e) {
    EXPECT_NE(std::string(e.what()).find(dir.path().string() + ": Is a directory"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace torwart::controlplane::log_shipping
