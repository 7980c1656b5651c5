#include "controlplane/torwartd/service.hpp"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "controlplane/config_store/atomic_file.hpp"
#include "controlplane/config_store/line_diff.hpp"
#include "controlplane/config_store/validate.hpp"
#include "rules/config/config_digest.hpp"

namespace torwart::controlplane {
namespace {

std::string version_name(uint64_t v) {
  return "version " + std::to_string(v);
}

std::string who_and_when(const VersionInfo& v) {
  return v.author.name + " (uid " + std::to_string(v.author.uid) + ") at " + format_utc(v.time_ms);
}

nlohmann::json details_json(const std::vector<std::string>& details) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& d : details) out.push_back(d);
  return out;
}

nlohmann::json damage_json(const Damage& d) {
  return {{"version", d.version},
          {"file", d.file},
          {"problem", d.problem},
          {"detail", d.detail},
          {"message", d.message()}};
}

constexpr const char* kRepairHint =
    "; nothing damaged is shown, exported or pushed: see `torwartctl status` and `torwartctl config repair "
    "--help`";

// A damaged version is the disk's fault, not the caller's: failure (torwartctl exit 1), with the way out.
ServiceError damaged_error(const StoreDamaged& e) {
  return ServiceError(ErrorKind::kFailure, std::string("the store is damaged: ") + e.what() + kRepairHint);
}

}  // namespace

std::string to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kBadInput:
      return "bad_input";
    case ErrorKind::kConflict:
      return "conflict";
    case ErrorKind::kFailure:
      return "failure";
  }
  return "failure";
}

int64_t system_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Author ControlService::self() {
  return {static_cast<uint32_t>(::getuid()), static_cast<uint32_t>(::getgid()), ::getpid(), "torwartd"};
}

uint64_t ControlService::current_version() const {
  return store_.current();
}

nlohmann::json ControlService::audit_records(uint64_t after, unsigned limit) const {
  std::ifstream in(audit_.path());
  if (!in && std::filesystem::exists(audit_.path()))
    throw ServiceError(ErrorKind::kFailure, audit_.path().string() + ": cannot be read");
  nlohmann::json records = nlohmann::json::array();
  uint64_t line_number = 0;
  uint64_t next = after;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    if (line_number <= after || records.size() >= limit) continue;
    nlohmann::json record = nlohmann::json::parse(line, nullptr, false);
    if (record.is_discarded() || !record.is_object()) {
      // A damaged line is shown as such, never skipped: the reader must see the gap (status names the break).
      record = {{"damaged", true}, {"text", line.substr(0, 200)}};
    }
    record["line"] = line_number;
    records.push_back(std::move(record));
    next = line_number;
  }
  return {
      {"records", records}, {"next", next}, {"lines", line_number}, {"audit_log", audit_.path().string()}};
}

void ControlService::audit_refusal(const Author& who, const std::string& action, const std::string& reason) {
  audit(who, action, "refused", {{"reason", reason}});
}

ControlService::ControlService(ConfigStore& store, FastPathLink& fastpath, AuditLog& audit, UnixClock clock)
    : store_(store), fastpath_(fastpath), audit_(audit), clock_(std::move(clock)) {
  // Before anything is appended: the first record re-anchors the head, after which a cut-off end no longer
  // shows.
  const auto head = store_.audit_head();
  if (std::filesystem::exists(audit_.path()) || head) audit_problem_ = verify_audit_log(audit_.path(), head);
}

void ControlService::record_audit_break() {
  audit_break_recorded_ = true;
  nlohmann::json details = {{"reason", *audit_problem_}, {"found_records", audit_.head().records}};
  if (const auto& head = store_.audit_head())
    details["anchored"] = {{"records", head->records}, {"hash", head->hash}};
  // Appended, not hidden: the chain goes on from what is left and the break stays on record.
  audit(self(), "audit-break", "failed", details);
}

void ControlService::audit(const Author& who, const std::string& action, const std::string& result,
                           nlohmann::json details) {
  if (audit_problem_ && !audit_break_recorded_) record_audit_break();
  if (result == "ok") last_repeated_failure_.clear();
  audit_.record(clock_(), who, action, result, details);
  store_.set_audit_head(audit_.head());  // so that removing this record from the log's end shows
}

void ControlService::audit_once(const Author& who, const std::string& action, nlohmann::json details) {
  const std::string key = action + ": " + details.value("reason", std::string());
  if (key == last_repeated_failure_) return;
  audit(who, action, "failed", std::move(details));
  last_repeated_failure_ = key;
}

nlohmann::json ControlService::diff_summary(uint64_t from_version, const std::string& to_text) const {
  std::string from_text;
  try {
    if (from_version != 0) from_text = store_.text(from_version);
  } catch (const StoreDamaged& e) {
    // Only a rollback away from a damaged current version gets here (a commit is refused before).
    return {{"from", from_version}, {"unavailable", e.what()}};
  }
  const auto d = unified_diff(from_text, to_text, version_name(from_version), "new version");
  return {{"from", from_version},
          {"lines_added", d.summary.added},
          {"lines_removed", d.summary.removed},
          {"unified", d.unified}};
}

uint64_t ControlService::fastpath_floor() {
  try {
    return fastpath_.status().version + 1;
  } catch (const control_protocol::FastPathUnreachable& e) {
    throw ServiceError(ErrorKind::kFailure,
                       std::string("the fast path is unreachable, nothing was changed: ") + e.what());
  }
}

VersionInfo ControlService::apply(const std::string& text, VersionInfo meta) {
  const uint64_t floor = fastpath_floor();
  meta.based_on = store_.current();
  meta.time_ms = clock_();
  VersionInfo stored = store_.add_candidate(text, meta, floor);
  try {
    fastpath_.push(stored.version, text, "torwartd " + version_name(stored.version));
  } catch (const FastPathRefused& e) {
    store_.mark_failed(stored.version, e.what());
    throw ServiceError(ErrorKind::kBadInput,
                       "the fast path refused " + version_name(stored.version) + " (marked failed): " +
                           e.what() + "; " + version_name(store_.current()) + " keeps running",
                       e.details);
  } catch (const control_protocol::FastPathUnreachable& e) {
    store_.mark_failed(stored.version, std::string("not acknowledged: ") + e.what());
    throw ServiceError(
        ErrorKind::kFailure,
        version_name(stored.version) + " was not acknowledged by the fast path (marked failed): " + e.what());
  }
  store_.mark_applied(stored.version);
  stored.state = VersionState::kApplied;
  sync_state_ = "in sync";
  return stored;
}

nlohmann::json ControlService::status() {
  nlohmann::json fast = nullptr;
  try {
    const FastPathState s = fastpath_.status();
    fast = {{"config_version", s.version}, {"config_digest", s.digest}};
    if (!s.routes.is_null()) fast["routes"] = s.routes;
    if (!s.learned.is_null()) fast["learned"] = s.learned;
  } catch (const control_protocol::FastPathUnreachable& e) {
    fast = {{"error", e.what()}};
  }
  nlohmann::json out = {
      {"current", store_.current()},         {"last", store_.last()}, {"state_dir", store_.dir().string()},
      {"audit_log", audit_.path().string()}, {"sync", sync_state_},   {"fastpath", fast},
      {"pending_confirm", nullptr}};
  if (store_.current() != 0) {
    try {
      out["current_info"] = store_.info(store_.current());
    } catch (const StoreDamaged&) {
      out["current_info"] = nullptr;  // in store.damage below
    }
  }
  if (store_.pending()) out["pending_confirm"] = *store_.pending();
  nlohmann::json damage = nlohmann::json::array(), lost = nlohmann::json::array();
  for (const auto& [v, d] : store_.damage()) damage.push_back(damage_json(d));
  for (const auto& [v, reason] : store_.lost()) lost.push_back({{"version", v}, {"reason", reason}});
  out["store"] = {
      {"intact", damage.empty()}, {"damage", damage}, {"lost", lost}, {"detections", store_.detections()}};
  for (const auto& [name, report] : status_reports_) out[name] = report();
  out["audit"] = {{"intact", !audit_problem_.has_value()},
                  {"problem", audit_problem_.value_or("")},
                  {"records", audit_.head().records}};
  return out;
}

nlohmann::json ControlService::validate(const std::string& text, const std::string& origin) const {
  const auto errors = validate_config(text, origin);
  if (!errors.empty()) throw ServiceError(ErrorKind::kBadInput, origin + " is not valid", errors);
  return {{"valid", true}, {"digest", config::config_digest(text)}};
}

nlohmann::json ControlService::commit(const CommitRequest& request, const Author& who) {
  nlohmann::json details = {{"origin", request.origin}, {"comment", request.comment}};
  if (request.base) details["base"] = *request.base;
  auto refuse = [&](ErrorKind kind, const std::string& why, std::vector<std::string> more = {}) {
    details["reason"] = why;
    if (!more.empty()) details["details"] = details_json(more);
    audit(who, "commit", kind == ErrorKind::kFailure ? "failed" : "refused", details);
    throw ServiceError(kind, why, std::move(more));
  };
  if (const auto& p = store_.pending()) {
    refuse(ErrorKind::kConflict, version_name(p->version) + " awaits confirmation until " +
                                     format_utc(p->deadline_ms) + " (committed by " + p->author.name +
                                     "); confirm it or roll back before committing another change");
  }
  if (request.base && *request.base != store_.current()) {
    const uint64_t current = store_.current();
    std::string by;
    if (current != 0) by = " (committed by " + who_and_when(store_.info(current)) + ")";
    refuse(ErrorKind::kConflict, "your change is based on " + version_name(*request.base) +
                                     ", but the current version is " + std::to_string(current) + by +
                                     "; see `torwartctl config diff " + std::to_string(*request.base) + " " +
                                     std::to_string(current) + "`, redo the change on version " +
                                     std::to_string(current) + " and commit it with --base " +
                                     std::to_string(current));
  }
  if (request.confirm_within_ms) {
    if (*request.confirm_within_ms <= 0)
      refuse(ErrorKind::kBadInput, "--confirm-within must be a positive duration");
    if (store_.current() == 0)
      refuse(ErrorKind::kBadInput, "commit-confirmed needs a previous version to roll back to");
  }
  if (auto errors = validate_config(request.text, request.origin); !errors.empty()) {
    refuse(ErrorKind::kBadInput, request.origin + " is not valid; nothing was committed", std::move(errors));
  }
  std::string current_text;
  if (store_.current() != 0) {
    try {
      current_text = store_.text(store_.current());
    } catch (const StoreDamaged& e) {
      refuse(
          ErrorKind::kFailure,
          "the current " + version_name(store_.current()) + " is damaged (" + e.what() +
              "); a commit would build on it: put its text back with `torwartctl config repair`, or roll " +
              "back to an intact version first; nothing was committed");
    }
    if (auto lockout = management_guard_error(current_text, request.text); !lockout.empty()) {
      refuse(ErrorKind::kBadInput, request.origin + " is refused; nothing was committed", {lockout});
    }
  }
  details["diff"] = diff_summary(store_.current(), request.text);
  const uint64_t previous = store_.current();
  VersionInfo meta;
  meta.author = who;
  meta.comment = request.comment;
  meta.kind = "commit";
  VersionInfo applied;
  const uint64_t last_before = store_.last();
  try {
    applied = apply(request.text, meta);
  } catch (const ServiceError& e) {
    if (store_.last() != last_before) details["version"] = store_.last();  // stored, then failed
    refuse(e.kind, e.what(), e.details);
  }
  nlohmann::json out = {{"version", applied.version},
                        {"digest", applied.digest},
                        {"previous", previous},
                        {"diff", details["diff"]},
                        {"pending_confirm", nullptr}};
  if (request.confirm_within_ms) {
    PendingConfirm pending{applied.version, previous, clock_() + *request.confirm_within_ms, who};
    store_.set_pending(pending);
    out["pending_confirm"] = pending;
    details["confirm_deadline"] = format_utc(pending.deadline_ms);
  }
  details["version"] = applied.version;
  audit(who, "commit", "ok", details);
  return out;
}

nlohmann::json ControlService::confirm(const Author& who) {
  const auto pending = store_.pending();
  if (!pending) {
    audit(who, "confirm", "refused", {{"reason", "nothing awaits confirmation"}});
    throw ServiceError(ErrorKind::kBadInput, "nothing awaits confirmation");
  }
  store_.set_pending(std::nullopt);
  audit(who, "confirm", "ok",
        {{"version", pending->version}, {"deadline", format_utc(pending->deadline_ms)}});
  return {{"version", pending->version}, {"confirmed", true}};
}

nlohmann::json ControlService::rollback(uint64_t version, const std::string& comment, const Author& who) {
  nlohmann::json details = {{"to", version}, {"comment", comment}};
  std::string text;
  try {
    text = store_.text(version);
  } catch (const StoreDamaged& e) {
    const ServiceError error = damaged_error(e);
    details["reason"] = error.what();
    audit(who, "rollback", "refused", details);
    throw error;
  } catch (const StoreError& e) {
    details["reason"] = e.what();
    audit(who, "rollback", "refused", details);
    throw ServiceError(ErrorKind::kBadInput, e.what());
  }
  const uint64_t previous = store_.current();
  details["diff"] = diff_summary(previous, text);
  VersionInfo meta;
  meta.author = who;
  meta.comment = comment.empty() ? "rollback to " + version_name(version) : comment;
  meta.kind = "rollback";
  meta.source = version;
  VersionInfo applied;
  try {
    applied = apply(text, meta);
  } catch (const ServiceError& e) {
    details["reason"] = e.what();
    audit(who, "rollback", e.kind == ErrorKind::kFailure ? "failed" : "refused", details);
    throw;
  }
  const bool resolved_pending = store_.pending().has_value();
  if (resolved_pending) store_.set_pending(std::nullopt);  // an explicit rollback settles a pending commit
  details["version"] = applied.version;
  details["ended_pending_confirm"] = resolved_pending;
  audit(who, "rollback", "ok", details);
  return {{"version", applied.version},
          {"restores", version},
          {"previous", previous},
          {"digest", applied.digest},
          {"diff", details["diff"]}};
}

nlohmann::json ControlService::history() const {
  nlohmann::json out = {{"current", store_.current()}, {"versions", store_.history()}};
  // A version the store cannot read is listed as such: history must not look complete when it is not.
  nlohmann::json damage = nlohmann::json::array(), lost = nlohmann::json::array();
  for (const auto& [v, d] : store_.damage()) damage.push_back(damage_json(d));
  for (const auto& [v, reason] : store_.lost()) lost.push_back({{"version", v}, {"reason", reason}});
  out["damaged"] = damage;
  out["lost"] = lost;
  return out;
}

nlohmann::json ControlService::show(std::optional<uint64_t> version) const {
  const uint64_t v = version.value_or(store_.current());
  if (v == 0) throw ServiceError(ErrorKind::kBadInput, "the store holds no version yet");
  try {
    return {{"info", store_.info(v)}, {"config", store_.text(v)}};
  } catch (const StoreDamaged& e) {
    throw damaged_error(e);
  } catch (const StoreError& e) {
    throw ServiceError(ErrorKind::kBadInput, e.what());
  }
}

nlohmann::json ControlService::diff(uint64_t from, uint64_t to) const {
  try {
    const auto d = unified_diff(store_.text(from), store_.text(to), version_name(from), version_name(to));
    return {{"from", from},
            {"to", to},
            {"unified", d.unified},
            {"lines_added", d.summary.added},
            {"lines_removed", d.summary.removed}};
  } catch (const StoreDamaged& e) {
    throw damaged_error(e);
  } catch (const StoreError& e) {
    throw ServiceError(ErrorKind::kBadInput, e.what());
  }
}

nlohmann::json ControlService::export_history() const {
  try {
    return store_.export_history();
  } catch (const StoreDamaged& e) {
    throw damaged_error(e);
  }
}

nlohmann::json ControlService::repair(uint64_t version, const std::optional<std::string>& text,
                                      const std::string& reason, const Author& who) {
  nlohmann::json details = {{"version", version}, {"how", text ? "text restored" : "given up as lost"}};
  if (!reason.empty()) details["comment"] = reason;
  try {
    if (text) {
      store_.repair_text(version, *text);
    } else {
      store_.mark_lost(version, reason.empty() ? "given up by " + who.name : reason);
    }
  } catch (const StoreDamaged& e) {
    details["reason"] = std::string(e.what()) + ": a version without its record cannot get its text back; " +
                        "give it up with --lost";
    audit(who, "repair", "refused", details);
    throw ServiceError(ErrorKind::kBadInput, details["reason"].get<std::string>());
  } catch (const StoreError& e) {
    details["reason"] = e.what();
    audit(who, "repair", "refused", details);
    throw ServiceError(ErrorKind::kBadInput, e.what());
  }
  audit(who, "repair", "ok", details);
  const std::string sync = resynchronise();  // a repaired current version may be pushed now
  return {{"version", version},
          {"repaired", text ? "text" : "lost"},
          {"store_intact", store_.damage().empty()},
          {"sync", sync}};
}

std::vector<std::string> ControlService::check_integrity() {
  std::vector<std::string> findings;
  if (!store_.damage().empty()) {
    nlohmann::json damage = nlohmann::json::array();
    for (const auto& [v, d] : store_.damage()) {
      damage.push_back(damage_json(d));
      findings.push_back("the store is damaged: " + d.message());
    }
    audit(
        self(), "integrity", "failed",
        {{"reason", "damaged versions in the store; they are not used until repaired"}, {"damage", damage}});
  }
  if (audit_problem_) {
    findings.push_back("the audit log " + audit_.path().string() + " is broken: " + *audit_problem_);
    if (!audit_break_recorded_) record_audit_break();
  }
  return findings;
}

nlohmann::json ControlService::import_history(const nlohmann::json& document, const Author& who) {
  try {
    store_.import_history(document);
  } catch (const StoreError& e) {
    audit(who, "import", "refused", {{"reason", e.what()}});
    throw ServiceError(ErrorKind::kBadInput, e.what());
  }
  const std::string sync = resynchronise();
  audit(who, "import", "ok", {{"current", store_.current()}, {"last", store_.last()}, {"sync", sync}});
  return {{"current", store_.current()},
          {"last", store_.last()},
          {"versions", store_.history().size()},
          {"sync", sync}};
}

nlohmann::json ControlService::stats() {
  try {
    return fastpath_.stats();
  } catch (const control_protocol::FastPathUnreachable& e) {
    throw ServiceError(ErrorKind::kFailure, e.what());
  }
}

nlohmann::json ControlService::flows(unsigned limit) {
  if (limit < 1 || limit > 1000) throw ServiceError(ErrorKind::kBadInput, "limit must be from 1 to 1000");
  try {
    return fastpath_.flows(limit);
  } catch (const control_protocol::FastPathUnreachable& e) {
    throw ServiceError(ErrorKind::kFailure, e.what());
  } catch (const FastPathRefused& e) {
    throw ServiceError(ErrorKind::kBadInput, e.what());
  }
}

std::optional<int64_t> ControlService::confirm_deadline() const {
  if (!store_.pending()) return std::nullopt;
  return store_.pending()->deadline_ms;
}

bool ControlService::expire_if_due() {
  const auto pending = store_.pending();
  if (!pending || clock_() < pending->deadline_ms) return false;
  nlohmann::json details = {{"unconfirmed", pending->version},
                            {"to", pending->previous},
                            {"deadline", format_utc(pending->deadline_ms)}};
  if (store_.current() != pending->version) {
    // Settled otherwise (cannot happen through the service; a hand-edited state.json).
    store_.set_pending(std::nullopt);
    details["reason"] = "the unconfirmed version is no longer current";
    audit(self(), "auto-rollback", "skipped", details);
    return false;
  }
  std::string text;
  try {
    text = store_.text(pending->previous);
  } catch (const StoreError& e) {
    // The text to return to is damaged or gone: pushing it is out of the question and waiting cannot mend
    // it. The unconfirmed version keeps running; the operator decides (repair, then roll back by hand).
    store_.set_pending(std::nullopt);
    details["reason"] = std::string("cannot roll back: ") + e.what();
    details["gave_up"] = true;
    audit(self(), "auto-rollback", "failed", details);
    return false;
  }
  details["diff"] = diff_summary(store_.current(), text);
  VersionInfo meta;
  meta.author = self();
  meta.comment = version_name(pending->version) + " was not confirmed by " +
                 format_utc(pending->deadline_ms) + ": automatic rollback to " +
                 version_name(pending->previous);
  meta.kind = "auto-rollback";
  meta.source = pending->previous;
  try {
    const VersionInfo applied = apply(text, meta);
    store_.set_pending(std::nullopt);
    details["version"] = applied.version;
    audit(self(), "auto-rollback", "ok", details);
    return true;
  } catch (const ServiceError& e) {
    details["reason"] = e.what();
    if (e.kind == ErrorKind::kBadInput) {
      // The fast path refused the previous text itself (it restarted with other ports, say): retrying
      // cannot help. The unconfirmed version stays; the refusal is in the audit log and the history.
      store_.set_pending(std::nullopt);
      details["gave_up"] = true;
      audit(self(), "auto-rollback", "failed", details);
      return false;
    }
    audit_once(self(), "auto-rollback", details);  // unreachable: retried, recorded once per reason
    return false;
  }
}

std::string ControlService::resynchronise() {
  FastPathState running;
  try {
    running = fastpath_.status();
  } catch (const control_protocol::FastPathUnreachable& e) {
    sync_state_ = std::string("fast path unreachable: ") + e.what();
    return sync_state_;
  }
  // Versions a previous torwartd stored but never saw acknowledged.
  for (const uint64_t v : store_.versions()) {
    if (v <= store_.current()) continue;
    VersionInfo info;
    try {
      info = store_.info(v);
    } catch (const StoreDamaged&) {
      continue;  // reported in status; settling it needs its record
    }
    if (info.state != VersionState::kCandidate) continue;
    if (running.version == v && running.digest == info.digest) {
      store_.mark_applied(v);
      audit(self(), "settle", "ok",
            {{"version", v}, {"reason", "the fast path runs it: acknowledged after a restart"}});
    } else {
      store_.mark_failed(v, "torwartd stopped before the fast path acknowledged it");
      audit(self(), "settle", "failed", {{"version", v}, {"reason", "never acknowledged by the fast path"}});
    }
  }
  if (store_.empty() && initial_) {
    try {
      adopt_initial(initial_->first, initial_->second);
    } catch (const ServiceError& e) {
      sync_state_ = std::string("cannot record the initial configuration yet: ") + e.what();
      return sync_state_;
    }
  }
  const uint64_t current = store_.current();
  if (current == 0) {
    sync_state_ = "the store is empty; the fast path keeps its start-up configuration (version " +
                  std::to_string(running.version) + ")";
    return sync_state_;
  }
  VersionInfo info;
  std::string current_text;
  try {
    info = store_.info(current);
    current_text = store_.text(current);  // checked at every sync: a damaged current text is never "in sync"
  } catch (const StoreDamaged& e) {
    sync_state_ = std::string("the store is damaged: ") + e.what() +
                  "; the fast path keeps running version " + std::to_string(running.version) +
                  ", nothing is pushed until it is repaired";
    audit_once(self(), "resync",
               {{"store_current", current}, {"fastpath_version", running.version}, {"reason", sync_state_}});
    return sync_state_;
  }
  if (running.version == current && running.digest == info.digest) {
    sync_state_ = "in sync";
    return sync_state_;
  }
  nlohmann::json details = {
      {"store_current", current}, {"fastpath_version", running.version}, {"fastpath_digest", running.digest}};
  try {
    if (running.version < current) {
      fastpath_.push(current, current_text, "torwartd " + version_name(current) + " (resynchronised)");
      details["pushed"] = current;
    } else {
      // The fast path already runs a number at or above ours (reloaded by hand, or restarted with a
      // higher one): the current text goes in as a new version above it.
      VersionInfo meta;
      meta.author = self();
      meta.kind = "resync";
      meta.source = current;
      meta.comment = "the fast path ran version " + std::to_string(running.version) + "; " +
                     version_name(current) + " pushed again as a new version";
      const uint64_t pushed = apply(current_text, meta).version;
      details["pushed"] = pushed;
      if (auto pending = store_.pending(); pending && pending->version == current) {
        pending->version = pushed;  // the unconfirmed text now runs under the new number: still rolled back
        store_.set_pending(pending);
      }
    }
  } catch (const FastPathRefused& e) {
    sync_state_ = "the fast path refused " + version_name(current) + ": " + e.what();
  } catch (const control_protocol::FastPathUnreachable& e) {
    sync_state_ = std::string("fast path unreachable: ") + e.what();
  } catch (const ServiceError& e) {
    sync_state_ = e.what();
  }
  if (details.contains("pushed")) {
    sync_state_ = "in sync";
    audit(self(), "resync", "ok", details);
    return "fast path ran version " + std::to_string(running.version) + "; pushed " +
           version_name(details["pushed"].get<uint64_t>());
  }
  details["reason"] = sync_state_;
  audit_once(self(), "resync", details);
  return sync_state_;
}

void ControlService::set_initial(const std::string& text, const std::string& origin) {
  if (auto errors = validate_config(text, origin); !errors.empty()) {
    throw ServiceError(ErrorKind::kBadInput, origin + " (--initial) is not valid", errors);
  }
  initial_.emplace(text, origin);
}

void ControlService::adopt_initial(const std::string& text, const std::string& origin) {
  if (!store_.empty()) return;
  if (auto errors = validate_config(text, origin); !errors.empty()) {
    throw ServiceError(ErrorKind::kBadInput, origin + " (--initial) is not valid", errors);
  }
  VersionInfo meta;
  meta.author = self();
  meta.kind = "initial";
  meta.comment = "initial configuration from " + origin;
  FastPathState running;
  try {
    running = fastpath_.status();
  } catch (const control_protocol::FastPathUnreachable& e) {
    throw ServiceError(ErrorKind::kFailure,
                       std::string("cannot record the initial configuration: ") + e.what());
  }
  if (running.digest == config::config_digest(text)) {
    meta.time_ms = clock_();
    const VersionInfo stored = store_.add_candidate(text, meta, running.version);
    if (stored.version == running.version) {
      store_.mark_applied(stored.version);
      audit(self(), "initial", "ok", {{"version", stored.version}, {"origin", origin}, {"pushed", false}});
      sync_state_ = "in sync";
      return;
    }
    store_.mark_failed(stored.version, "superseded");  // cannot happen in an empty store
  }
  const VersionInfo applied = apply(text, meta);
  audit(self(), "initial", "ok", {{"version", applied.version}, {"origin", origin}, {"pushed", true}});
}

}  // namespace torwart::controlplane
