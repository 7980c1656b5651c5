#include "controlplane/log_shipping/system_events.hpp"

#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "controlplane/config_store/atomic_file.hpp"
#include "controlplane/config_store/version_info.hpp"

namespace torwart::controlplane::log_shipping {

SystemEvents::SystemEvents(std::filesystem::path path, uint64_t max_bytes)
    : path_(std::move(path)), max_bytes_(max_bytes) {
  std::error_code ec;
  std::filesystem::create_directories(path_.parent_path(), ec);
}

void SystemEvents::record(std::string_view severity, std::string_view event,
                          const std::string& text) noexcept {
  try {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path_, ec);
    if (!ec && size >= max_bytes_) {
      ++dropped_;
      last_failure_ = path_.string() + ": full (" + std::to_string(max_bytes_) + " bytes)";
      return;
    }
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    // The shipper takes the syslog TIMESTAMP from "time" and the severity from "severity" (record_frame.cpp).
    const nlohmann::json line = {{"time", format_utc(now_ms)},
                                 {"time_ms", now_ms},
                                 {"severity", severity},
                                 {"event", event},
                                 {"text", text},
                                 {"pid", ::getpid()}};
    append_line_durable(path_, line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } catch (const std::exception& e) {
    ++dropped_;
    last_failure_ = e.what();
  }
}

}  // namespace torwart::controlplane::log_shipping
