#pragma once
// torwartd's side of the EVE spool (BSI minimum standard for logging: defined retention and deletion; DSGVO:
// kept no longer than defined): closed spool files older than the configured retention are deleted. The
// fast path names closed files eve-<UTC time>-<n>.json and never touches them again (dataplane/live/
// eve_spool.hpp); the active eve.json is never deleted here.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace torwart::controlplane {

struct RetentionResult {
  unsigned removed = 0;
  uint64_t bytes = 0;
  std::vector<std::string> errors;  // "PATH: reason", e.g. permission denied
};

// Deletes closed spool files in `dir` last written more than `retention` before `now`. A missing directory
// is no error (nothing was spooled yet). `before_remove` sees each file just before it goes (log shipping
// counts what it had not shipped yet).
RetentionResult expire_spool(
    const std::filesystem::path& dir, std::chrono::seconds retention,
    std::filesystem::file_time_type now = std::filesystem::file_time_type::clock::now(),
    const std::function<void(const std::filesystem::path&)>& before_remove = {});

// The retention the configuration text sets (logging.retention_days); the default when the text does not
// load or says nothing.
std::chrono::seconds retention_of(const std::string& config_text);

}  // namespace torwart::controlplane
