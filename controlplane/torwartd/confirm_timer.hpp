#pragma once
// Drives the service's time-based work on the io_context: the automatic rollback at a commit-confirmed
// deadline (Boost.Asio system_timer, re-armed after every request and at start-up), and a periodic check
// that the fast path still runs the current version (it may have restarted from its boot file).
#include <chrono>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/system_timer.hpp>
#include <optional>

#include "controlplane/torwartd/service.hpp"

namespace torwart::controlplane {

class ServiceTimers {
 public:
  ServiceTimers(boost::asio::io_context& io, ControlService& service, std::chrono::milliseconds sync_interval,
                std::chrono::milliseconds retry_interval = std::chrono::seconds(2));
  // Arms the deadline timer for the service's current deadline (none: cancels it). Call after changes.
  void rearm();

 private:
  void on_deadline();
  void schedule_sync();

  ControlService& service_;
  boost::asio::system_timer deadline_;
  boost::asio::steady_timer sync_;
  std::chrono::milliseconds sync_interval_;
  std::chrono::milliseconds retry_interval_;
  std::optional<int64_t> armed_for_;
};

}  // namespace torwart::controlplane
