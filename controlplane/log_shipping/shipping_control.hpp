#pragma once
// torwartd's side of log shipping: runs a Shipper while the current configuration has `logging.siem`, and
// starts it anew when that block or the box's name changes (a new connection with the new settings; the
// cursor carries on). Without the block nothing is shipped and nothing is read.
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "controlplane/log_shipping/shipper.hpp"

namespace torwart::controlplane::log_shipping {

struct ShippingPaths {
  std::filesystem::path eve_dir, audit_log, system_log, cursor_file;
};

class ShippingControl {
 public:
  ShippingControl(boost::asio::io_context& io, ShippingPaths paths, EventSink events,
                  ShipperTuning tuning = {});

  // The store's current version and its text (nullopt when it cannot be read: what runs keeps running).
  // Loads and compares only when the version changed.
  void follow(uint64_t version, const std::optional<std::string>& text);

  // `status`'s log_shipping: {"configured": false} or the shipper's report with "configured": true.
  nlohmann::json status() const;
  void before_spool_file_removed(const std::filesystem::path& file);

 private:
  boost::asio::io_context& io_;
  ShippingPaths paths_;
  EventSink events_;
  ShipperTuning tuning_;
  uint64_t version_ = 0;
  bool seen_ = false;
  std::unique_ptr<Shipper> shipper_;
};

}  // namespace torwart::controlplane::log_shipping
