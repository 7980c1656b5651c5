#pragma once
// The kernel → fast path mirror: follows what Linux tools (a DHCP client, `ip`, later FRR) set on the twin
// interfaces and hands a consistent, validated KernelState to a callback, after the first full dump and
// after each batch of changes. Single-threaded: everything runs in the io_context's thread.
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "controlplane/kernel_mirror/kernel_state.hpp"
#include "controlplane/kernel_mirror/mirror_limits.hpp"
#include "controlplane/kernel_mirror/mirror_statistics.hpp"
#include "controlplane/kernel_mirror/mirror_table.hpp"
#include "controlplane/kernel_mirror/netlink_socket.hpp"

namespace torwart::controlplane {

struct KernelMirrorOptions {
  std::vector<std::string> watched_interfaces;  // twin names, e.g. "lan", "kdn", "inet"
  MirrorLimits limits;
  // Changes arriving within this time after the first one are handed over together.
  std::chrono::milliseconds debounce{20};
  // The event socket's SO_RCVBUF; 0 keeps libnl's default. Tests make it small to provoke an overrun.
  size_t receive_buffer_bytes = 0;
  // A dump that fails (or stays interrupted) is retried after this long.
  std::chrono::milliseconds dump_retry{1000};
};

class KernelMirror {
 public:
  using Callback = std::function<void(const KernelState&)>;

  // Opens and subscribes the event socket (the socket binds to the calling thread's network namespace).
  // Throws std::invalid_argument for bad options, std::system_error when netlink is not available.
  KernelMirror(boost::asio::io_context& io, KernelMirrorOptions options, Callback callback);
  ~KernelMirror();
  KernelMirror(const KernelMirror&) = delete;
  KernelMirror& operator=(const KernelMirror&) = delete;

  // The first full dump, then events as they come. Call once.
  void start();
  // Forgets everything and dumps again, e.g. after the fast path restarted.
  void resync();

  const MirrorCounters& counters() const { return statistics_.counters(); }
  // "what: why" of the last refusals, oldest first.
  const std::deque<std::string>& recent_refusals() const { return statistics_.recent_refusals(); }
  const KernelState& state() const { return table_->state(); }

 private:
  void wait_for_events();
  void read_events();
  // Drops what the event socket still holds (older than the loss), then dumps. False when the dump failed.
  bool full_resync();
  bool take_dump();
  void schedule_publish();
  void schedule_retry();

  boost::asio::io_context& io_;
  KernelMirrorOptions options_;
  Callback callback_;
  MirrorStatistics statistics_;
  std::unique_ptr<MirrorTable> table_;
  NetlinkSocket events_;
  NetlinkSocket dumps_;
  boost::asio::posix::stream_descriptor event_descriptor_;
  boost::asio::steady_timer publish_timer_;
  boost::asio::steady_timer retry_timer_;
  std::vector<std::byte> receive_buffer_;
  uint32_t next_sequence_ = 1;
  bool publish_pending_ = false;
  bool retry_pending_ = false;
  bool have_dump_ = false;  // nothing is handed over before a complete dump
  // Handlers still queued when the mirror goes away see this turn false instead of touching freed members.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace torwart::controlplane
