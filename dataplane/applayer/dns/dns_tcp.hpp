#pragma once
// DNS over TCP (RFC 1035 4.2.2, RFC 7766): each message follows a 2-byte big-endian length. The framer is fed
// one direction's reassembled stream in pieces split anywhere and hands each complete message to the sink,
// the same messages in the same order whatever the split.
//
// Each direction holds at most kDnsTcpBufferBytes of the current message. A longer message (zone transfers,
// large DNSSEC answers) is not dropped: its first kDnsTcpBufferBytes are kept, the rest is counted past, and
// the held prefix is parsed when the message ends (DnsMessage::incomplete, full_length). A length below 12
// cannot be a DNS message and means the framing is lost: the direction reports kTcpLengthTooShort once and
// ignores everything after it. A malformed message inside intact framing is reported and the next one is
// parsed.
#include <cstdint>
#include <span>
#include <type_traits>

#include "dataplane/applayer/common.hpp"
#include "dataplane/applayer/dns/dns_sink.hpp"

namespace torwart::dataplane::applayer::dns {

inline constexpr size_t kDnsTcpBufferBytes = 1536;

struct DnsTcpDirectionState {
  uint16_t message_length = 0;  // from the current length prefix
  uint16_t received = 0;        // bytes of the current message consumed so far (held or counted past)
  uint8_t prefix_bytes = 0;     // 0, 1 or 2 bytes of the length prefix seen
  uint8_t prefix_high = 0;      // the first prefix byte while the second is awaited
  bool framing_lost = false;    // sticky: nothing more is parsed in this direction
  bool anomalous = false;       // sticky: at least one anomaly was reported
  uint32_t messages = 0;        // messages handed to the sink (parsed or refused)
  uint8_t buffer[kDnsTcpBufferBytes];
};

struct DnsTcpFlowState {
  DnsTcpDirectionState directions[2];
};

static_assert(std::is_trivially_copyable_v<DnsTcpFlowState>);
static_assert(sizeof(DnsTcpDirectionState) == 1548);
static_assert(sizeof(DnsTcpFlowState) == 3096);

// Resets both directions (a new flow, or a recycled slot).
void dns_tcp_start(DnsTcpFlowState& state);

// Consumes all of `bytes` (the next bytes of `direction`'s stream), calling the sink for every message that
// completes and for every anomaly.
void dns_tcp_feed(DnsTcpFlowState& state, Direction direction, std::span<const uint8_t> bytes, DnsSink& sink);

}  // namespace torwart::dataplane::applayer::dns
