#pragma once
// The versioned configuration store on disk. Every version is kept complete (its YAML text) with its
// VersionInfo; state.json names the current version and a pending commit-confirmed deadline. Every file is
// written atomically (atomic_file.hpp), state.json last, so a crash leaves the previous state.
//
//   DIR/state.json               {"current": N, "last": M, "versions": [1, 2, 7, ...], "lost": {"5": why},
//                                 "pending_confirm": {...} | null, "audit_head": {...} | null}
//   DIR/versions/00000007.yaml   the text of version 7
//   DIR/versions/00000007.json   its VersionInfo (with the text's SHA-256 and size)
//
// The store does not trust its files: every text is checked against its record's digest when the store is
// opened and again at every read, and "versions" in state.json (the numbers may jump, so counting cannot
// tell) shows a version record that went missing. Damage is reported (StoreDamaged, damage()) and counted,
// never papered over; repair_text() and mark_lost() are the two ways out (controlplane/README.md, "A
// damaged store").
//
// Not thread-safe: torwartd owns it from one thread. Version numbers only grow and are never reused.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controlplane/config_store/version_info.hpp"

namespace torwart::controlplane {

// A request the store refuses (unknown version, import into a store with history, malformed export).
struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What is wrong with one stored version.
struct Damage {
  uint64_t version = 0;
  std::string file;     // the file at fault
  std::string problem;  // "missing record", "damaged record", "missing text", "truncated", "digest mismatch"
  std::string detail;   // e.g. "120 of 2400 bytes"
  // "version 5: DIR/versions/00000005.yaml: truncated (120 of 2400 bytes)"
  std::string message() const;
};

// A stored version that must not be used: its record or text is not what the store wrote.
struct StoreDamaged : StoreError {
  explicit StoreDamaged(Damage d) : StoreError(d.message()), damage(std::move(d)) {}
  Damage damage;
};

// The newest audit record as of the last write: a log that no longer reaches it was truncated.
struct AuditHead {
  uint64_t records = 0;  // how many records the log held
  std::string hash;      // SHA-256 of the newest one
};

class ConfigStore {
 public:
  // Creates DIR and DIR/versions when missing; loads state.json and checks every version (damage()).
  // Throws StoreIoError/StoreError when state.json itself is unreadable or inconsistent.
  explicit ConfigStore(std::filesystem::path dir);

  const std::filesystem::path& dir() const { return dir_; }
  uint64_t current() const { return current_; }  // 0: no version yet
  uint64_t last() const { return last_; }        // highest version number used
  bool empty() const { return last_ == 0; }

  bool has(uint64_t version) const;
  // Throws StoreError for an unknown or lost version, StoreDamaged for a missing or unreadable record.
  VersionInfo info(uint64_t version) const;
  // The text, checked against the record's size and digest at every call: StoreDamaged when it is not the
  // text that was stored, so that nothing corrupt is shown, diffed, exported or pushed.
  std::string text(uint64_t version) const;
  std::vector<uint64_t> versions() const;    // the version numbers the store holds (not lost), ascending
  std::vector<VersionInfo> history() const;  // oldest first; versions with a damaged record left out

  // Checks every version again (records, texts, the sequence) and returns what is damaged; damage() keeps
  // the result. Each damaged version found counts as one detection.
  std::vector<Damage> verify_all() const;
  // Checks one version; nullopt when intact.
  std::optional<Damage> verify(uint64_t version) const;
  // What the last check found, and every damage met at a read since (by version).
  const std::map<uint64_t, Damage>& damage() const { return damage_; }
  // How often damage was met (at checks and at refused reads) since the store was opened.
  uint64_t detections() const { return detections_; }
  const std::map<uint64_t, std::string>& lost() const { return lost_; }

  // Repair: writes `text` as version's text again; refused (StoreError) unless its SHA-256 is the one the
  // record holds, so only the exact text comes back (from an export, a backup, the file `torwart run` was
  // started with).
  void repair_text(uint64_t version, const std::string& text);
  // Gives a damaged version up: it stays in the sequence as lost (with the reason), is no longer damage and
  // can never be shown, exported or rolled back to. Refused for an intact version and the current one.
  void mark_lost(uint64_t version, const std::string& reason);

  // Stores a new version in state candidate and returns it. Its number is last() + 1, or `at_least` when
  // that is higher (the fast path may already run a higher version number).
  VersionInfo add_candidate(const std::string& text, VersionInfo meta, uint64_t at_least = 0);
  // The fast path acknowledged `version`: it becomes the current one.
  void mark_applied(uint64_t version);
  // `version` will never be current (refused or never acknowledged); current() is unchanged.
  void mark_failed(uint64_t version, const std::string& reason);

  const std::optional<PendingConfirm>& pending() const { return pending_; }
  void set_pending(std::optional<PendingConfirm> pending);

  // The audit log's newest record, written atomically with the rest of state.json.
  const std::optional<AuditHead>& audit_head() const { return audit_head_; }
  void set_audit_head(AuditHead head);

  // The whole history as one JSON document (texts included), and its inverse. import_history refuses a
  // store that already holds versions, and a document whose digests, numbers or current version do not
  // add up; nothing is written unless all of it is valid. A pending deadline is not exported. Export checks
  // every version first and refuses (StoreDamaged, the first damage named) while any is damaged; lost
  // versions are listed as "lost" without a text.
  nlohmann::json export_history() const;
  void import_history(const nlohmann::json& document);

 private:
  std::filesystem::path version_path(uint64_t version, const char* extension) const;
  VersionInfo read_info(uint64_t version) const;  // no damage bookkeeping
  [[noreturn]] void refuse_damaged(Damage d) const;
  void write_info(const VersionInfo& info);
  void save_state();

  std::filesystem::path dir_;
  uint64_t current_ = 0;
  uint64_t last_ = 0;
  std::vector<uint64_t> versions_;  // every number handed out and not lost, ascending
  std::map<uint64_t, std::string> lost_;
  std::optional<PendingConfirm> pending_;
  std::optional<AuditHead> audit_head_;
  mutable std::map<uint64_t, Damage> damage_;
  mutable uint64_t detections_ = 0;
};

// The audit head state.json in DIR records, without opening the store (torwartd --verify-audit while
// torwartd runs). nullopt when there is none; throws StoreError when state.json is unreadable.
std::optional<AuditHead> read_audit_head(const std::filesystem::path& dir);

inline constexpr const char* kExportFormat = "torwart-config-history";
inline constexpr int kExportFormatVersion = 1;

}  // namespace torwart::controlplane
