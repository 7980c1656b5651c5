#include "dataplane/applayer/dns/dns_name_reader.hpp"

namespace torwart::dataplane::applayer::dns {
namespace {

template <size_t N>
void append_decimal_escape(uint8_t byte, FixedString<N>& out) {
  const char escape[4] = {'\\', static_cast<char>('0' + byte / 100), static_cast<char>('0' + byte / 10 % 10),
                          static_cast<char>('0' + byte % 10)};
  out.append(std::string_view(escape, sizeof escape));
}

template <size_t N>
void append_char(char c, FixedString<N>& out) {
  out.append(std::string_view(&c, 1));
}

DnsNameRead fault(DnsAnomalyReason reason, size_t offset, bool ran_past_limit = false) {
  DnsNameRead result;
  result.reason = reason;
  result.fault_offset = offset;
  result.ran_past_limit = ran_past_limit;
  return result;
}

}  // namespace

template <size_t N>
void append_escaped_label(std::span<const uint8_t> label, FixedString<N>& out) {
  for (const uint8_t byte : label) {
    if (byte == '.' || byte == '\\') {
      append_char('\\', out);
      append_char(static_cast<char>(byte), out);
    } else if (byte >= 0x21 && byte <= 0x7e) {
      append_char(static_cast<char>(byte), out);
    } else {
      append_decimal_escape(byte, out);
    }
  }
}

template <size_t N>
void append_quoted_string(std::span<const uint8_t> text, FixedString<N>& out) {
  append_char('"', out);
  for (const uint8_t byte : text) {
    if (byte == '"' || byte == '\\') {
      append_char('\\', out);
      append_char(static_cast<char>(byte), out);
    } else if (byte >= 0x20 && byte <= 0x7e) {
      append_char(static_cast<char>(byte), out);
    } else {
      append_decimal_escape(byte, out);
    }
  }
  append_char('"', out);
}

template void append_escaped_label(std::span<const uint8_t>, FixedString<kDnsNameCapacity>&);
template void append_quoted_string(std::span<const uint8_t>, FixedString<kDnsRdataTextCapacity>&);
static_assert(kDnsNameCapacity == kDnsRdataTextCapacity, "one instantiation serves names and RDATA text");

DnsNameRead read_dns_name(std::span<const uint8_t> message, size_t start, size_t limit, DnsName& out) {
  out.clear();
  limit = std::min(limit, message.size());
  size_t pos = start;
  size_t segment_start = start;
  size_t segment_limit = limit;
  size_t wire_octets = 0;
  unsigned hops = 0;
  bool jumped = false;
  DnsNameRead result;
  // Bounded: every pass either reads a label (at most 127 fit in 255 octets) or takes a hop (at most
  // kDnsMaxPointerHops), or ends.
  for (;;) {
    if (pos >= segment_limit) return fault(DnsAnomalyReason::kNameOutOfBounds, pos, !jumped);
    const uint8_t length = message[pos];
    if (length == 0) {
      if (!jumped) result.end = pos + 1;
      return result;
    }
    if ((length & 0xc0) == 0xc0) {
      if (pos + 1 >= segment_limit) return fault(DnsAnomalyReason::kNameOutOfBounds, pos, !jumped);
      const size_t target = static_cast<size_t>(length & 0x3f) << 8 | message[pos + 1];
      if (target >= segment_start) return fault(DnsAnomalyReason::kPointerNotBackwards, pos);
      if (++hops > kDnsMaxPointerHops) return fault(DnsAnomalyReason::kPointerHopLimit, pos);
      if (!jumped) result.end = pos + 2;
      jumped = true;
      segment_limit = segment_start;
      segment_start = target;
      pos = target;
      continue;
    }
    if ((length & 0xc0) != 0) return fault(DnsAnomalyReason::kLabelTooLong, pos);
    if (pos + 1 + length > segment_limit) return fault(DnsAnomalyReason::kNameOutOfBounds, pos, !jumped);
    wire_octets += 1 + length;
    if (wire_octets + 1 > kDnsMaxNameOctets) return fault(DnsAnomalyReason::kNameTooLong, pos);
    if (!out.empty()) append_char('.', out);
    append_escaped_label(message.subspan(pos + 1, length), out);
    pos += 1 + length;
  }
}

}  // namespace torwart::dataplane::applayer::dns
