#include "controlplane/kernel_mirror/kernel_mirror.hpp"

#include <stdexcept>
#include <system_error>
#include <utility>

#include "controlplane/kernel_mirror/kernel_dump.hpp"

namespace torwart::controlplane {
namespace {

constexpr size_t kReceiveBufferBytes = 64 * 1024;
constexpr std::chrono::milliseconds kDumpTimeout{5000};
constexpr int kDumpAttempts = 5;

KernelMirrorOptions checked(KernelMirrorOptions options) {
  check_mirror_settings(options.watched_interfaces, options.limits);
  if (options.debounce.count() < 0 || options.dump_retry.count() <= 0)
    throw std::invalid_argument("kernel mirror debounce and retry times must not be negative");
  return options;
}

}  // namespace

KernelMirror::KernelMirror(boost::asio::io_context& io, KernelMirrorOptions options, Callback callback)
    : io_(io),
      options_(checked(std::move(options))),
      callback_(std::move(callback)),
      table_(std::make_unique<MirrorTable>(options_.watched_interfaces, options_.limits, statistics_)),
      // Subscribed before the first dump is asked for: a change between the two is in the socket, not lost.
      events_(NetlinkSocket::for_events(options_.receive_buffer_bytes)),
      dumps_(NetlinkSocket::for_dumps(kDumpTimeout)),
      event_descriptor_(io_, events_.fd()),
      publish_timer_(io_),
      retry_timer_(io_),
      receive_buffer_(kReceiveBufferBytes) {
  if (!callback_) throw std::invalid_argument("kernel mirror needs a callback");
}

KernelMirror::~KernelMirror() {
  // libnl owns the descriptor and closes it; Asio must only let go of it.
  event_descriptor_.release();
}

void KernelMirror::start() {
  if (take_dump()) {
    schedule_publish();
  } else {
    schedule_retry();
  }
  wait_for_events();
}

void KernelMirror::resync() {
  if (full_resync()) {
    schedule_publish();
  } else {
    schedule_retry();
  }
}

void KernelMirror::wait_for_events() {
  event_descriptor_.async_wait(
      boost::asio::posix::stream_descriptor::wait_read,
      [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& error) {
        if (alive.expired() || error) return;
        read_events();
        wait_for_events();
      });
}

void KernelMirror::read_events() {
  bool changed = false;
  bool needs_resync = false;
  MirrorCounters& counters = statistics_.counters();
  try {
    for (bool more = true; more && !needs_resync;) {
      const ReceiveResult result = events_.receive(receive_buffer_, false);
      switch (result.kind) {
        case ReceiveResult::Kind::kWouldBlock:
          more = false;
          break;
        case ReceiveResult::Kind::kOverrun:
          ++counters.overruns;
          needs_resync = true;
          break;
        case ReceiveResult::Kind::kTruncated:
          ++counters.malformed;
          needs_resync = true;  // the rest of that datagram is lost like an overrun
          break;
        case ReceiveResult::Kind::kNotFromKernel:
          ++counters.malformed;
          break;
        case ReceiveResult::Kind::kMessages:
          for_each_netlink_message(std::span(receive_buffer_).first(result.bytes),
                                   [&](const ParsedMessage& message) {
                                     ++counters.events;
                                     const ApplyOutcome outcome = table_->apply(message.change);
                                     changed |= outcome == ApplyOutcome::kChanged;
                                     needs_resync |= outcome == ApplyOutcome::kNeedsResync;
                                   });
          break;
      }
    }
  } catch (const std::system_error&) {
    ++counters.dump_failures;
    needs_resync = true;  // whatever the socket lost, a dump shows
  }
  if (needs_resync) {
    resync();
  } else if (changed) {
    schedule_publish();
  }
}

bool KernelMirror::full_resync() {
  // Messages still queued may be older than the ones the kernel dropped: replayed after the dump they would
  // undo newer changes. Everything arriving after this drain is newer than the dump's start.
  try {
    for (;;) {
      const ReceiveResult result = events_.receive(receive_buffer_, false);
      if (result.kind == ReceiveResult::Kind::kWouldBlock) break;
      if (result.kind == ReceiveResult::Kind::kOverrun) ++statistics_.counters().overruns;
    }
  } catch (const std::system_error&) {
    ++statistics_.counters().dump_failures;
    return false;
  }
  return take_dump();
}

bool KernelMirror::take_dump() {
  for (int attempt = 0; attempt < kDumpAttempts; ++attempt) {
    auto fresh = std::make_unique<MirrorTable>(options_.watched_interfaces, options_.limits, statistics_);
    DumpOutcome outcome = DumpOutcome::kInterrupted;
    try {
      outcome = dump_kernel(dumps_, next_sequence_, *fresh);
    } catch (const std::runtime_error&) {
      break;
    }
    if (outcome == DumpOutcome::kComplete) {
      table_ = std::move(fresh);
      MirrorCounters& counters = statistics_.counters();
      ++counters.dumps;
      if (have_dump_) ++counters.resyncs;
      have_dump_ = true;
      return true;
    }
  }
  ++statistics_.counters().dump_failures;
  return false;
}

void KernelMirror::schedule_publish() {
  if (publish_pending_) return;
  publish_pending_ = true;
  publish_timer_.expires_after(options_.debounce);
  publish_timer_.async_wait(
      [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& error) {
        if (alive.expired()) return;
        publish_pending_ = false;
        // Handed over only between handlers: a batch read from the socket is always applied whole.
        if (!error && have_dump_) callback_(table_->state());
      });
}

void KernelMirror::schedule_retry() {
  if (retry_pending_) return;
  retry_pending_ = true;
  retry_timer_.expires_after(options_.dump_retry);
  retry_timer_.async_wait(
      [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& error) {
        if (alive.expired()) return;
        retry_pending_ = false;
        if (!error) resync();
      });
}

}  // namespace torwart::controlplane
