#include "controlplane/log_shipping/stream_files.hpp"

#include <gtest/gtest.h>

#include "controlplane/log_shipping/test_spool.hpp"

namespace torwart::controlplane::log_shipping {
namespace {

using testing::append;
using testing::eve_line;
using testing::TempDir;

std::vector<std::string> names(const std::vector<StreamFile>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(f.name);
  return out;
}

TEST(StreamFiles, TheSpoolInWritingOrderActiveLast) {
  TempDir dir("stream-files");
  for (const char* name : {"eve.json", "eve-20261122T100000Z-10.json", "eve-20261122T100000Z-9.json",
                           "eve-20261121T235959Z-3.json", "audit.jsonl", "eve-x.txt"})
    append(dir / name, eve_line(1));
  std::filesystem::create_directories(dir /
                                      "eve-20261122T110000Z-1.json");  // not a file: not the fast path's
  const auto files = StreamFiles::spool(dir.path()).list();
  EXPECT_EQ(names(files),
            (std::vector<std::string>{"eve-20261121T235959Z-3.json", "eve-20261122T100000Z-9.json",
                                      "eve-20261122T100000Z-10.json", "eve.json"}));
}

TEST(StreamFiles, AMissingSpoolOrFileIsAnEmptyStream) {
  EXPECT_TRUE(StreamFiles::spool("/nonexistent/torwart-spool").list().empty());
  EXPECT_TRUE(StreamFiles::single("/nonexistent/audit.jsonl").list().empty());
}

TEST(StreamFiles, APositionFollowsItsFileWhenTheFastPathRotatesIt) {
  TempDir dir("stream-files");
  const StreamFiles spool = StreamFiles::spool(dir.path());
  append(dir / "eve.json", eve_line(1) + eve_line(2));
  auto files = spool.list();
  const Position p = position_at(files, 0, eve_line(1).size());
  EXPECT_EQ(p.file, "eve.json");
  EXPECT_EQ(p.head.size(), 64u);

  std::filesystem::rename(dir / "eve.json", dir / "eve-20261122T100000Z-1.json");  // same inode
  append(dir / "eve.json", eve_line(3));
  files = spool.list();
  Located at = locate(spool, files, p);
  EXPECT_FALSE(at.vanished);
  EXPECT_EQ(files[at.index].name, "eve-20261122T100000Z-1.json");
  EXPECT_EQ(at.offset, eve_line(1).size());

  // At the end of a closed file: the start of the next one.
  at = locate(spool, files, position_at(files, 0, files[0].size));
  EXPECT_EQ(files[at.index].name, "eve.json");
  EXPECT_EQ(at.offset, 0u);
}

TEST(StreamFiles, AVanishedFileGoesOnWithTheFileWrittenAfterIt) {
  TempDir dir("stream-files");
  const StreamFiles spool = StreamFiles::spool(dir.path());
  for (const char* name :
       {"eve-20261122T100000Z-1.json", "eve-20261122T100000Z-2.json", "eve-20261122T100000Z-3.json"})
    append(dir / name, eve_line(1) + eve_line(2));
  append(dir / "eve.json", eve_line(3));
  auto files = spool.list();
  const Position in_second = position_at(files, 1, eve_line(1).size());
  const Position in_active = position_at(files, 3, 0);
  std::filesystem::remove(dir / "eve-20261122T100000Z-2.json");
  files = spool.list();
  Located at = locate(spool, files, in_second);
  EXPECT_TRUE(at.vanished);
  EXPECT_EQ(files[at.index].name, "eve-20261122T100000Z-3.json");  // not the first, already shipped
  EXPECT_EQ(at.offset, 0u);

  // The active file was rotated (to -4) and that was deleted: on after its prior, the newest closed then.
  std::filesystem::rename(dir / "eve.json", dir / "eve-20261122T100000Z-4.json");
  std::filesystem::remove(dir / "eve-20261122T100000Z-4.json");
  append(dir / "eve-20261122T100001Z-5.json", eve_line(5));
  append(dir / "eve.json", eve_line(6));
  files = spool.list();
  at = locate(spool, files, in_active);
  EXPECT_TRUE(at.vanished);
  EXPECT_EQ(files[at.index].name, "eve-20261122T100001Z-5.json");
}

TEST(StreamFiles, AReusedInodeWithOtherBytesIsAnotherFile) {
  TempDir dir("stream-files");
  const StreamFiles audit = StreamFiles::single(dir / "audit.jsonl");
  append(dir / "audit.jsonl", "{\"first\":1}\n{\"second\":2}\n");
  auto files = audit.list();
  const Position p = position_at(files, 0, 13);
  // The log moved aside and a new one begun; give the new one the old inode's identity but other bytes.
  std::filesystem::remove(dir / "audit.jsonl");
  append(dir / "audit.jsonl", "{\"other\":1}\n{\"record\":2}\n");
  files = audit.list();
  const Located at = locate(audit, files, p);
  EXPECT_TRUE(at.vanished);  // whatever the inode: the head digest differs
  EXPECT_EQ(at.index, 0u);
  EXPECT_EQ(at.offset, 0u);
}

TEST(StreamFiles, TheStartOfAStreamIsItsFirstFile) {
  TempDir dir("stream-files");
  const StreamFiles spool = StreamFiles::spool(dir.path());
  EXPECT_EQ(locate(spool, spool.list(), Position{}).index, 0u);  // no file: index == size
  append(dir / "eve.json", eve_line(1));
  const Located at = locate(spool, spool.list(), Position{});
  EXPECT_FALSE(at.vanished);
  EXPECT_EQ(at.index, 0u);
  EXPECT_EQ(at.offset, 0u);
}

}  // namespace
}  // namespace torwart::controlplane::log_shipping
