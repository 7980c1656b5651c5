#include "dataplane/conntrack/timeouts.hpp"

namespace torwart::dataplane::conntrack {

TimeoutTable::TimeoutTable(const ConntrackTimeouts& t) {
  const auto set = [this](FlowState s, uint32_t seconds) {
    ns_[static_cast<unsigned>(s)] = static_cast<uint64_t>(seconds) * kNsPerSecond;
  };
  set(FlowState::kFree, 0);
  set(FlowState::kTcpNew, t.tcp_syn_sent);
  set(FlowState::kTcpSynSent, t.tcp_syn_sent);
  set(FlowState::kTcpSynReceived, t.tcp_syn_received);
  set(FlowState::kTcpEstablished, t.tcp_established);
  set(FlowState::kTcpFinWait, t.tcp_fin_wait);
  set(FlowState::kTcpCloseWait, t.tcp_close_wait);
  set(FlowState::kTcpLastAck, t.tcp_last_ack);
  set(FlowState::kTcpTimeWait, t.tcp_time_wait);
  set(FlowState::kTcpClosed, t.tcp_closed);
  set(FlowState::kUdpUnreplied, t.udp_unreplied);
  set(FlowState::kUdpReplied, t.udp_replied);
  set(FlowState::kIcmpUnreplied, t.icmp);
  set(FlowState::kIcmpReplied, t.icmp);
  set(FlowState::kOtherUnreplied, t.other_unreplied);
  set(FlowState::kOtherReplied, t.other_replied);
}

const char* flow_state_name(FlowState state) {
  switch (state) {
    case FlowState::kFree:
      return "free";
    case FlowState::kTcpNew:
      return "new";
    case FlowState::kTcpSynSent:
      return "syn_sent";
    case FlowState::kTcpSynReceived:
      return "syn_recv";
    case FlowState::kTcpEstablished:
      return "established";
    case FlowState::kTcpFinWait:
      return "fin_wait";
    case FlowState::kTcpCloseWait:
      return "close_wait";
    case FlowState::kTcpLastAck:
      return "last_ack";
    case FlowState::kTcpTimeWait:
      return "time_wait";
    case FlowState::kTcpClosed:
      return "closed";
    case FlowState::kUdpUnreplied:
    case FlowState::kIcmpUnreplied:
    case FlowState::kOtherUnreplied:
      return "new";
    case FlowState::kUdpReplied:
    case FlowState::kIcmpReplied:
    case FlowState::kOtherReplied:
      return "established";
    case FlowState::kCount:
      break;
  }
  return "unknown";
}

}  // namespace torwart::dataplane::conntrack
