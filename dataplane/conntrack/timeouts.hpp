#pragma once
// How long a flow lives without packets, per state. All on packet time (now_ns handed in by the caller).
#include <array>
#include <cstdint>

#include "dataplane/conntrack/flow.hpp"

namespace torwart::dataplane::conntrack {

inline constexpr uint64_t kNsPerSecond = 1'000'000'000ull;

// Seconds. Defaults: handshake and closing states short, so that a SYN flood or a crowd of half-closed
// connections frees the table quickly; established TCP one hour (town-hall traffic has no multi-day idle
// sessions worth a slot; keep-alives refresh it); UDP after a reply like Linux' "stream" timeout.
struct ConntrackTimeouts {
  uint32_t tcp_syn_sent = 30;
  uint32_t tcp_syn_received = 30;
  uint32_t tcp_established = 3600;
  uint32_t tcp_fin_wait = 120;
  uint32_t tcp_close_wait = 120;
  uint32_t tcp_last_ack = 30;
  uint32_t tcp_time_wait = 30;
  uint32_t tcp_closed = 10;
  uint32_t udp_unreplied = 30;
  uint32_t udp_replied = 180;
  uint32_t icmp = 30;
  uint32_t other_unreplied = 30;
  uint32_t other_replied = 180;
};

// The timeouts per FlowState in nanoseconds, looked up on every expiry check.
class TimeoutTable {
 public:
  explicit TimeoutTable(const ConntrackTimeouts& t);
  uint64_t for_state(FlowState s) const { return ns_[static_cast<unsigned>(s)]; }

 private:
  std::array<uint64_t, static_cast<unsigned>(FlowState::kCount)> ns_{};
};

// A flow is expired once `timeout` has fully passed since its last packet: alive at last_seen + timeout - 1
// ns, gone at last_seen + timeout.
inline bool is_expired(const Flow& flow, uint64_t now_ns, const TimeoutTable& timeouts) {
  return now_ns >= flow.last_seen_ns && now_ns - flow.last_seen_ns >= timeouts.for_state(flow.state);
}

}  // namespace torwart::dataplane::conntrack
