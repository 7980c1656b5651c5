#include "controlplane/torwartd/audit_log.hpp"

#include "controlplane/config_store/atomic_file.hpp"

namespace torwart::controlplane {

AuditLog::AuditLog(std::filesystem::path path) : path_(std::move(path)) {
  std::error_code ec;
  if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path(), ec);
  if (ec) throw StoreIoError("cannot create " + path_.parent_path().string() + ": " + ec.message());
}

void AuditLog::record(int64_t time_ms, const Author& who, const std::string& action,
                      const std::string& result, const nlohmann::json& details) {
  nlohmann::json line = {{"time", format_utc(time_ms)},
                         {"time_ms", time_ms},
                         {"who", who},
                         {"action", action},
                         {"result", result}};
  if (details.is_object()) {
    for (const auto& [key, value] : details.items()) line[key] = value;
  }
  append_line_durable(path_, line.dump());
}

}  // namespace torwart::controlplane
