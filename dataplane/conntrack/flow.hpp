#pragma once
// One tracked connection: both tuples (they differ under NAT), its state, per-direction accounting, TCP
// window tracking and the slots the policy integrator fills in.
#include <cstdint>

#include "dataplane/conntrack/flow_tuple.hpp"

namespace torwart::dataplane::conntrack {

enum class FlowState : uint8_t {
  kFree = 0,  // slot not in use
  // TCP (tcp_tracker.hpp)
  kTcpNew,          // created, no segment tracked yet
  kTcpSynSent,      // SYN from the originator
  kTcpSynReceived,  // SYN-ACK (or a crossing SYN) from the responder
  kTcpEstablished,  // the originator acknowledged the responder's SYN
  kTcpFinWait,      // one side sent FIN, not yet acknowledged
  kTcpCloseWait,    // one side's FIN acknowledged; the other side may still send
  kTcpLastAck,      // both sides sent FIN, not both acknowledged
  kTcpTimeWait,     // both FINs acknowledged
  kTcpClosed,       // RST seen
  // Pseudo-connections (pseudo_tracker.hpp): UDP, ICMP echo, other IP protocols.
  kUdpUnreplied,
  kUdpReplied,
  kIcmpUnreplied,
  kIcmpReplied,
  kOtherUnreplied,
  kOtherReplied,
  kCount
};

const char* flow_state_name(FlowState state);

// Established flows are what eviction protects: a TCP connection past its handshake and not closing, or a
// pseudo-connection that has seen traffic both ways (UDP, other protocols). ICMP echo is never protected.
inline bool is_established(FlowState s) {
  return s == FlowState::kTcpEstablished || s == FlowState::kUdpReplied || s == FlowState::kOtherReplied;
}

// One side's view of a TCP connection, for window tracking (tcp_tracker.cpp). 12 bytes.
struct TcpPeer {
  uint32_t seq_end;  // highest sequence number this side has sent, plus one (SYN and FIN count)
  // Highest sequence end this side may send: the other side's ack plus its (scaled) window. While the flow
  // is in SYN_SENT, the originator's max_end holds ISN + 1, the lowest ack a SYN-ACK may carry.
  uint32_t max_end;
  uint16_t max_window;   // largest raw window field this side advertised
  uint8_t window_shift;  // window scale this side's windows are shifted by (RFC 7323), 0 without scaling
  uint8_t flags;         // tcp_peer_flag::*
};

namespace tcp_peer_flag {
inline constexpr uint8_t kSeen = 1 << 0;            // has sent a SYN (or SYN-ACK) we tracked
inline constexpr uint8_t kOfferedScaling = 1 << 1;  // its SYN carried a window-scale option
inline constexpr uint8_t kFin = 1 << 2;             // has sent FIN
inline constexpr uint8_t kFinAcked = 1 << 3;        // its FIN was acknowledged by the other side
}  // namespace tcp_peer_flag

// Flags the integrator (policy, logging, application layer) keeps per flow.
namespace flow_flag {
inline constexpr uint8_t kPolicyDecided = 1 << 0;
inline constexpr uint8_t kDrop = 1 << 1;        // policy verdict: drop this flow's packets
inline constexpr uint8_t kLog = 1 << 2;         // log this flow (EVE flow record at its end)
inline constexpr uint8_t kAppPending = 1 << 3;  // verdict waits for the application layer
inline constexpr uint8_t kSynProxied = 1 << 4;  // opened by the SYN proxy: seq/ack translated (synflood/)
}  // namespace flow_flag

inline constexpr uint16_t kNoPolicyRule = 0xffff;

// 168 bytes, 8-byte aligned rather than cache-line aligned to keep the pool dense; the tuples a lookup
// compares come first, the TCP state right after them.
struct Flow {
  FlowTuple tuple[2];  // [Direction]: as packets of that direction arrive at the box
  FlowState state;
  uint8_t flags;         // flow_flag::*
  uint16_t policy_rule;  // index of the policy rule that decided, kNoPolicyRule before
  // The configuration version (low 32 bits) whose policy decided this flow: after a reload the flow's next
  // packet asks the new policy again, so that a policy change also ends flows it no longer allows.
  uint32_t policy_version;
  TcpPeer tcp[2];  // [Direction]: the side that sends packets of that direction
  // ICMP echo: type and code of the first message of each direction (valid once packets[direction] > 0):
  // a monitored flow may begin with the reply (EVE icmp_type, response_icmp_type, community_id).
  uint8_t icmp_type[2];
  uint8_t icmp_code[2];
  uint64_t last_seen_ns;
  uint64_t first_seen_ns;
  // EVE `flow_id`, unique per start and worker (FlowTable::make_flow_id). While the slot is free it links
  // the free list instead.
  uint64_t id;
  uint64_t packets[2];
  uint64_t bytes[2];

  const FlowTuple& original() const { return tuple[0]; }
  const FlowTuple& reply() const { return tuple[1]; }
};
static_assert(sizeof(Flow) == 168, "Flow layout changed: re-measure bytes per flow");

}  // namespace torwart::dataplane::conntrack
