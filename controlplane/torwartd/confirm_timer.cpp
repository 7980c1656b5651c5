#include "controlplane/torwartd/confirm_timer.hpp"

#include <iostream>

namespace torwart::controlplane {

ServiceTimers::ServiceTimers(boost::asio::io_context& io, ControlService& service,
                             std::chrono::milliseconds sync_interval,
                             std::chrono::milliseconds retry_interval)
    : service_(service),
      deadline_(io),
      sync_(io),
      sync_interval_(sync_interval),
      retry_interval_(retry_interval) {
  rearm();
  schedule_sync();
}

void ServiceTimers::rearm() {
  const auto deadline = service_.confirm_deadline();
  if (deadline == armed_for_) return;
  armed_for_ = deadline;
  deadline_.cancel();
  if (!deadline) return;
  deadline_.expires_at(std::chrono::system_clock::time_point(std::chrono::milliseconds(*deadline)));
  deadline_.async_wait([this](boost::system::error_code ec) {
    if (!ec) on_deadline();
  });
}

void ServiceTimers::on_deadline() {
  armed_for_.reset();
  if (service_.expire_if_due()) {
    std::cerr << "torwartd: commit not confirmed in time: rolled back\n";
    rearm();
    return;
  }
  const auto pending = service_.confirm_deadline();
  if (!pending) return;
  // Not due yet, or the fast path could not take the rollback: wait for the deadline, or retry soon.
  const auto at = std::chrono::system_clock::time_point(std::chrono::milliseconds(*pending));
  const auto now = std::chrono::system_clock::now();
  if (now >= at) std::cerr << "torwartd: the automatic rollback could not be applied yet; retrying\n";
  armed_for_ = pending;
  deadline_.expires_at(now >= at ? now + retry_interval_ : at);
  deadline_.async_wait([this](boost::system::error_code ec) {
    if (!ec) on_deadline();
  });
}

void ServiceTimers::schedule_sync() {
  sync_.expires_after(sync_interval_);
  sync_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    const std::string result = service_.resynchronise();
    if (result != "in sync") std::cerr << "torwartd: " << result << "\n";
    rearm();
    schedule_sync();
  });
}

}  // namespace torwart::controlplane
