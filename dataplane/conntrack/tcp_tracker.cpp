#include "dataplane/conntrack/tcp_tracker.hpp"

#include <algorithm>

namespace torwart::dataplane::conntrack {
namespace {

using namespace tcp_bits;

// Sequence arithmetic modulo 2^32 (RFC 793 3.3).
bool seq_lt(uint32_t a, uint32_t b) {
  return static_cast<int32_t>(a - b) < 0;
}
bool seq_leq(uint32_t a, uint32_t b) {
  return static_cast<int32_t>(a - b) <= 0;
}
bool seq_geq(uint32_t a, uint32_t b) {
  return static_cast<int32_t>(a - b) >= 0;
}

constexpr uint32_t kMaxScaledWindow = 1u << 30;  // 65535 << 14, RFC 7323

uint32_t scaled(uint32_t window, uint8_t shift) {
  return std::min(window << shift, kMaxScaledWindow);
}
uint32_t max_window_of(const TcpPeer& peer) {
  return scaled(peer.max_window, peer.window_shift);
}

uint8_t offered_flag(const TcpSegment& s) {
  return s.window_scale != kNoWindowScale ? tcp_peer_flag::kOfferedScaling : 0;
}

// A SYN from the originator: (re)starts tracking. While in SYN_SENT, max_end holds ISN + 1, the lowest
// acknowledgement the responder's SYN-ACK may carry; seq_end the highest.
void open_originator(Flow& flow, const TcpSegment& s) {
  TcpPeer& o = flow.tcp[0];
  o.seq_end = s.seq + s.length;
  o.max_end = s.seq + 1;
  o.max_window = std::max<uint16_t>(s.window, 1);
  o.window_shift = s.window_scale != kNoWindowScale ? s.window_scale : 0;  // offered; active once agreed
  o.flags = tcp_peer_flag::kSeen | offered_flag(s);
  flow.tcp[1] = TcpPeer{};
  flow.state = FlowState::kTcpSynSent;
}

// The responder's SYN (normally a SYN-ACK). Settles window scaling and both windows.
void open_responder(Flow& flow, const TcpSegment& s) {
  TcpPeer& o = flow.tcp[0];
  TcpPeer& r = flow.tcp[1];
  const uint32_t originator_syn_window = o.max_window;
  r.seq_end = s.seq + s.length;
  r.max_window = std::max<uint16_t>(s.window, 1);
  r.window_shift = s.window_scale != kNoWindowScale ? s.window_scale : 0;
  r.flags = tcp_peer_flag::kSeen | offered_flag(s);
  if ((o.flags & tcp_peer_flag::kOfferedScaling) && (r.flags & tcp_peer_flag::kOfferedScaling)) {
    // max_window is kept as a raw header value; the SYN ones were unscaled, so round them down into the
    // scaled unit (rounding up keeps them at least as large as announced).
    o.max_window = static_cast<uint16_t>((o.max_window + (1u << o.window_shift) - 1) >> o.window_shift);
    r.max_window = static_cast<uint16_t>((r.max_window + (1u << r.window_shift) - 1) >> r.window_shift);
  } else {
    o.window_shift = r.window_shift = 0;
  }
  // SYN windows are never scaled. Without an ACK (simultaneous open) the originator's data starts after its
  // own SYN.
  o.max_end = ((s.flags & kAck) ? s.ack : o.seq_end) + std::max<uint32_t>(s.window, 1);
  r.max_end = r.seq_end + std::max<uint32_t>(originator_syn_window, 1);
  flow.state = FlowState::kTcpSynReceived;
}

TrackVerdict in_syn_sent(Flow& flow, Direction direction, const TcpSegment& s) {
  TcpPeer& o = flow.tcp[0];
  const uint8_t f = s.flags;
  if (direction == Direction::kOriginal) {
    if ((f & kSyn) && !(f & kAck)) {  // retransmission, or a new attempt with a new ISN
      open_originator(flow, s);
      return TrackVerdict::kAccept;
    }
    if (f & kRst) {  // the originator gives up its own attempt
      if (s.seq != o.max_end && s.seq != o.seq_end) return TrackVerdict::kTcpOutOfWindow;
      flow.state = FlowState::kTcpClosed;
      return TrackVerdict::kAccept;
    }
    return TrackVerdict::kInvalidTcpState;  // nothing else before the responder answered
  }
  const bool acks_syn = (f & kAck) && seq_geq(s.ack, o.max_end) && seq_leq(s.ack, o.seq_end);
  if (f & kRst) {
    if (!acks_syn) return TrackVerdict::kTcpOutOfWindow;
    flow.state = FlowState::kTcpClosed;
    return TrackVerdict::kAccept;
  }
  if (!(f & kSyn)) return TrackVerdict::kInvalidTcpState;
  if ((f & kAck) && !acks_syn) return TrackVerdict::kTcpOutOfWindow;
  open_responder(flow, s);
  return TrackVerdict::kAccept;
}

// State after a valid segment in a synchronized state, from which FINs were sent and acknowledged.
FlowState closing_state(const Flow& flow) {
  const uint8_t a = flow.tcp[0].flags;
  const uint8_t b = flow.tcp[1].flags;
  const bool fin_a = a & tcp_peer_flag::kFin;
  const bool fin_b = b & tcp_peer_flag::kFin;
  const bool acked_a = a & tcp_peer_flag::kFinAcked;
  const bool acked_b = b & tcp_peer_flag::kFinAcked;
  if (!fin_a && !fin_b) return FlowState::kTcpEstablished;
  if (fin_a && fin_b) return acked_a && acked_b ? FlowState::kTcpTimeWait : FlowState::kTcpLastAck;
  return (fin_a ? acked_a : acked_b) ? FlowState::kTcpCloseWait : FlowState::kTcpFinWait;
}

TrackVerdict check_window(const Flow& flow, Direction direction, const TcpSegment& s) {
  const TcpPeer& src = flow.tcp[index_of(direction)];
  const TcpPeer& dst = flow.tcp[index_of(opposite(direction))];
  const uint32_t end = s.seq + s.length;
  // A zero-length segment at max_end is fine; a window probe may carry one octet into a zero window, which
  // max_end already admits (ack + max(window, 1)).
  if (!seq_leq(end, src.max_end)) return TrackVerdict::kTcpOutOfWindow;
  if (seq_lt(s.seq, src.seq_end - max_window_of(dst))) return TrackVerdict::kTcpOutOfWindow;
  if ((s.flags & kAck) && !(s.flags & kRst)) {
    if (!seq_leq(s.ack, dst.seq_end + kAckAheadSlack)) return TrackVerdict::kTcpOutOfWindow;
    if (seq_lt(s.ack, dst.seq_end - max_window_of(src))) return TrackVerdict::kTcpOutOfWindow;
  }
  return TrackVerdict::kAccept;
}

void update_peers(Flow& flow, Direction direction, const TcpSegment& s) {
  TcpPeer& src = flow.tcp[index_of(direction)];
  TcpPeer& dst = flow.tcp[index_of(opposite(direction))];
  const uint32_t end = s.seq + s.length;
  if (seq_lt(src.seq_end, end)) src.seq_end = end;
  if (!(s.flags & kSyn)) src.max_window = std::max(src.max_window, s.window);
  if (s.flags & kFin) src.flags |= tcp_peer_flag::kFin;
  if (s.flags & kAck) {
    const uint32_t window = (s.flags & kSyn) ? s.window : scaled(s.window, src.window_shift);
    const uint32_t allowed_end = s.ack + std::max<uint32_t>(window, 1);
    if (seq_lt(dst.max_end, allowed_end)) dst.max_end = allowed_end;
    if ((dst.flags & tcp_peer_flag::kFin) && seq_geq(s.ack, dst.seq_end))
      dst.flags |= tcp_peer_flag::kFinAcked;
  }
}

}  // namespace

TrackVerdict track_tcp(Flow& flow, Direction direction, const TcpSegment& s) {
  const uint8_t f = s.flags;
  // Combinations no stack sends (scanners and OS fingerprinting do).
  if ((f & kSyn) && (f & (kRst | kFin))) return TrackVerdict::kInvalidTcpState;
  const bool opener = (f & kSyn) && !(f & kAck) && direction == Direction::kOriginal;

  switch (flow.state) {
    case FlowState::kTcpNew:
      if (!opener) return TrackVerdict::kInvalidTcpState;
      open_originator(flow, s);
      return TrackVerdict::kAccept;
    case FlowState::kTcpSynSent:
      return in_syn_sent(flow, direction, s);
    case FlowState::kTcpTimeWait:
    case FlowState::kTcpClosed:
      // The client reuses its port pair for a new connection: track it afresh in this flow.
      if (opener) {
        open_originator(flow, s);
        return TrackVerdict::kAccept;
      }
      break;
    default:
      break;
  }

  if (f & kSyn) {
    // Only a retransmitted SYN or SYN-ACK, while the handshake may still be incomplete for one side.
    const bool handshake = flow.state == FlowState::kTcpSynReceived ||
                           (flow.state == FlowState::kTcpEstablished && direction == Direction::kReply);
    if (!handshake) return TrackVerdict::kInvalidTcpState;
  } else if (!(f & (kAck | kRst))) {
    return TrackVerdict::kInvalidTcpState;  // every synchronized segment carries ACK (RFC 793 3.7)
  }
  if (flow.state == FlowState::kTcpClosed && !(f & kRst)) return TrackVerdict::kInvalidTcpState;

  if (const TrackVerdict v = check_window(flow, direction, s); v != TrackVerdict::kAccept) return v;
  update_peers(flow, direction, s);

  if (f & kRst) {
    flow.state = FlowState::kTcpClosed;
    return TrackVerdict::kAccept;
  }
  switch (flow.state) {
    case FlowState::kTcpSynReceived:
      if (direction == Direction::kOriginal && !(f & kSyn)) flow.state = closing_state(flow);
      break;
    case FlowState::kTcpEstablished:
    case FlowState::kTcpFinWait:
    case FlowState::kTcpCloseWait:
    case FlowState::kTcpLastAck:
      flow.state = closing_state(flow);
      break;
    default:
      break;
  }
  return TrackVerdict::kAccept;
}

}  // namespace torwart::dataplane::conntrack
