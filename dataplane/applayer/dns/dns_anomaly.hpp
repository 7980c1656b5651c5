#pragma once
// Why a DNS message (or a DNS-over-TCP stream) was refused. One reason per failure: the first fault found.
#include <cstdint>
#include <string_view>

namespace torwart::dataplane::applayer::dns {

enum class DnsAnomalyReason : uint8_t {
  kNone = 0,
  kShortHeader,          // fewer than 12 bytes
  kCountsBeyondMessage,  // the message ends where the header's counts promise another entry
  kNameOutOfBounds,      // a name runs past the end of the message (or of its RDATA)
  kLabelTooLong,         // a label length byte 0x40-0xbf: longer than 63, or a reserved label type
  kNameTooLong,          // more than 255 octets on the wire
  kPointerNotBackwards,  // a compression pointer not strictly before the segment it was found in
  kPointerHopLimit,      // more than kDnsMaxPointerHops compression pointers in one name
  kRecordOutOfBounds,    // a question's or record's fixed fields run past the end
  kRdataOutOfBounds,     // RDLENGTH runs past the end
  kBadRdata,             // RDATA of a decoded type has the wrong length or shape
  kBadOpt,               // OPT outside the additional section, not owned by the root, or more than one
  kTcpLengthTooShort,    // a DNS-over-TCP length prefix below 12: the framing is lost
  kCount,
};

inline constexpr size_t kDnsAnomalyReasonCount = static_cast<size_t>(DnsAnomalyReason::kCount);

struct DnsAnomaly {
  DnsAnomalyReason reason = DnsAnomalyReason::kNone;
  uint16_t offset = 0;  // where in the message (or, for framing, in the message's length prefix) it was found
};

std::string_view dns_anomaly_name(DnsAnomalyReason reason);

}  // namespace torwart::dataplane::applayer::dns
