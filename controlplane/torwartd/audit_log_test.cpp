#include "controlplane/torwartd/audit_log.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "controlplane/config_store/atomic_file.hpp"

namespace torwart::controlplane {
namespace {
namespace fs = std::filesystem;

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "torwartd-audit-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  const Author anna_{1000, 1000, 5, "anna"};
};

TEST_F(AuditLogTest, ChainContinuesAcrossReopening) {
  const fs::path path = dir_ / "sub" / "audit.jsonl";
  {
    AuditLog log(path);
    log.record(1000, anna_, "commit", "ok", {{"version", 2}});
    log.record(2000, anna_, "confirm", "ok", {{"version", 2}});
  }
  AuditLog again(path);
  again.record(3000, anna_, "rollback", "ok", {{"version", 3}, {"comment", std::string(200000, 'x')}});
  again.record(4000, anna_, "commit", "refused", {{"reason", "invalid"}});
  EXPECT_EQ(verify_audit_log(path), std::nullopt);

  std::ifstream in(path);
  std::string first;
  std::getline(in, first);
  const auto record = nlohmann::json::parse(first);
  EXPECT_EQ(record["prev"], "");
  EXPECT_EQ(record["who"]["name"], "anna");
  EXPECT_EQ(record["time"], "1970-01-01T00:00:01.000Z");
  EXPECT_EQ(record["version"], 2);
}

TEST_F(AuditLogTest, RemovedOrChangedLinesBreakTheChain) {
  const fs::path path = dir_ / "audit.jsonl";
  {
    AuditLog log(path);
    for (int i = 1; i <= 3; ++i) log.record(i * 1000, anna_, "commit", "ok", {{"version", i}});
  }
  std::string text = read_whole_file(path, kMaxStoreRecordBytes);
  std::istringstream lines(text);
  std::string l1, l2, l3;
  std::getline(lines, l1);
  std::getline(lines, l2);
  std::getline(lines, l3);
  write_file_atomic(path, l1 + "\n" + l3 + "\n");
  EXPECT_EQ(verify_audit_log(path),
            "line 2: \"prev\" does not match the line before (removed, changed or reordered records)");
  std::string changed = l2;
  changed.replace(changed.find("\"ok\""), 4, "\"no\"");
  write_file_atomic(path, l1 + "\n" + changed + "\n" + l3 + "\n");
  EXPECT_EQ(verify_audit_log(path).value_or("").rfind("line 3:", 0), 0u);
}

TEST_F(AuditLogTest, TheAnchoredHeadShowsACutOffEnd) {
  const fs::path path = dir_ / "audit.jsonl";
  AuditHead head;
  std::string kept;
  {
    AuditLog log(path);
    log.record(1000, anna_, "commit", "ok", {{"version", 1}});
    kept = read_whole_file(path, kMaxStoreRecordBytes);
    log.record(2000, anna_, "commit", "ok", {{"version", 2}});
    head = log.head();
  }
  EXPECT_EQ(head.records, 2u);
  EXPECT_EQ(verify_audit_log(path, head), std::nullopt);
  EXPECT_EQ(AuditLog(path).head().hash, head.hash);  // reopening finds the same head
  write_file_atomic(path, kept);
  EXPECT_EQ(verify_audit_log(path), std::nullopt);
  EXPECT_NE(verify_audit_log(path, head).value_or("").find("the newest 1 records were removed"),
            std::string::npos);
  // Cut and written on: as many records as anchored, but not the anchored one.
  {
    AuditLog log(path);
    log.record(3000, anna_, "confirm", "ok", {});
  }
  EXPECT_NE(verify_audit_log(path, head).value_or("").find("line 2: not the record state.json anchors"),
            std::string::npos);
  fs::remove(path);
  EXPECT_NE(verify_audit_log(path, head).value_or("").find("the log is missing"), std::string::npos);
}

}  // namespace
}  // namespace torwart::controlplane
