#pragma once
// The append-only audit log of every change: one JSON object per line (who, when, what, the diff, the
// result), fsynced before the answer goes out. torwartd only ever appends to it. Every record carries
// "prev": the SHA-256 of the previous line ("" for the first), so that a removed, changed or reordered line
// breaks the chain (verify_audit_log).
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

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

 private:
  std::filesystem::path path_;
  std::string last_hash_;
};

// Checks the whole chain. nullopt when intact (or the file is empty), else "line N: reason".
std::optional<std::string> verify_audit_log(const std::filesystem::path& path);

}  // namespace torwart::controlplane
