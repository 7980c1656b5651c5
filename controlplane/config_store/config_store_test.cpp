#include "controlplane/config_store/config_store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "controlplane/config_store/atomic_file.hpp"
#include "controlplane/config_store/store_lock.hpp"
#include "controlplane/config_store/validate.hpp"
#include "rules/config/config_digest.hpp"
#include "rules/config/load.hpp"

namespace torwart::controlplane {
namespace {
namespace fs = std::filesystem;

class ConfigStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "torwart-store-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  static VersionInfo meta(const std::string& comment) {
    VersionInfo v;
    v.author = {1000, 1000, 42, "anna"};
    v.time_ms = 1764598225123;
    v.comment = comment;
    v.kind = "commit";
    return v;
  }

  fs::path dir_;
};

TEST_F(ConfigStoreTest, VersionsSurviveReopening) {
  {
    ConfigStore store(dir_);
    EXPECT_TRUE(store.empty());
    EXPECT_EQ(store.current(), 0u);
    const auto v1 = store.add_candidate("a: 1\n", meta("first"));
    EXPECT_EQ(v1.version, 1u);
    EXPECT_EQ(v1.state, VersionState::kCandidate);
    EXPECT_EQ(store.current(), 0u);
    store.mark_applied(1);
    const auto v2 = store.add_candidate("a: 2\n", meta("second"));
    store.mark_failed(v2.version, "refused by the fast path");
    EXPECT_EQ(store.current(), 1u);
  }
  ConfigStore store(dir_);
  EXPECT_EQ(store.current(), 1u);
  EXPECT_EQ(store.last(), 2u);
  EXPECT_EQ(store.text(1), "a: 1\n");
  const auto h = store.history();
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].comment, "first");
  EXPECT_EQ(h[0].author.name, "anna");
  EXPECT_EQ(h[0].author.uid, 1000u);
  EXPECT_EQ(h[0].state, VersionState::kApplied);
  EXPECT_EQ(h[0].digest, config::config_digest("a: 1\n"));
  EXPECT_EQ(h[1].state, VersionState::kFailed);
  EXPECT_EQ(h[1].failure, "refused by the fast path");
}

TEST_F(ConfigStoreTest, NumbersSkipToWhatTheFastPathRuns) {
  ConfigStore store(dir_);
  EXPECT_EQ(store.add_candidate("x\n", meta("")).version, 1u);
  EXPECT_EQ(store.add_candidate("y\n", meta(""), 7).version, 7u);
  EXPECT_EQ(store.add_candidate("z\n", meta(""), 3).version, 8u);
  EXPECT_FALSE(store.has(4));
  EXPECT_EQ(store.history().size(), 3u);
  // A far jump costs nothing: history is read from the directory.
  EXPECT_EQ(store.add_candidate("far\n", meta(""), uint64_t{1} << 50).version, uint64_t{1} << 50);
  EXPECT_EQ(store.versions(), (std::vector<uint64_t>{1, 7, 8, uint64_t{1} << 50}));
}

// Shortens a file as a full disk or a crash of another writer would.
void truncate_to(const fs::path& path, uintmax_t bytes) {
  fs::resize_file(path, bytes);
}

fs::path text_file(const fs::path& dir, const char* name) {
  return dir / "versions" / name;
}

TEST_F(ConfigStoreTest, TruncatedTextIsDamageAtOpenAndAtEveryRead) {
  {
    ConfigStore store(dir_);
    store.add_candidate("a: 1\nb: 2\n", meta("first"));
    store.mark_applied(1);
  }
  truncate_to(text_file(dir_, "00000001.yaml"), 4);
  ConfigStore store(dir_);
  ASSERT_EQ(store.damage().size(), 1u);
  const Damage& d = store.damage().at(1);
  EXPECT_EQ(d.problem, "truncated");
  EXPECT_EQ(d.message(),
            "version 1: " + text_file(dir_, "00000001.yaml").string() + ": truncated (4 of 10 bytes)");
  EXPECT_EQ(store.detections(), 1u);
  try {
    store.text(1);
    FAIL() << "a truncated text was returned";
  } catch (const StoreDamaged& e) {
    EXPECT_EQ(e.damage.problem, "truncated");
    EXPECT_EQ(std::string(e.what()), d.message());
  }
  EXPECT_EQ(store.detections(), 2u);
  EXPECT_THROW(store.export_history(), StoreDamaged);  // no corrupt text leaves the store
}

TEST_F(ConfigStoreTest, ChangedTextIsADigestMismatchEvenWhileOpen) {
  ConfigStore store(dir_);
  store.add_candidate("a: 1\n", meta(""));
  EXPECT_TRUE(store.damage().empty());
  write_file_atomic(text_file(dir_, "00000001.yaml"), "a: 2\n");  // same size: only the digest tells
  try {
    store.text(1);
    FAIL();
  } catch (const StoreDamaged& e) {
    EXPECT_EQ(e.damage.problem, "digest mismatch");
    EXPECT_EQ(e.damage.version, 1u);
  }
  EXPECT_EQ(store.damage().count(1), 1u);
}

TEST_F(ConfigStoreTest, DeletedRecordIsAGapNotAShorterHistory) {
  {
    ConfigStore store(dir_);
    store.add_candidate("x\n", meta(""));
    store.add_candidate("y\n", meta(""), 7);  // a legitimate jump: 2 to 6 never existed
    store.add_candidate("z\n", meta(""));
    store.mark_applied(8);
  }
  fs::remove(text_file(dir_, "00000007.json"));
  ConfigStore store(dir_);
  ASSERT_EQ(store.damage().size(), 1u);
  EXPECT_EQ(store.damage().at(7).problem, "missing record");
  EXPECT_EQ(store.damage().at(7).file, text_file(dir_, "00000007.json").string());
  EXPECT_EQ(store.versions(), (std::vector<uint64_t>{1, 7, 8}));
  EXPECT_EQ(store.history().size(), 2u);  // the caller shows damage() beside it
  EXPECT_THROW(store.info(7), StoreDamaged);
  EXPECT_THROW(store.export_history(), StoreDamaged);
}

TEST_F(ConfigStoreTest, TheNewestRecordDeletedIsFoundToo) {
  {
    ConfigStore store(dir_);
    store.add_candidate("x\n", meta(""));
    store.mark_applied(1);
    store.add_candidate("y\n", meta(""));
    store.mark_failed(2, "refused");
  }
  fs::remove(text_file(dir_, "00000002.json"));
  fs::remove(text_file(dir_, "00000002.yaml"));
  ConfigStore store(dir_);
  ASSERT_EQ(store.damage().count(2), 1u);
  EXPECT_EQ(store.damage().at(2).problem, "missing record");
}

TEST_F(ConfigStoreTest, RepairTakesOnlyTheExactText) {
  ConfigStore store(dir_);
  store.add_candidate("a: 1\nb: 2\n", meta(""));
  truncate_to(text_file(dir_, "00000001.yaml"), 3);
  EXPECT_EQ(store.verify(1).value_or(Damage{}).problem, "truncated");
  EXPECT_THROW(store.repair_text(1, "a: 1\n"), StoreError);
  EXPECT_THROW(store.text(1), StoreDamaged);
  store.repair_text(1, "a: 1\nb: 2\n");
  EXPECT_TRUE(store.damage().empty());
  EXPECT_EQ(store.text(1), "a: 1\nb: 2\n");
}

TEST_F(ConfigStoreTest, ALostVersionIsKeptAsLostAndTravelsWithTheExport) {
  {
    ConfigStore store(dir_);
    store.add_candidate("x\n", meta(""));
    store.mark_applied(1);
    store.add_candidate("y\n", meta(""));
    store.mark_applied(2);
    EXPECT_THROW(store.mark_lost(1, "intact"), StoreError);  // only damage can be given up
  }
  fs::remove(text_file(dir_, "00000001.json"));
  ConfigStore store(dir_);
  EXPECT_THROW(store.mark_lost(2, "current"), StoreError);
  store.mark_lost(1, "record deleted by hand, no copy");
  EXPECT_TRUE(store.damage().empty());
  EXPECT_FALSE(store.has(1));
  try {
    store.text(1);
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_STREQ(e.what(), "version 1 was given up as lost: record deleted by hand, no copy");
  }
  const auto exported = store.export_history();
  ASSERT_EQ(exported["versions"].size(), 1u);
  EXPECT_EQ(exported["lost"][0]["version"], 1);
  ConfigStore copy(dir_ / "copy");
  copy.import_history(exported);
  EXPECT_EQ(copy.lost().at(1), "record deleted by hand, no copy");
  EXPECT_EQ(copy.current(), 2u);
  ConfigStore reopened(dir_);
  EXPECT_EQ(reopened.lost().size(), 1u);
  EXPECT_TRUE(reopened.damage().empty());
}

TEST_F(ConfigStoreTest, AStoreWithoutASequenceStillNoticesItsLastRecordGone) {
  {
    ConfigStore store(dir_);
    store.add_candidate("x\n", meta(""));
    store.mark_applied(1);
    store.add_candidate("y\n", meta(""));
    store.mark_applied(2);
  }
  // state.json as written before the sequence was recorded.
  write_file_atomic(dir_ / "state.json", R"({"current": 2, "last": 2, "pending_confirm": null})");
  fs::remove(text_file(dir_, "00000002.json"));
  ConfigStore store(dir_);
  EXPECT_EQ(store.damage().at(2).problem, "missing record");
}

TEST_F(ConfigStoreTest, AuditHeadIsKeptInState) {
  {
    ConfigStore store(dir_);
    EXPECT_FALSE(store.audit_head().has_value());
    store.set_audit_head({3, "abc"});
  }
  EXPECT_EQ(ConfigStore(dir_).audit_head()->records, 3u);
  EXPECT_EQ(read_audit_head(dir_)->hash, "abc");
  EXPECT_FALSE(read_audit_head(dir_ / "nowhere").has_value());
}

TEST_F(ConfigStoreTest, UnknownVersionIsNamed) {
  ConfigStore store(dir_);
  store.add_candidate("x\n", meta(""));
  try {
    store.text(5);
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_STREQ(e.what(), "there is no version 5 (versions 1 to 1)");
  }
}

TEST_F(ConfigStoreTest, PendingConfirmIsPersisted) {
  {
    ConfigStore store(dir_);
    store.add_candidate("x\n", meta(""));
    store.mark_applied(1);
    store.set_pending(PendingConfirm{1, 0, 1764598300000, {0, 0, 1, "root"}});
  }
  ConfigStore store(dir_);
  ASSERT_TRUE(store.pending().has_value());
  EXPECT_EQ(store.pending()->deadline_ms, 1764598300000);
  EXPECT_EQ(store.pending()->author.name, "root");
  store.set_pending(std::nullopt);
  EXPECT_FALSE(ConfigStore(dir_).pending().has_value());
}

TEST_F(ConfigStoreTest, ExportImportRoundTrip) {
  ConfigStore store(dir_);
  store.add_candidate("a: 1\n", meta("one"));
  store.mark_applied(1);
  store.add_candidate("a: 2\n", meta("two"));
  store.mark_failed(2, "no");
  store.add_candidate("a: 3\n", meta("three"));
  store.mark_applied(3);
  const auto exported = store.export_history();

  ConfigStore copy(dir_ / "copy");
  copy.import_history(exported);
  EXPECT_EQ(copy.current(), 3u);
  EXPECT_EQ(copy.last(), 3u);
  EXPECT_EQ(copy.text(2), "a: 2\n");
  EXPECT_EQ(nlohmann::json(copy.history()), nlohmann::json(store.history()));
  EXPECT_EQ(copy.export_history(), exported);
  EXPECT_THROW(copy.import_history(exported), StoreError);  // not empty any more
}

TEST_F(ConfigStoreTest, ImportRefusesTamperedText) {
  ConfigStore store(dir_);
  store.add_candidate("a: 1\n", meta("one"));
  store.mark_applied(1);
  auto exported = store.export_history();
  exported["versions"][0]["config"] = "a: 666\n";
  ConfigStore copy(dir_ / "copy");
  try {
    copy.import_history(exported);
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_STREQ(e.what(), "version 1: the text does not match its digest");
  }
  EXPECT_TRUE(copy.empty());
  EXPECT_THROW(copy.import_history(nlohmann::json{{"format", "other"}}), StoreError);
}

TEST_F(ConfigStoreTest, DamagedStateIsRefused) {
  write_file_atomic(dir_ / "state.json", "{\"current\": 3}");
  EXPECT_THROW(ConfigStore store(dir_), StoreError);
  {
    write_file_atomic(dir_ / "state.json", R"({"current": 0, "last": 0, "pending_confirm": null})");
    ConfigStore store(dir_);
    store.add_candidate("x\n", meta(""));
    store.add_candidate("y\n", meta(""));
  }
  // The version list must run up to "last", and a lost version cannot also be held.
  write_file_atomic(dir_ / "state.json",
                    R"({"current": 0, "last": 2, "versions": [1], "pending_confirm": null})");
  EXPECT_THROW(ConfigStore store(dir_), StoreError);
  write_file_atomic(
      dir_ / "state.json",
      R"({"current": 0, "last": 2, "versions": [1, 2], "lost": {"2": "x"}, "pending_confirm": null})");
  EXPECT_THROW(ConfigStore store(dir_), StoreError);
  write_file_atomic(
      dir_ / "state.json",
      R"({"current": 0, "last": 2, "versions": [1], "lost": {"2": "x"}, "pending_confirm": null})");
  EXPECT_NO_THROW(ConfigStore store(dir_));
}

TEST_F(ConfigStoreTest, OneOwnerAtATime) {
  {
    StoreLock first(dir_);
    try {
      StoreLock second(dir_);
      FAIL() << "second lock taken";
    } catch (const StoreError& e) {
      EXPECT_EQ(std::string(e.what()), "another torwartd already uses the store " + dir_.string());
    }
  }
  StoreLock again(dir_);  // released with the first
}

TEST(AtomicFile, ReplacesWholeAndLeavesNoTemporary) {
  const fs::path dir = fs::temp_directory_path() / ("torwart-atomic-" + std::to_string(getpid()));
  fs::create_directories(dir);
  write_file_atomic(dir / "f", "old");
  write_file_atomic(dir / "f", "new content");
  EXPECT_EQ(read_whole_file(dir / "f", 100), "new content");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  EXPECT_THROW(write_file_atomic(dir / "missing" / "f", "x"), StoreIoError);
  fs::remove_all(dir);
}

TEST(Validate, DefaultConfigIsValid) {
  EXPECT_TRUE(validate_config(config::default_config_text(), "default.yaml").empty());
}

TEST(Validate, ErrorsNameFileLineAndPath) {
  const auto errors = validate_config("format: 1\nports: 5\n", "cand.yaml");
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors[0].rfind("cand.yaml:", 0), 0u) << errors[0];
}

TEST(Validate, PolicyCheckIsApplied) {
  std::string text(config::default_config_text());
  const auto at = text.find("  rules:\n");
  ASSERT_NE(at, std::string::npos);
  text.insert(at + 9, "    - {name: bad-zone, from: [nowhere], to: [inet], action: accept}\n");
  const auto errors = validate_config(text, "c.yaml");
  ASSERT_FALSE(errors.empty());
}

}  // namespace
}  // namespace torwart::controlplane
