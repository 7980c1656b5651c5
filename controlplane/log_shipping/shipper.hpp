#pragma once
// Ships the EVE spool, the audit log and the system events to the provider's SIEM: RFC 5424 over TLS
// (RFC 5425), at least once, in batches written ahead into the cursor (cursor.hpp) before they are sent.
//
// A batch is confirmed, and its end becomes the cursor's confirmed position, once TCP has acknowledged its
// last byte and the connection then stayed up for `grace`: RFC 5425 has no application acknowledgement, and
// bytes the receiver's kernel acknowledged are still lost if the receiver closes before reading them, so
// acknowledged bytes are trusted only after the receiver had time to read them. Whatever is not confirmed
// when the connection breaks (or torwartd stops) is sent again, with the same sequence numbers.
//
// Only reads the spool: a receiver that is slow or away holds up nothing but shipping (TCP flow control
// stops the writes; the fast path goes on writing its spool, whose limits and retention are its own).
// Runs on the caller's io_context thread; not thread-safe.
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "rules/config/config.hpp"

namespace torwart::controlplane::log_shipping {

struct ShipperSettings {
  config::Siem siem;
  std::string hostname;  // RFC 5424 HOSTNAME (shipping_hostname())
  std::filesystem::path eve_dir, audit_log, system_log, cursor_file;
};

// Timing and sizes; the defaults are the product's, tests shorten them.
struct ShipperTuning {
  std::chrono::milliseconds grace{2000};  // acknowledged bytes count as received after this much more uptime
  std::chrono::milliseconds poll{100};    // new records, acknowledgements
  std::chrono::milliseconds min_batch_interval{100};  // a batch smaller than the limits waits this long
  std::chrono::milliseconds backoff_min{1000}, backoff_max{30000};
  std::chrono::milliseconds connect_timeout{10000};  // resolve, connect and handshake
  std::chrono::milliseconds save_interval{1000};     // confirmations are written at most this often
  unsigned tcp_user_timeout_ms = 30000;              // unacknowledged data this long: the connection is dead
  uint64_t batch_bytes = 1 << 20;
  std::size_t batch_records = 4096;
  std::size_t max_batches_in_flight = 64;
};

// What a shipper reports about itself for the system event log: severity ("info", "warning", "error"),
// event name, sentence.
using EventSink =
    std::function<void(std::string_view severity, std::string_view event, const std::string& text)>;

// The configuration's `name` when it is a valid RFC 5424 HOSTNAME, else the kernel's host name.
std::string shipping_hostname(const std::string& config_name);

class Shipper {
 public:
  Shipper(boost::asio::io_context& io, ShipperSettings settings, ShipperTuning tuning = {},
          EventSink events = {});
  ~Shipper();  // stops: closes the connection, writes the cursor
  Shipper(const Shipper&) = delete;
  Shipper& operator=(const Shipper&) = delete;

  const ShipperSettings& settings() const;
  // `status`'s log_shipping object: connected, shipped, pending, lost_to_retention, last_error, cursor, ...
  nlohmann::json status() const;
  // Called by retention before it deletes a closed EVE spool file: counts the records in it that were
  // never sent (lost_to_retention).
  void before_spool_file_removed(const std::filesystem::path& file);

 private:
  class Core;
  std::shared_ptr<Core> core_;
};

}  // namespace torwart::controlplane::log_shipping
