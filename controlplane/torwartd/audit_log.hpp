#pragma once
// The append-only audit log of every change: one JSON object per line (who, when, what, the diff summary,
// the result), fsynced before the answer goes out. torwartd only ever appends to it.
#include <filesystem>

#include <nlohmann/json.hpp>

#include "controlplane/config_store/version_info.hpp"

namespace torwart::controlplane {

class AuditLog {
 public:
  explicit AuditLog(std::filesystem::path path);
  const std::filesystem::path& path() const { return path_; }

  // Appends {"time", "time_ms", "who": Author, "action", "result", ...details}. Throws StoreIoError.
  void record(int64_t time_ms, const Author& who, const std::string& action, const std::string& result,
              const nlohmann::json& details);

 private:
  std::filesystem::path path_;
};

}  // namespace torwart::controlplane
