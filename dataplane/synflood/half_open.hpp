#pragma once
// Per-worker SYN-flood bookkeeping: how many connections each zone has in the TCP handshake (SYN_SENT or
// SYN_RECEIVED, counted by the zone the SYN came from), and per flow what the SYN proxy needs to translate
// sequence numbers. One entry per flow-table slot, preallocated; no allocation after construction.
//
// Exactness: a flow is counted when a tracked packet leaves it half-open (note()) and uncounted when one
// moves it on or when the table removes it for any reason (ended(), from the flow-end callback). The flag
// `kCounted` remembers what was counted, so no path counts twice or forgets to uncount.
#include <array>
#include <cstdint>

#include "dataplane/conntrack/flow.hpp"
#include "dataplane/core/siphash.hpp"

namespace torwart::dataplane::synflood {

inline constexpr unsigned kMaxZones = 256;  // zone indices as the policy sees them (uint8_t)

namespace side_flag {
inline constexpr uint8_t kCounted = 1 << 0;  // counted in half_open[zone]
// (Whether a flow is proxied is flow_flag::kSynProxied in the flow itself: tested on every packet.)
inline constexpr uint8_t kServerAnswered = 1 << 2;  // the server's SYN-ACK arrived: seq_delta is known
}  // namespace side_flag

// 16 bytes per flow slot.
struct FlowSide {
  uint32_t cookie_isn;  // proxied: the box's ISN towards the client (the cookie)
  // proxied: server ISN - cookie ISN, added to the client's acks, taken off the server's seqs
  uint32_t seq_delta;
  uint16_t client_window;  // proxied: the window the client's ACK announced, for the box's ACK to the server
  uint16_t server_mss;     // proxied: the MSS the box's SYN to the server announces (from the cookie)
  uint8_t zone;            // the zone the flow's first packet came from
  uint8_t flags;           // side_flag::*
};

class SynFloodState {
 public:
  // `flow_slots` is the worker's flow-table capacity. Draws a random per-boot cookie key (getrandom, once).
  // Throws std::runtime_error when the memory cannot be allocated.
  SynFloodState(uint32_t flow_slots, int socket_id);
  ~SynFloodState();
  SynFloodState(const SynFloodState&) = delete;
  SynFloodState& operator=(const SynFloodState&) = delete;

  // Replay and tests: a fixed key, so that outputs are reproducible.
  void set_key(const SipKey& key) { key_ = key; }
  const SipKey& key() const { return key_; }

  FlowSide& side(uint32_t slot) { return side_[slot]; }
  // A new flow in `slot`: forget what the slot held before, remember its zone.
  void opened(uint32_t slot, uint8_t zone);
  // After a tracked packet changed (or not) the flow's state.
  void note(uint32_t slot, conntrack::FlowState state);
  // The flow table removes the flow in `slot`.
  void ended(uint32_t slot);

  uint32_t half_open(uint8_t zone) const { return half_open_[zone]; }
  uint64_t half_open_total() const { return half_open_total_; }

  // Whether this zone was sent a cookie recently enough that an ACK without a flow may carry one.
  void cookie_sent(uint8_t zone, uint64_t now_ns) { last_cookie_ns_[zone] = now_ns; }
  bool cookies_live(uint8_t zone, uint64_t now_ns) const;

 private:
  FlowSide* side_ = nullptr;
  uint32_t slots_;
  SipKey key_{};
  std::array<uint32_t, kMaxZones> half_open_{};
  std::array<uint64_t, kMaxZones> last_cookie_ns_{};
  uint64_t half_open_total_ = 0;
};

// SYN_SENT or SYN_RECEIVED, as one range check: asked for every tracked packet.
static_assert(static_cast<unsigned>(conntrack::FlowState::kTcpSynReceived) ==
              static_cast<unsigned>(conntrack::FlowState::kTcpSynSent) + 1);
inline bool is_half_open(conntrack::FlowState s) {
  return static_cast<unsigned>(s) - static_cast<unsigned>(conntrack::FlowState::kTcpSynSent) < 2u;
}

}  // namespace torwart::dataplane::synflood
