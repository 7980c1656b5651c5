#pragma once
// torwartd's system events (start, stop, retention, shipping's connection and losses): one JSON object per
// line, {"time", "time_ms", "severity", "event", "text", "pid"}, fsynced, shipped as the `system` stream.
// Events are few (a handful a day), so the file is not rotated; beyond `max_bytes` events are no longer
// written but counted (dropped()), like the fast path's spool when full.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace torwart::controlplane::log_shipping {

class SystemEvents {
 public:
  explicit SystemEvents(std::filesystem::path path, uint64_t max_bytes = uint64_t{16} << 20);
  const std::filesystem::path& path() const { return path_; }

  // Never throws: a full disk must not stop torwartd. Failures are counted and the last one kept.
  void record(std::string_view severity, std::string_view event, const std::string& text) noexcept;

  uint64_t dropped() const { return dropped_; }
  const std::string& last_failure() const { return last_failure_; }

 private:
  std::filesystem::path path_;
  uint64_t max_bytes_;
  uint64_t dropped_ = 0;
  std::string last_failure_;
};

}  // namespace torwart::controlplane::log_shipping
