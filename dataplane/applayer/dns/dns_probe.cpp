#include "dataplane/applayer/dns/dns_probe.hpp"

#include "dataplane/applayer/dns/dns_name_reader.hpp"

namespace torwart::dataplane::applayer::dns {
namespace {

constexpr size_t kHeaderBytes = 12;
constexpr size_t kMinQuestionBytes = 5;  // root name, type, class
constexpr size_t kMinRecordBytes = 11;   // root name, type, class, TTL, RDLENGTH
constexpr uint16_t kMaxProbedQuestions = 4;
constexpr uint8_t kOpcodeDso = 6;

uint16_t load16(std::span<const uint8_t> m, size_t at) {
  return static_cast<uint16_t>(m[at] << 8 | m[at + 1]);
}

bool opcode_plausible(uint8_t opcode) {
  return opcode == 0 || opcode == 2 || opcode == 4 || opcode == 5 || opcode == kOpcodeDso;
}

// `held` is the start of a message of `full_length` bytes (equal for UDP).
ProbeResult probe_message(Direction direction, std::span<const uint8_t> held, size_t full_length) {
  if (full_length < kHeaderBytes) return ProbeResult::kNoMatch;
  if (held.size() < kHeaderBytes) return ProbeResult::kNeedMore;
  const uint16_t flags = load16(held, 2);
  const bool response = (flags & 0x8000) != 0;
  const auto opcode = static_cast<uint8_t>(flags >> 11 & 0x0f);
  if (!opcode_plausible(opcode) || (flags & 0x0040) != 0) return ProbeResult::kNoMatch;
  if (response != (direction == Direction::kToClient)) return ProbeResult::kNoMatch;
  if (!response && (flags & 0x000f) != 0) return ProbeResult::kNoMatch;
  const uint16_t questions = load16(held, 4);
  const uint64_t records = static_cast<uint64_t>(load16(held, 6)) + load16(held, 8) + load16(held, 10);
  if (questions > kMaxProbedQuestions || (questions == 0 && opcode != kOpcodeDso))
    return ProbeResult::kNoMatch;
  if (questions * kMinQuestionBytes + records * kMinRecordBytes > full_length - kHeaderBytes) {
    return ProbeResult::kNoMatch;
  }
  if (questions == 0) return ProbeResult::kMatch;
  DnsName name;
  const DnsNameRead read = read_dns_name(held, kHeaderBytes, held.size(), name);
  if (read.reason != DnsAnomalyReason::kNone) {
    // Labels that run past the held bytes may still arrive; past the message they never will.
    const bool may_arrive =
        read.ran_past_limit && held.size() < full_length && read.reason == DnsAnomalyReason::kNameOutOfBounds;
    return may_arrive ? ProbeResult::kNeedMore : ProbeResult::kNoMatch;
  }
  if (read.end + 4 > full_length) return ProbeResult::kNoMatch;
  if (read.end + 4 > held.size()) return ProbeResult::kNeedMore;
  return ProbeResult::kMatch;
}

}  // namespace

ProbeResult probe_dns_udp(Direction direction, std::span<const uint8_t> payload) {
  if (payload.size() < kHeaderBytes) return ProbeResult::kNoMatch;
  return probe_message(direction, payload, payload.size());
}

ProbeResult probe_dns_tcp(Direction direction, std::span<const uint8_t> stream) {
  if (stream.size() < 2) return ProbeResult::kNeedMore;
  const size_t length = load16(stream, 0);
  std::span<const uint8_t> held = stream.subspan(2);
  if (held.size() > length) held = held.first(length);
  return probe_message(direction, held, length);
}

}  // namespace torwart::dataplane::applayer::dns
