#include "controlplane/logging/spool_retention.hpp"

#include <variant>

#include "dataplane/control_protocol/spool_layout.hpp"
#include "rules/config/load.hpp"

namespace torwart::controlplane {
RetentionResult expire_spool(const std::filesystem::path& dir, std::chrono::seconds retention,
                             std::filesystem::file_time_type now,
                             const std::function<void(const std::filesystem::path&)>& before_remove) {
  RetentionResult result;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) return result;
  for (const auto& entry : it) {
    if (!entry.is_regular_file(ec) || !control_protocol::is_closed_spool_file(entry.path())) continue;
    const auto written = entry.last_write_time(ec);
    if (ec || now - written <= retention) continue;
    const auto size = entry.file_size(ec);
    if (before_remove) before_remove(entry.path());
    if (!std::filesystem::remove(entry.path(), ec) || ec) {
      result.errors.push_back(entry.path().string() + ": " + (ec ? ec.message() : "not removed"));
      continue;
    }
    ++result.removed;
    result.bytes += size;
  }
  return result;
}

std::chrono::seconds retention_of(const std::string& config_text) {
  const auto loaded = config::load_config_text(config_text, "current");
  const unsigned days = std::holds_alternative<config::Config>(loaded)
                            ? std::get<config::Config>(loaded).logging.retention_days
                            : config::Logging{}.retention_days;
  return std::chrono::hours(24) * days;
}

}  // namespace torwart::controlplane
