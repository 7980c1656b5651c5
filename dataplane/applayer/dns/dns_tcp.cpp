#include "dataplane/applayer/dns/dns_tcp.hpp"

#include <algorithm>

#include "dataplane/applayer/dns/dns_parser.hpp"

namespace torwart::dataplane::applayer::dns {
namespace {

constexpr uint16_t kMinMessageBytes = 12;

void finish_message(DnsTcpDirectionState& d, Direction direction, DnsSink& sink) {
  DnsMessage message;
  DnsAnomaly anomaly;
  const size_t held = std::min<size_t>(d.message_length, kDnsTcpBufferBytes);
  const bool ok =
      dns_parse_message_prefix(std::span<const uint8_t>(d.buffer, held), d.message_length, message, anomaly);
  ++d.messages;
  d.prefix_bytes = 0;
  d.received = 0;
  d.message_length = 0;
  if (ok) {
    sink.on_message(direction, message);
  } else {
    d.anomalous = true;
    sink.on_anomaly(direction, anomaly);
  }
}

}  // namespace

void dns_tcp_start(DnsTcpFlowState& state) {
  for (DnsTcpDirectionState& d : state.directions) {
    d.message_length = 0;
    d.received = 0;
    d.prefix_bytes = 0;
    d.prefix_high = 0;
    d.framing_lost = false;
    d.anomalous = false;
    d.messages = 0;
  }
}

void dns_tcp_feed(DnsTcpFlowState& state, Direction direction, std::span<const uint8_t> bytes,
                  DnsSink& sink) {
  DnsTcpDirectionState& d = state.directions[static_cast<size_t>(direction)];
  size_t pos = 0;
  // Bounded: every pass consumes at least one byte, or stops for good.
  while (pos < bytes.size() && !d.framing_lost) {
    if (d.prefix_bytes == 0) {
      d.prefix_high = bytes[pos++];
      d.prefix_bytes = 1;
      continue;
    }
    if (d.prefix_bytes == 1) {
      d.message_length = static_cast<uint16_t>(d.prefix_high << 8 | bytes[pos++]);
      d.prefix_bytes = 2;
      d.received = 0;
      if (d.message_length < kMinMessageBytes) {
        d.framing_lost = true;
        d.anomalous = true;
        sink.on_anomaly(direction, DnsAnomaly{DnsAnomalyReason::kTcpLengthTooShort, 0});
      }
      continue;
    }
    const size_t take = std::min<size_t>(bytes.size() - pos, d.message_length - d.received);
    if (d.received < kDnsTcpBufferBytes) {
      const size_t keep = std::min<size_t>(take, kDnsTcpBufferBytes - d.received);
      std::copy_n(bytes.data() + pos, keep, d.buffer + d.received);
    }
    d.received = static_cast<uint16_t>(d.received + take);
    pos += take;
    if (d.received == d.message_length) finish_message(d, direction, sink);
  }
}

}  // namespace torwart::dataplane::applayer::dns
