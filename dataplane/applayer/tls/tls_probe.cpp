#include "dataplane/applayer/tls/tls_parser.hpp"

namespace torwart::dataplane::applayer::tls {

namespace {

constexpr uint8_t kHandshakeRecord = 22;
constexpr uint8_t kClientHello = 1;
constexpr uint8_t kServerHello = 2;
constexpr size_t kProbeBytes = 6;
constexpr uint16_t kMaxRecordLength = (1u << 14) + 2048;
constexpr uint16_t kSmallestHandshake = 4;

// SSLv2 record header (2 bytes, high bit set), CLIENT-HELLO, then version 0x0002 or 0x0300..0x0304.
bool sslv2_client_hello(std::span<const uint8_t> b) {
  const uint16_t length = static_cast<uint16_t>(((b[0] & 0x7f) << 8) | b[1]);
  const bool version = (b[3] == 0 && b[4] == 2) || (b[3] == 3 && b[4] <= 4);
  return (b[0] & 0x80) != 0 && length >= 9 && b[2] == kClientHello && version;
}

}  // namespace

ProbeResult probe_tls(Direction direction, std::span<const uint8_t> first_bytes) {
  if (first_bytes.size() < kProbeBytes) return ProbeResult::kNeedMore;
  const std::span<const uint8_t> b = first_bytes;
  if (direction == Direction::kToServer && sslv2_client_hello(b)) return ProbeResult::kMatch;
  const uint16_t length = static_cast<uint16_t>((b[3] << 8) | b[4]);
  const uint8_t expected = direction == Direction::kToServer ? kClientHello : kServerHello;
  const bool match = b[0] == kHandshakeRecord && b[1] == 3 && b[2] <= 4 && length >= kSmallestHandshake &&
                     length <= kMaxRecordLength && b[5] == expected;
  return match ? ProbeResult::kMatch : ProbeResult::kNoMatch;
}

}  // namespace torwart::dataplane::applayer::tls
