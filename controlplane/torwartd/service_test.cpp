#include "controlplane/torwartd/service.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "controlplane/config_store/atomic_file.hpp"
#include "controlplane/config_store/validate.hpp"
#include "controlplane/torwartd/fake_fastpath.hpp"
#include "rules/config/config_digest.hpp"
#include "rules/config/load.hpp"

namespace torwart::controlplane {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

std::string config_with_route(const std::string& to) {
  std::string text(config::default_config_text());
  const auto at = text.find("\nroutes:");
  EXPECT_NE(at, std::string::npos);
  const auto line_end = text.find('\n', at + 1);
  text.insert(line_end + 1, "  - to: " + to + "\n    via: 10.200.0.1\n");
  return text;
}

std::vector<json> audit_lines(const fs::path& path) {
  std::vector<json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
  return out;
}

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "torwartd-service-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    open();
    fastpath_.running = {1, config::config_digest(config::default_config_text())};
  }
  void TearDown() override { fs::remove_all(dir_); }

  // (Re)opens store and service on the same directory: a torwartd restart.
  void open() {
    service_.reset();
    store_ = std::make_unique<ConfigStore>(dir_ / "config");
    audit_ = std::make_unique<AuditLog>(dir_ / "audit.jsonl");
    service_ = std::make_unique<ControlService>(*store_, fastpath_, *audit_, [this] { return now_; });
  }

  CommitRequest commit_of(const std::string& text, const std::string& comment = "change") {
    CommitRequest r;
    r.text = text;
    r.origin = "candidate.yaml";
    r.comment = comment;
    return r;
  }

  ErrorKind error_of(const std::function<void()>& f, std::string* message = nullptr) {
    try {
      f();
    } catch (const ServiceError& e) {
      if (message != nullptr) *message = e.what();
      return e.kind;
    }
    ADD_FAILURE() << "no ServiceError";
    return ErrorKind::kFailure;
  }

  fs::path dir_;
  int64_t now_ = 1764598225000;
  FakeFastPath fastpath_;
  std::unique_ptr<ConfigStore> store_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<ControlService> service_;
  const Author anna_{1000, 1000, 11, "anna"};
  const Author bert_{1001, 1001, 12, "bert"};
};

TEST_F(ServiceTest, InitialAdoptsWhatTheFastPathRuns) {
  service_->adopt_initial(std::string(config::default_config_text()), "/etc/torwart/torwart.yaml");
  EXPECT_EQ(store_->current(), 1u);
  EXPECT_TRUE(fastpath_.pushes.empty());
  EXPECT_EQ(service_->resynchronise(), "in sync");
}

TEST_F(ServiceTest, InitialWaitsForTheFastPath) {
  fastpath_.reachable = false;
  service_->set_initial(std::string(config::default_config_text()), "boot.yaml");
  EXPECT_NE(service_->resynchronise().find("fast path unreachable"), std::string::npos);
  EXPECT_TRUE(store_->empty());
  fastpath_.reachable = true;
  EXPECT_EQ(service_->resynchronise(), "in sync");
  EXPECT_EQ(store_->current(), 1u);
  EXPECT_EQ(store_->info(1).kind, "initial");
  EXPECT_THROW(service_->set_initial("format: 1\nports: 5\n", "bad.yaml"), ServiceError);
}

TEST_F(ServiceTest, CommitPushesAndBecomesCurrent) {
  service_->adopt_initial(std::string(config::default_config_text()), "boot.yaml");
  const json r = service_->commit(commit_of(config_with_route("172.16.0.0/12")), anna_);
  EXPECT_EQ(r["version"], 2);
  EXPECT_EQ(r["previous"], 1);
  EXPECT_EQ(r["diff"]["lines_added"], 2);
  ASSERT_EQ(fastpath_.pushes.size(), 1u);
  EXPECT_EQ(fastpath_.pushes[0], 2u);
  EXPECT_EQ(fastpath_.running.version, 2u);
  EXPECT_EQ(store_->current(), 2u);
  EXPECT_EQ(store_->info(2).author.name, "anna");
  const auto audit = audit_lines(dir_ / "audit.jsonl");
  ASSERT_FALSE(audit.empty());
  EXPECT_EQ(audit.back()["action"], "commit");
  EXPECT_EQ(audit.back()["result"], "ok");
  EXPECT_EQ(audit.back()["who"]["uid"], 1000);
  EXPECT_EQ(audit.back()["diff"]["lines_added"], 2);
}

TEST_F(ServiceTest, InvalidCandidateNeverReachesTheFastPath) {
  service_->adopt_initial(std::string(config::default_config_text()), "boot.yaml");
  std::string message;
  const std::string bad = config_with_route("not-a-prefix");
  EXPECT_EQ(error_of([&] { service_->commit(commit_of(bad), anna_); }, &message), ErrorKind::kBadInput);
  EXPECT_NE(message.find("not valid"), std::string::npos) << message;
  EXPECT_TRUE(fastpath_.pushes.empty());
  EXPECT_EQ(store_->last(), 1u);
  try {
    service_->commit(commit_of(bad), anna_);
  } catch (const ServiceError& e) {
    ASSERT_FALSE(e.details.empty());
    EXPECT_NE(e.details[0].find("candidate.yaml:"), std::string::npos) << e.details[0];
    EXPECT_NE(e.details[0].find("routes[0]"), std::string::npos) << e.details[0];
  }
  EXPECT_EQ(audit_lines(dir_ / "audit.jsonl").back()["result"], "refused");
}

// Anti-lockout: a commit may move the management protection but not drop it, and the loader refuses a port
// on the protected interface whatever the commit says.
TEST_F(ServiceTest, ACommitCannotDropTheManagementProtection) {
  const std::string managed = std::string(config::default_config_text()) + "management: {interface: eno1}\n";
  service_->adopt_initial(std::string(config::default_config_text()), "boot.yaml");
  service_->commit(commit_of(managed), anna_);
  EXPECT_EQ(store_->current(), 2u);
  std::string message;
  EXPECT_EQ(error_of([&] { service_->commit(commit_of(std::string(config::default_config_text())), anna_); },
                     &message),
            ErrorKind::kBadInput);
  try {
    service_->commit(commit_of(std::string(config::default_config_text())), anna_);
  } catch (const ServiceError& e) {
    ASSERT_FALSE(e.details.empty());
    EXPECT_NE(e.details[0].find("anti-lockout"), std::string::npos) << e.details[0];
  }
  std::string stolen = managed;
  stolen.replace(stolen.find("device: tw-lan"), 14, "device: eno1");
  EXPECT_EQ(error_of([&] { service_->commit(commit_of(stolen), anna_); }), ErrorKind::kBadInput);
  const std::string moved = std::string(config::default_config_text()) + "management: {interface: eno9}\n";
  service_->commit(commit_of(moved), anna_);
  EXPECT_EQ(store_->current(), 3u) << "moving the protection to another interface is allowed";
  EXPECT_EQ(fastpath_.pushes.size(), 2u);
}

TEST_F(ServiceTest, RefusedSnapshotFailsTheCommitAndKeepsTheOld) {
  service_->adopt_initial(std::string(config::default_config_text()), "boot.yaml");
  fastpath_.refuse_next = "configuration needs a restart of torwart run: ports changed";
  EXPECT_EQ(error_of([&] { service_->commit(commit_of(config_with_route("172.16.0.0/12")), anna_); }),
            ErrorKind::kBadInput);
  EXPECT_EQ(store_->current(), 1u);
  EXPECT_EQ(store_->info(2).state, VersionState::kFailed);
  EXPECT_EQ(fastpath_.running.version, 1u);
  // The next commit gets a fresh number; failed numbers are never reused.
  EXPECT_EQ(service_->commit(commit_of(config_with_route("172.16.0.0/12")), anna_)["version"], 3);
}

TEST_F(ServiceTest, UnreachableFastPathChangesNothing) {
  service_->adopt_initial(std::string(config::default_config_text()), "boot.yaml");
  fastpath_.reachable = false;
  EXPECT_EQ(error_of([&] { service_->commit(commit_of(config_with_route("172.16.0.0/12")), anna_); }),
            ErrorKind::kFailure);
  EXPECT_EQ(store_->last(), 1u);
}

TEST_F(ServiceTest, SecondEditorOnAnOldBaseIsRefused) {
  service_->adopt_initial(std::string(config::default_config_text()), "boot.yaml");
  CommitRequest a = commit_of(config_with_route("172.16.0.0/12"), "anna's");
  a.base = 1;
  CommitRequest b = commit_of(config_with_route("192.0.2.0/24"), "bert's");
  b.base = 1;
  service_->commit(a, anna_);
  std::string message;
  EXPECT_EQ(error_of([&] { service_->commit(b, bert_); }, &message), ErrorKind::kConflict);
  EXPECT_NE(message.find("based on version 1, but the current version is 2 (committed by anna"),
            std::string::npos)
      << message;
  EXPECT_EQ(store_->current(), 2u);
  EXPECT_EQ(fastpath_.pushes.size(), 1u);
  b.base = 2;
  EXPECT_EQ(service_->commit(b, bert_)["version"], 3);
}

TEST_F(ServiceTest, UnconfirmedCommitRollsBackAtTheDeadline) {
  service_->adopt_initial(std::string(config::default_config_text()), "boot.yaml");
  CommitRequest r = commit_of(config_with_route("172.16.0.0/12"));
  r.confirm_within_ms = 60000;
  service_->commit(r, anna_);
  EXPECT_EQ(service_->confirm_deadline(), now_ + 60000);
  std::string message;
  EXPECT_EQ(
      error_of([&] { service_->commit(commit_of(config_with_route("192.0.2.0/24")), bert_); }, &message),
      ErrorKind::kConflict);
  EXPECT_NE(message.find("version 2 awaits confirmation"), std::string::npos) << message;

  now_ += 59999;
  EXPECT_FALSE(service_->expire_if_due());
  EXPECT_EQ(store_->current(), 2u);
  now_ += 1;
  EXPECT_TRUE(service_->expire_if_due());
  EXPECT_EQ(store_->current(), 3u);
  EXPECT_EQ(store_->text(3), store_->text(1));
  EXPECT_EQ(store_->info(3).kind, "auto-rollback");
  EXPECT_EQ(store_->info(3).source, 1u);
  EXPECT_EQ(fastpath_.running.version, 3u);
  EXPECT_EQ(fastpath_.running.digest, store_->info(1).digest);
  EXPECT_FALSE(service_->confirm_deadline().has_value());
  EXPECT_EQ(audit_lines(dir_ / "audit.jsonl").back()["action"], "auto-rollback");
}

TEST_F(ServiceTest, RollbackRetriedWhileTheFastPathIsDown) {
  service_->adopt_initial(std::string(config::default_config_text()), "boot.yaml");
  CommitRequest r = commit_of(config_with_route("172.16.0.0/12"));
  r.confirm_within_ms = 1000;
  service_->commit(r, anna_);
  now_ += 1000;
  fastpath_.reachable = false;
  const size_t audit_before = audit_lines(dir_ / "audit.jsonl").size();
  EXPECT_FALSE(service_->expire_if_due());
  EXPECT_FALSE(service_->expire_if_due());
  EXPECT_EQ(audit_lines(dir_ / "audit.jsonl").size(), audit_before + 1) << "one record for repeated retries";
  EXPECT_TRUE(service_->confirm_deadline().has_value());
  EXPECT_EQ(store_->last(), 2u) << "nothing stored while unreachable";
  fastpath_.reachable = true;
  EXPECT_TRUE(service_->expire_if_due());
  EXPECT_EQ(fastpath_.running.digest, store_->info(1).digest);
}

TEST_F(ServiceTest, RollbackTheFastPathRefusesIsGivenUp) {
  service_->adopt_initial(std::string(config::default_config_text()), "boot.yaml");
  CommitRequest r = commit_of(config_with_route("172.16.0.0/12"));
  r.confirm_within_ms = 1000;
  service_->commit(r, anna_);
  now_ += 1000;
  fastpath_.refuse_next = "configuration needs a restart of torwart run";
  EXPECT_FALSE(service_->expire_if_due());
  EXPECT_FALSE(service_->confirm_deadline().has_value());
  EXPECT_EQ(store_->current(), 2u);
  EXPECT_EQ(store_->info(3).state, VersionState::kFailed);
  const auto last = audit_lines(dir_ / "audit.jsonl").back();
  EXPECT_EQ(last["action"], "auto-rollback");
  EXPECT_EQ(last["result"], "failed");
  EXPECT_EQ(last["gave_up"], true);
}

TEST_F(ServiceTest, ConfirmKeepsTheCommit) {
  service_->adopt_initial(std::string(config::default_config_text()), "boot.yaml");
  CommitRequest r = commit_of(config_with_route("172.16.0.0/12"));
  r.confirm_within_ms = 60000;
  service_->commit(r, anna_);
  EXPECT_EQ(service_->confirm(anna_)["version"], 2);
  now_ += 120000;
  EXPECT_FALSE(service_->expire_if_due());
  EXPECT_EQ(store_->current(), 2u);
  EXPECT_EQ(error_of([&] { service_->confirm(anna_); }), ErrorKind::kBadInput);
}

TEST_F(ServiceTest, DeadlineSurvivesARestart) {
  service_->adopt_initial(std::string(config::default_config_text()), "boot.yaml");
  CommitRequest r = commit_of(config_with_route("172.16.0.0/12"));
  r.confirm_within_ms = 60000;
  service_->commit(r, anna_);
  open();  // torwartd restarts before the deadline: re-armed
  EXPECT_EQ(service_->confirm_deadline(), now_ + 60000);
  EXPECT_FALSE(service_->expire_if_due());
  now_ += 3600000;
  open();  // ... and after it: rolled back at once
  EXPECT_TRUE(service_->expire_if_due());
  EXPECT_EQ(store_->current(), 3u);
  EXPECT_EQ(fastpath_.running.digest, store_->info(1).digest);
}

TEST_F(ServiceTest, RollbackIsANewVersionWithTheOldText) {
  service_->adopt_initial(std::string(config::default_config_text()), "boot.yaml");
  service_->commit(commit_of(config_with_route("172.16.0.0/12")), anna_);
  const json r = service_->rollback(1, "", bert_);
  EXPECT_EQ(r["version"], 3);
  EXPECT_EQ(r["restores"], 1);
  EXPECT_EQ(store_->text(3), store_->text(1));
  EXPECT_EQ(service_->diff(1, 3)["unified"], "");
  EXPECT_EQ(service_->diff(1, 2)["lines_added"], 2);
  EXPECT_EQ(error_of([&] { service_->rollback(9, "", bert_); }), ErrorKind::kBadInput);
}

TEST_F(ServiceTest, ResynchronisesAFastPathOnAnotherVersion) {
  service_->adopt_initial(std::string(config::default_config_text()), "boot.yaml");
  service_->commit(commit_of(config_with_route("172.16.0.0/12")), anna_);
  // torwart run restarted from its boot file: version 1 again.
  fastpath_.running = {1, config::config_digest(config::default_config_text())};
  open();
  EXPECT_EQ(service_->resynchronise(), "fast path ran version 1; pushed version 2");
  EXPECT_EQ(fastpath_.running.version, 2u);
  EXPECT_EQ(fastpath_.running.digest, store_->info(2).digest);
  // Someone reloaded by hand to version 9: the current text goes in above it.
  fastpath_.running = {9, "other"};
  EXPECT_EQ(service_->resynchronise(), "fast path ran version 9; pushed version 10");
  EXPECT_EQ(store_->current(), 10u);
  EXPECT_EQ(store_->info(10).kind, "resync");
  EXPECT_EQ(service_->resynchronise(), "in sync");
}

TEST_F(ServiceTest, ResyncDuringAPendingConfirmStillRollsBack) {
  service_->adopt_initial(std::string(config::default_config_text()), "boot.yaml");
  CommitRequest r = commit_of(config_with_route("172.16.0.0/12"));
  r.confirm_within_ms = 60000;
  service_->commit(r, anna_);
  fastpath_.running = {7, "reloaded by hand"};
  EXPECT_EQ(service_->resynchronise(), "fast path ran version 7; pushed version 8");
  ASSERT_TRUE(store_->pending().has_value());
  EXPECT_EQ(store_->pending()->version, 8u);
  now_ += 60000;
  EXPECT_TRUE(service_->expire_if_due());
  EXPECT_EQ(store_->current(), 9u);
  EXPECT_EQ(fastpath_.running.digest, store_->info(1).digest);
}

TEST_F(ServiceTest, CandidateLeftByACrashIsSettled) {
  service_->adopt_initial(std::string(config::default_config_text()), "boot.yaml");
  VersionInfo meta;
  meta.kind = "commit";
  store_->add_candidate(config_with_route("172.16.0.0/12"), meta, 2);  // as if torwartd died mid-push
  open();
  service_->resynchronise();
  EXPECT_EQ(store_->info(2).state, VersionState::kFailed);
  EXPECT_EQ(store_->current(), 1u);
}

TEST_F(ServiceTest, ExportThenImportIntoAnEmptyStore) {
  service_->adopt_initial(std::string(config::default_config_text()), "boot.yaml");
  service_->commit(commit_of(config_with_route("172.16.0.0/12")), anna_);
  const json exported = service_->export_history();
  EXPECT_EQ(error_of([&] { service_->import_history(exported, anna_); }), ErrorKind::kBadInput);

  ConfigStore other_store(dir_ / "other");
  FakeFastPath other_fastpath;
  other_fastpath.running = {1, "boot"};
  AuditLog other_audit(dir_ / "other-audit.jsonl");
  ControlService other(other_store, other_fastpath, other_audit, [this] { return now_; });
  const json r = other.import_history(exported, bert_);
  EXPECT_EQ(r["current"], 2);
  EXPECT_EQ(other_fastpath.running.version, 2u);
  EXPECT_EQ(other_fastpath.running.digest, store_->info(2).digest);
}

fs::path version_file(const fs::path& store_dir, uint64_t version, const char* extension) {
  char name[32];
  std::snprintf(name, sizeof name, "%08llu.%s", static_cast<unsigned long long>(version), extension);
  return store_dir / "versions" / name;
}

void cut_in_half(const fs::path& path) {
  fs::resize_file(path, fs::file_size(path) / 2);
}

TEST_F(ServiceTest, TruncatedCurrentTextIsNeitherInSyncNorShownNorExported) {
  service_->adopt_initial(std::string(config::default_config_text()), "boot.yaml");
  service_->commit(commit_of(config_with_route("172.16.0.0/12")), anna_);
  const fs::path text = version_file(dir_ / "config", 2, "yaml");
  cut_in_half(text);
  open();  // torwartd restarts on the damaged store
  const auto findings = service_->check_integrity();
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_NE(findings[0].find("version 2: " + text.string() + ": truncated"), std::string::npos)
      << findings[0];
  const json status = service_->status();
  EXPECT_FALSE(status["store"]["intact"].get<bool>());
  EXPECT_EQ(status["store"]["damage"][0]["version"], 2);
  EXPECT_EQ(status["store"]["damage"][0]["problem"], "truncated");
  EXPECT_GE(status["store"]["detections"].get<uint64_t>(), 1u);
  EXPECT_EQ(audit_lines(dir_ / "audit.jsonl").back()["action"], "integrity");

  // The fast path runs version 2's real text: the digests agree, but the store's copy is damaged.
  EXPECT_NE(service_->resynchronise(), "in sync");
  std::string message;
  EXPECT_EQ(error_of([&] { service_->show(std::nullopt); }, &message), ErrorKind::kFailure);
  EXPECT_NE(message.find("version 2: " + text.string() + ": truncated"), std::string::npos) << message;
  EXPECT_EQ(error_of([&] { service_->export_history(); }), ErrorKind::kFailure);
  EXPECT_EQ(error_of([&] { service_->diff(1, 2); }), ErrorKind::kFailure);
  EXPECT_EQ(error_of([&] { service_->commit(commit_of(config_with_route("10.9.0.0/16")), anna_); }, &message),
            ErrorKind::kFailure);
  EXPECT_NE(message.find("a commit would build on it"), std::string::npos) << message;

  // torwart run restarted from its boot file: the damaged current version is not pushed, 1 keeps running.
  const auto pushes_before = fastpath_.pushes;
  fastpath_.running = {1, config::config_digest(config::default_config_text())};
  EXPECT_NE(service_->resynchronise().find("nothing is pushed"), std::string::npos);
  EXPECT_EQ(fastpath_.pushes, pushes_before);
  EXPECT_EQ(fastpath_.running.version, 1u);
  EXPECT_EQ(store_->last(), 2u);
}

TEST_F(ServiceTest, RepairWithTheExactTextPushesItAgain) {
  service_->adopt_initial(std::string(config::default_config_text()), "boot.yaml");
  const std::string v2 = config_with_route("172.16.0.0/12");
  service_->commit(commit_of(v2), anna_);
  cut_in_half(version_file(dir_ / "config", 2, "yaml"));
  fastpath_.running = {1, config::config_digest(config::default_config_text())};
  open();
  service_->check_integrity();
  EXPECT_EQ(error_of([&] { service_->repair(2, config_with_route("10.0.0.0/8"), "", anna_); }),
            ErrorKind::kBadInput);  // not the text whose digest the record holds
  const json r = service_->repair(2, v2, "from the nightly export", anna_);
  EXPECT_TRUE(r["store_intact"].get<bool>());
  EXPECT_EQ(fastpath_.running.version, 2u);
  EXPECT_EQ(fastpath_.running.digest, config::config_digest(v2));
  EXPECT_EQ(service_->resynchronise(), "in sync");
  EXPECT_EQ(service_->show(2)["config"], v2);
}

TEST_F(ServiceTest, TruncatedOldTextIsNeverRolledBackTo) {
  service_->adopt_initial(std::string(config::default_config_text()), "boot.yaml");
  service_->commit(commit_of(config_with_route("172.16.0.0/12")), anna_);
  service_->commit(commit_of(config_with_route("10.9.0.0/16")), anna_);
  const fs::path old_text = version_file(dir_ / "config", 2, "yaml");
  cut_in_half(old_text);  // while torwartd runs: found at the use, not only at start
  const auto pushes_before = fastpath_.pushes;
  const FastPathState running_before = fastpath_.running;
  std::string message;
  EXPECT_EQ(error_of([&] { service_->rollback(2, "", bert_); }, &message), ErrorKind::kFailure);
  EXPECT_NE(message.find("version 2: " + old_text.string() + ": truncated"), std::string::npos) << message;
  EXPECT_EQ(fastpath_.pushes, pushes_before);
  EXPECT_EQ(fastpath_.running.version, running_before.version);
  EXPECT_EQ(fastpath_.running.digest, running_before.digest);
  EXPECT_EQ(store_->current(), 3u);
  EXPECT_EQ(store_->last(), 3u);  // not even stored as a candidate
  const auto audit = audit_lines(dir_ / "audit.jsonl");
  EXPECT_EQ(audit.back()["action"], "rollback");
  EXPECT_EQ(audit.back()["result"], "refused");
  EXPECT_EQ(service_->status()["store"]["damage"][0]["version"], 2);
}

TEST_F(ServiceTest, AnAutomaticRollbackToADamagedTextGivesUpWithoutPushing) {
  service_->adopt_initial(std::string(config::default_config_text()), "boot.yaml");
  CommitRequest r = commit_of(config_with_route("172.16.0.0/12"));
  r.confirm_within_ms = 60000;
  service_->commit(r, anna_);
  write_file_atomic(version_file(dir_ / "config", 1, "yaml"), "format: 1\n");
  const auto pushes_before = fastpath_.pushes;
  now_ += 60000;
  EXPECT_FALSE(service_->expire_if_due());
  EXPECT_EQ(fastpath_.pushes, pushes_before);
  EXPECT_EQ(fastpath_.running.version, 2u);
  EXPECT_FALSE(store_->pending().has_value());
  const auto audit = audit_lines(dir_ / "audit.jsonl");
  EXPECT_EQ(audit.back()["action"], "auto-rollback");
  EXPECT_TRUE(audit.back()["gave_up"].get<bool>());
  EXPECT_NE(audit.back()["reason"].get<std::string>().find("cannot roll back: version 1: "),
            std::string::npos);
}

TEST_F(ServiceTest, DeletedVersionRecordIsReportedUntilGivenUp) {
  service_->adopt_initial(std::string(config::default_config_text()), "boot.yaml");
  service_->commit(commit_of(config_with_route("172.16.0.0/12")), anna_);
  service_->commit(commit_of(config_with_route("10.9.0.0/16")), anna_);
  const fs::path record = version_file(dir_ / "config", 2, "json");
  fs::remove(record);
  open();
  const auto findings = service_->check_integrity();
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_NE(findings[0].find("version 2: " + record.string() + ": missing record"), std::string::npos);
  const json h = service_->history();
  EXPECT_EQ(h["versions"].size(), 2u);
  ASSERT_EQ(h["damaged"].size(), 1u);
  EXPECT_EQ(h["damaged"][0]["version"], 2);
  EXPECT_EQ(h["damaged"][0]["problem"], "missing record");
  EXPECT_EQ(error_of([&] { service_->export_history(); }), ErrorKind::kFailure);
  EXPECT_EQ(error_of([&] { service_->rollback(2, "", anna_); }), ErrorKind::kFailure);
  // Without its record the digest is gone: the text cannot be proven, only given up.
  EXPECT_EQ(error_of([&] { service_->repair(2, config_with_route("172.16.0.0/12"), "", anna_); }),
            ErrorKind::kBadInput);
  EXPECT_EQ(error_of([&] { service_->repair(3, std::nullopt, "", anna_); }),
            ErrorKind::kBadInput);  // current
  service_->repair(2, std::nullopt, "record deleted during a disk cleanup", anna_);
  EXPECT_TRUE(service_->status()["store"]["intact"].get<bool>());
  const json exported = service_->export_history();
  EXPECT_EQ(exported["versions"].size(), 2u);
  EXPECT_EQ(exported["lost"][0]["version"], 2);
  EXPECT_EQ(service_->history()["lost"][0]["reason"], "record deleted during a disk cleanup");
  EXPECT_EQ(audit_lines(dir_ / "audit.jsonl").back()["action"], "repair");
}

TEST_F(ServiceTest, RemovedNewestAuditRecordsAreFoundAtStart) {
  service_->adopt_initial(std::string(config::default_config_text()), "boot.yaml");
  service_->commit(commit_of(config_with_route("172.16.0.0/12")), anna_);
  service_->rollback(1, "", bert_);
  const fs::path log = dir_ / "audit.jsonl";
  const auto before = audit_lines(log);
  ASSERT_EQ(before.size(), 3u);
  ASSERT_EQ(store_->audit_head()->records, 3u);
  // Remove the newest two records: what is left is a perfect chain.
  std::ifstream in(log);
  std::string first;
  std::getline(in, first);
  in.close();
  write_file_atomic(log, first + "\n");
  EXPECT_EQ(verify_audit_log(log), std::nullopt);  // the chain alone cannot tell
  const auto broken = verify_audit_log(log, store_->audit_head());
  ASSERT_TRUE(broken.has_value());
  EXPECT_NE(broken->find("the log ends at record 1"), std::string::npos) << *broken;
  EXPECT_NE(broken->find("the newest 2 records were removed"), std::string::npos) << *broken;

  open();  // torwartd restarts
  const auto findings = service_->check_integrity();
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_NE(findings[0].find("the newest 2 records were removed"), std::string::npos) << findings[0];
  EXPECT_FALSE(service_->status()["audit"]["intact"].get<bool>());
  const auto after = audit_lines(log);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[1]["action"], "audit-break");
  EXPECT_EQ(after[1]["anchored"]["records"], 3);
  // Re-anchored on the break record: intact from here on, and the break stays on record.
  EXPECT_EQ(verify_audit_log(log, store_->audit_head()), std::nullopt);
  EXPECT_EQ(recorded_audit_breaks(log).size(), 1u);
}

TEST_F(ServiceTest, NothingIsAppendedBeforeACutAuditLogIsRecorded) {
  service_->adopt_initial(std::string(config::default_config_text()), "boot.yaml");
  service_->commit(commit_of(config_with_route("172.16.0.0/12")), anna_);
  const fs::path log = dir_ / "audit.jsonl";
  std::ifstream in(log);
  std::string first;
  std::getline(in, first);
  in.close();
  write_file_atomic(log, first + "\n");
  open();
  // The first thing that happens after the restart is a change, not check_integrity(): the break still
  // comes first, so re-anchoring cannot hide it.
  service_->commit(commit_of(config_with_route("10.9.0.0/16")), anna_);
  const auto lines = audit_lines(log);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1]["action"], "audit-break");
  EXPECT_EQ(lines[2]["action"], "commit");
}

}  // namespace
}  // namespace torwart::controlplane
