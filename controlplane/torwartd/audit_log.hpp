#pragma once
// The append-only audit log of every change: one JSON object per line (who, when, what, the diff, the
// result), fsynced before the answer goes out. torwartd only ever appends to it. Every record carries
// "prev": the SHA-256 of the previous line ("" for the first), so that a removed, changed or reordered line
// breaks the chain (verify_audit_log). A chain cannot show its own end cut off, so torwartd anchors the head
// (record count and hash of the newest record) in the configuration store's state.json after every record;
// a log that no longer reaches its anchor was truncated.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controlplane/config_store/config_store.hpp"
#include "controlplane/config_store/version_info.hpp"

namespace torwart::controlplane {

class AuditLog {
 public:
  // Creates the parent directory; continues the chain from the file's last line.
  explicit AuditLog(std::filesystem::path path);
  const std::filesystem::path& path() const { return path_; }

  // Appends {"time", "time_ms", "who": Author, "action", "result", ...details, "prev"}. Throws StoreIoError.
  void record(int64_t time_ms, const Author& who, const std::string& action, const std::string& result,
              const nlohmann::json& details);
  // The newest record as of now: what to anchor.
  AuditHead head() const { return {records_, last_hash_}; }

 private:
  std::filesystem::path path_;
  std::string last_hash_;
  uint64_t records_ = 0;
};

// Checks the whole chain and, given the anchored head, that the log still reaches it with the same record.
// nullopt when intact (an empty or absent log is intact only without an anchor), else "line N: reason".
std::optional<std::string> verify_audit_log(const std::filesystem::path& path,
                                            const std::optional<AuditHead>& head = std::nullopt);

// The "audit-break" records torwartd appended when it found the log broken at start: "line N: reason".
std::vector<std::string> recorded_audit_breaks(const std::filesystem::path& path);

}  // namespace torwart::controlplane
