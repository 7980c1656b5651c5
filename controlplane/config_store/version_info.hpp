#pragma once
// What the store records about each configuration version, and its JSON form (on disk and on the wire).
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace torwart::controlplane {

// Who asked for a change: the peer credentials of the caller's socket (SO_PEERCRED), or torwartd itself.
struct Author {
  uint32_t uid = 0;
  uint32_t gid = 0;
  int64_t pid = 0;
  std::string
      name;  // user name of uid when known, "torwartd" for its own rollbacks; the API: the certificate's CN
  // How the request came: "local socket" (root's break-glass path on the console) or "api" (then uid, gid and
  // pid are 0 and `role`/`certificate` name the client certificate). Empty in records from before the API.
  std::string via;
  std::string role;
  std::string certificate;  // subject, serial and issuer of the client certificate
};

enum class VersionState {
  kCandidate,  // stored, validated, not (yet) acknowledged by the fast path
  kApplied,    // the fast path acknowledged it; it was (or is) the current version
  kFailed,     // refused by the fast path or never acknowledged; never current
};

struct VersionInfo {
  uint64_t version = 0;
  Author author;
  int64_t time_ms = 0;  // Unix time in milliseconds
  std::string comment;
  std::string kind;       // "commit", "rollback", "auto-rollback", "import", "initial"
  uint64_t based_on = 0;  // the current version when this one was made (0: none)
  uint64_t source = 0;    // rollbacks: the version whose text this one restores
  std::string digest;     // SHA-256 of the text
  // Bytes of the text, so that a truncation is told apart from other damage; absent in records written
  // before it was recorded (then only the digest is checked).
  std::optional<uint64_t> size;
  VersionState state = VersionState::kCandidate;
  std::string failure;  // why it failed
};

// A commit that rolls back by itself unless confirmed by `deadline_ms`.
struct PendingConfirm {
  uint64_t version = 0;   // the unconfirmed version
  uint64_t previous = 0;  // what the automatic rollback restores
  int64_t deadline_ms = 0;
  Author author;
};

std::string to_string(VersionState state);
// "2026-12-01T14:10:25.123Z"
std::string format_utc(int64_t time_ms);

void to_json(nlohmann::json& j, const Author& a);
void from_json(const nlohmann::json& j, Author& a);
void to_json(nlohmann::json& j, const VersionInfo& v);
void from_json(const nlohmann::json& j, VersionInfo& v);
void to_json(nlohmann::json& j, const PendingConfirm& p);
void from_json(const nlohmann::json& j, PendingConfirm& p);

}  // namespace torwart::controlplane
