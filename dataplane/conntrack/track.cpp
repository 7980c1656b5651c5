#include "dataplane/conntrack/track.hpp"

#include <algorithm>

#include "dataplane/conntrack/tcp_segment.hpp"
#include "dataplane/conntrack/tcp_tracker.hpp"

namespace torwart::dataplane::conntrack {
namespace {

void account(Flow& flow, Direction direction, const rte_mbuf* m, uint64_t now_ns) {
  ++flow.packets[index_of(direction)];
  flow.bytes[index_of(direction)] += rte_pktmbuf_pkt_len(m);
  // Packet time may step back a little between ports in replay; a flow never gets younger.
  flow.last_seen_ns = std::max(flow.last_seen_ns, now_ns);
}

// UDP, ICMP echo and other protocols: a pseudo-connection is "replied" once a packet came back.
void track_pseudo(Flow& flow, Direction direction) {
  if (direction != Direction::kReply) return;
  switch (flow.state) {
    case FlowState::kUdpUnreplied:
      flow.state = FlowState::kUdpReplied;
      break;
    case FlowState::kIcmpUnreplied:
      flow.state = FlowState::kIcmpReplied;
      break;
    case FlowState::kOtherUnreplied:
      flow.state = FlowState::kOtherReplied;
      break;
    default:
      break;
  }
}

}  // namespace

DropReason drop_reason_of(TrackVerdict verdict) {
  switch (verdict) {
    case TrackVerdict::kAccept:
      return DropReason::kNone;
    case TrackVerdict::kInvalidTcpState:
      return DropReason::kInvalidTcpState;
    case TrackVerdict::kTcpOutOfWindow:
      return DropReason::kTcpOutOfWindow;
  }
  return DropReason::kInvalidTcpState;
}

bool tcp_may_open(const PacketMeta& meta, const rte_mbuf* m) {
  if (meta.ip_proto != kProtoTcp || !meta.l4_present || (meta.flags & meta_flag::kLaterFragment))
    return false;
  const uint8_t flags = rte_pktmbuf_mtod_offset(m, const uint8_t*, meta.l4_offset)[13];
  return (flags & (tcp_bits::kSyn | tcp_bits::kAck | tcp_bits::kRst | tcp_bits::kFin)) == tcp_bits::kSyn;
}

bool may_open(const PacketMeta& meta, const rte_mbuf* m) {
  if (meta.flags & (meta_flag::kLaterFragment | meta_flag::kIcmpError)) return false;
  switch (meta.ip_proto) {
    case kProtoTcp:
      return tcp_may_open(meta, m);
    case kProtoIcmp:
    case kProtoIcmpv6:
      return meta.l4_present && is_icmp_echo_request(meta.ip_proto, static_cast<uint8_t>(meta.dst_port >> 8));
    default:
      return true;
  }
}

TrackVerdict track_packet(Flow& flow, Direction direction, const PacketMeta& meta, const rte_mbuf* m,
                          uint64_t now_ns) {
  if (flow.original().protocol == kProtoTcp) {
    if (!(meta.flags & meta_flag::kLaterFragment) && meta.l4_present) {
      const TrackVerdict verdict = track_tcp(flow, direction, read_tcp_segment(meta, m));
      if (verdict != TrackVerdict::kAccept) return verdict;
    }
  } else {
    const bool icmp = flow.original().protocol == kProtoIcmp || flow.original().protocol == kProtoIcmpv6;
    if (icmp && meta.l4_present && flow.packets[index_of(direction)] == 0) {
      flow.icmp_type[index_of(direction)] = static_cast<uint8_t>(meta.dst_port >> 8);
      flow.icmp_code[index_of(direction)] = static_cast<uint8_t>(meta.dst_port);
    }
    track_pseudo(flow, direction);
  }
  account(flow, direction, m, now_ns);
  return TrackVerdict::kAccept;
}

}  // namespace torwart::dataplane::conntrack
