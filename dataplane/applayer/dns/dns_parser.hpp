#pragma once
// Parsing one whole DNS message (a UDP payload, or a DNS-over-TCP message without its length prefix).
#include <cstdint>
#include <span>

#include "dataplane/applayer/dns/dns_anomaly.hpp"
#include "dataplane/applayer/dns/dns_message.hpp"

namespace torwart::dataplane::applayer::dns {

// Fills `message` from `bytes`. False when the message is malformed: `anomaly` holds the first fault and
// `message` what was read before it (the header at least when there were 12 bytes). Bytes after the last
// record are counted in `trailing_bytes`, not refused.
bool dns_parse_message(std::span<const uint8_t> bytes, DnsMessage& message, DnsAnomaly& anomaly);

// The same for the first `prefix.size()` bytes of a message of `full_length` bytes: the sections end
// quietly where the held bytes end (`message.incomplete`); faults inside the held bytes are still faults.
bool dns_parse_message_prefix(std::span<const uint8_t> prefix, uint16_t full_length, DnsMessage& message,
                              DnsAnomaly& anomaly);

}  // namespace torwart::dataplane::applayer::dns
