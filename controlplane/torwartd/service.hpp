#pragma once
// The operations of torwartd, independent of how they are asked for (local socket today, the HTTPS API
// later): validate, commit (optionally commit-confirmed), confirm, rollback, history, show, diff, export,
// import, status, stats; the automatic rollback of an unconfirmed commit and the resynchronisation of the
// fast path. Every change goes through validation, the fast path's acknowledgement and the audit log.
//
// Time comes from an injected clock (Unix milliseconds) so that tests drive deadlines deterministically.
// Not thread-safe: torwartd calls it from its one io_context thread, which also serialises edits.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "controlplane/config_store/config_store.hpp"
#include "controlplane/torwartd/audit_log.hpp"
#include "controlplane/torwartd/fastpath_link.hpp"

namespace torwart::controlplane {

enum class ErrorKind {
  kBadInput,  // invalid configuration, unknown version, malformed request (torwartctl exit 2)
  kConflict,  // based on a version that is no longer current, or a confirmation is pending (exit 2)
  kFailure,   // the fast path unreachable or failing, the disk (exit 1)
};

struct ServiceError : std::runtime_error {
  ServiceError(ErrorKind kind_, const std::string& what, std::vector<std::string> details_ = {})
      : std::runtime_error(what), kind(kind_), details(std::move(details_)) {}
  ErrorKind kind;
  std::vector<std::string> details;
};

std::string to_string(ErrorKind kind);

struct CommitRequest {
  std::string text;
  std::string origin;  // the file name the caller gave, for messages
  std::string comment;
  std::optional<uint64_t> base;  // the version the edit started from; refused unless it is still current
  std::optional<int64_t> confirm_within_ms;
};

using UnixClock = std::function<int64_t()>;
int64_t system_clock_ms();

class ControlService {
 public:
  ControlService(ConfigStore& store, FastPathLink& fastpath, AuditLog& audit,
                 UnixClock clock = system_clock_ms);

  nlohmann::json status();
  nlohmann::json validate(const std::string& text, const std::string& origin) const;
  nlohmann::json commit(const CommitRequest& request, const Author& who);
  nlohmann::json confirm(const Author& who);
  nlohmann::json rollback(uint64_t version, const std::string& comment, const Author& who);
  nlohmann::json history() const;
  nlohmann::json show(std::optional<uint64_t> version) const;
  nlohmann::json diff(uint64_t from, uint64_t to) const;
  nlohmann::json export_history() const;
  nlohmann::json import_history(const nlohmann::json& document, const Author& who);
  // Repairs a damaged version: puts its exact text back (`text`: refused unless its SHA-256 is the recorded
  // one), or gives it up as lost (`text` nullopt; `reason` says why). Not for an intact version, and the
  // current version cannot be given up (roll back to an intact one first).
  nlohmann::json repair(uint64_t version, const std::optional<std::string>& text, const std::string& reason,
                        const Author& who);
  // The start-up report: the store's damage (found when it was opened) and the audit log checked against the
  // head state.json anchors (checked when the service was made). Each finding goes to the audit log (a
  // broken log gets an "audit-break" record, which also re-anchors it so that the next truncation shows
  // again) and is returned as a sentence for stderr.
  std::vector<std::string> check_integrity();
  nlohmann::json stats();
  // The fast path's tracked connections, at most `limit` (1-1000) per worker.
  nlohmann::json flows(unsigned limit);

  // The deadline of an unconfirmed commit, for the daemon's timer.
  std::optional<int64_t> confirm_deadline() const;
  // Rolls back to the previous version when the deadline has passed. Returns true when it rolled back;
  // false when nothing was due, or when the fast path could not be reached (then the pending deadline stays
  // and the caller retries), or when the fast path refused the previous text (then torwartd gives up: the
  // deadline is cleared and the refusal recorded).
  bool expire_if_due();
  // Brings the fast path to the store's current version: settles versions left as candidates by a
  // previous torwartd, then pushes the current version if the fast path runs another one. Returns a
  // sentence for the log; throws nothing (an unreachable fast path is reported and retried later).
  std::string resynchronise();
  // Records `text` as the first version when the store is empty (torwartd --initial); adopts the fast
  // path's version number when it already runs exactly this text. Throws ServiceError (kFailure when the
  // fast path is unreachable).
  void adopt_initial(const std::string& text, const std::string& origin);
  // Validates `text` (throws ServiceError kBadInput) and keeps it: while the store is empty,
  // resynchronise() adopts it as soon as the fast path answers (torwartd may start before `torwart run`).
  void set_initial(const std::string& text, const std::string& origin);

  static Author self();  // torwartd as the author of its own rollbacks

  // The store's current version (0: empty): the management API's ETag, cheaper than status().
  uint64_t current_version() const;
  // Audit records after line `after` (1-based line numbers; 0: from the start), at most `limit` (1-1000),
  // each with its "line"; "next" is the `after` of the following page, "lines" the log's length.
  nlohmann::json audit_records(uint64_t after, unsigned limit) const;
  // A request refused before it reached an operation (the API's role checks): one "refused" record.
  void audit_refusal(const Author& who, const std::string& action, const std::string& reason);

  // What status() reports under "kernel_mirror" (torwartd --kernel-mirror); nothing when unset.
  void set_kernel_mirror_status(std::function<nlohmann::json()> report) {
    add_status_report("kernel_mirror", std::move(report));
  }
  // What status() reports under `name` (a part of torwartd that runs beside the service: the management API,
  // log shipping).
  void add_status_report(const std::string& name, std::function<nlohmann::json()> report) {
    status_reports_[name] = std::move(report);
  }

 private:
  // Stores, pushes and (on acknowledgement) makes current a new version; throws ServiceError when the
  // fast path refuses or cannot be reached (the version is then marked failed).
  VersionInfo apply(const std::string& text, VersionInfo meta);
  uint64_t fastpath_floor();  // the lowest version number the fast path would accept
  void audit(const Author& who, const std::string& action, const std::string& result, nlohmann::json details);
  // A failure torwartd retries by itself (resync, automatic rollback): recorded when its reason changes, not
  // at every retry.
  void audit_once(const Author& who, const std::string& action, nlohmann::json details);
  // {from, lines_added, lines_removed, unified}: what the audit log and the answer record of a change.
  nlohmann::json diff_summary(uint64_t from_version, const std::string& to_text) const;

  ConfigStore& store_;
  FastPathLink& fastpath_;
  AuditLog& audit_;
  UnixClock clock_;
  std::string sync_state_ = "not checked yet";
  std::string last_repeated_failure_;
  std::optional<std::pair<std::string, std::string>> initial_;  // text, origin
  void record_audit_break();

  std::optional<std::string> audit_problem_;  // what the audit log's check at start found
  std::map<std::string, std::function<nlohmann::json()>> status_reports_;
  bool audit_break_recorded_ = false;
};

}  // namespace torwart::controlplane
