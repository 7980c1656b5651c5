#include "dataplane/applayer/dns/dns_rdata.hpp"

#include <algorithm>
#include <charconv>

#include "dataplane/applayer/dns/dns_name_reader.hpp"

namespace torwart::dataplane::applayer::dns {
namespace {

uint16_t load16(std::span<const uint8_t> m, size_t at) {
  return static_cast<uint16_t>(m[at] << 8 | m[at + 1]);
}

uint32_t load32(std::span<const uint8_t> m, size_t at) {
  return static_cast<uint32_t>(m[at]) << 24 | static_cast<uint32_t>(m[at + 1]) << 16 |
         static_cast<uint32_t>(m[at + 2]) << 8 | m[at + 3];
}

void append_number(uint64_t value, DnsRdataText& out, int base = 10) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, value, base);
  out.append(std::string_view(digits, static_cast<size_t>(result.ptr - digits)));
}

// A name inside RDATA must end exactly where the caller expects; running past the RDATA is bad RDATA.
struct RdataName {
  DnsAnomalyReason reason;
  size_t end;
};

RdataName read_rdata_name(std::span<const uint8_t> message, size_t at, size_t rdata_end, DnsName& name,
                          size_t& fault_offset) {
  const DnsNameRead read = read_dns_name(message, at, rdata_end, name);
  if (read.reason == DnsAnomalyReason::kNone) return {DnsAnomalyReason::kNone, read.end};
  fault_offset = read.fault_offset;
  return {read.ran_past_limit ? DnsAnomalyReason::kBadRdata : read.reason, 0};
}

// Root names are written "." inside SOA text so that the fields stay apart.
void append_soa_name(const DnsName& name, DnsRdataText& out) {
  out.append(name.empty() ? std::string_view(".") : name.view());
}

DnsAnomalyReason decode_txt(std::span<const uint8_t> message, size_t start, size_t end, DnsRecord& record,
                            size_t& fault_offset) {
  if (start == end) {
    fault_offset = start;
    return DnsAnomalyReason::kBadRdata;  // RFC 1035 3.3.14: one or more strings
  }
  size_t pos = start;
  while (pos < end) {  // each pass consumes at least the length byte
    const size_t length = message[pos];
    if (pos + 1 + length > end) {
      fault_offset = pos;
      return DnsAnomalyReason::kBadRdata;
    }
    if (pos != start) record.rdata.append(" ");
    append_quoted_string(message.subspan(pos + 1, length), record.rdata);
    pos += 1 + length;
  }
  return DnsAnomalyReason::kNone;
}

DnsAnomalyReason decode_soa(std::span<const uint8_t> message, size_t start, size_t end, DnsRecord& record,
                            size_t& fault_offset) {
  DnsName mname;
  DnsName rname;
  const RdataName first = read_rdata_name(message, start, end, mname, fault_offset);
  if (first.reason != DnsAnomalyReason::kNone) return first.reason;
  const RdataName second = read_rdata_name(message, first.end, end, rname, fault_offset);
  if (second.reason != DnsAnomalyReason::kNone) return second.reason;
  if (second.end + 20 != end) {
    fault_offset = second.end;
    return DnsAnomalyReason::kBadRdata;
  }
  record.soa_serial = load32(message, second.end);
  record.soa_refresh = load32(message, second.end + 4);
  record.soa_retry = load32(message, second.end + 8);
  record.soa_expire = load32(message, second.end + 12);
  record.soa_minimum = load32(message, second.end + 16);
  append_soa_name(mname, record.rdata);
  record.rdata.append(" ");
  append_soa_name(rname, record.rdata);
  for (const uint32_t value :
       {record.soa_serial, record.soa_refresh, record.soa_retry, record.soa_expire, record.soa_minimum}) {
    record.rdata.append(" ");
    append_number(value, record.rdata);
  }
  if (mname.truncated || rname.truncated) record.rdata.truncated = true;
  return DnsAnomalyReason::kNone;
}

// Names (possibly after a fixed prefix of `skip` bytes) that must fill the RDATA exactly.
DnsAnomalyReason decode_name_rdata(std::span<const uint8_t> message, size_t start, size_t skip, size_t end,
                                   DnsRecord& record, size_t& fault_offset) {
  if (start + skip >= end) {
    fault_offset = start;
    return DnsAnomalyReason::kBadRdata;
  }
  const RdataName name = read_rdata_name(message, start + skip, end, record.rdata, fault_offset);
  if (name.reason != DnsAnomalyReason::kNone) return name.reason;
  if (name.end != end) {
    fault_offset = name.end;
    return DnsAnomalyReason::kBadRdata;
  }
  return DnsAnomalyReason::kNone;
}

}  // namespace

void format_ipv4(const uint8_t* address, DnsRdataText& out) {
  for (int i = 0; i < 4; ++i) {
    if (i != 0) out.append(".");
    append_number(address[i], out);
  }
}

void format_ipv6(const uint8_t (&address)[16], DnsRdataText& out) {
  uint16_t groups[8];
  for (size_t i = 0; i < 8; ++i) groups[i] = static_cast<uint16_t>(address[2 * i] << 8 | address[2 * i + 1]);
  int best_start = -1;
  int best_length = 1;  // a single zero group is not shortened (RFC 5952 4.2.2)
  for (int i = 0; i < 8;) {
    if (groups[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i > best_length) {
      best_start = i;
      best_length = j - i;
    }
    i = j;
  }
  for (int i = 0; i < 8; ++i) {
    if (i == best_start) {
      out.append("::");
      i += best_length - 1;
      continue;
    }
    if (i != 0 && i != best_start + best_length) out.append(":");
    append_number(groups[i], out, 16);
  }
}

DnsAnomalyReason decode_dns_rdata(std::span<const uint8_t> message, size_t start, DnsRecord& record,
                                  size_t& fault_offset) {
  const size_t end = start + record.rdata_length;
  const size_t length = record.rdata_length;
  record.rdata.clear();
  record.rdata_decoded = false;
  DnsAnomalyReason reason = DnsAnomalyReason::kNone;
  switch (record.type) {
    case dns_type::kA:
      if (length != 4) {
        reason = DnsAnomalyReason::kBadRdata;
        break;
      }
      std::copy_n(message.data() + start, 4, record.address);
      format_ipv4(record.address, record.rdata);
      break;
    case dns_type::kAaaa:
      if (length != 16) {
        reason = DnsAnomalyReason::kBadRdata;
        break;
      }
      std::copy_n(message.data() + start, 16, record.address);
      format_ipv6(record.address, record.rdata);
      break;
    case dns_type::kCname:
    case dns_type::kNs:
    case dns_type::kPtr:
      reason = decode_name_rdata(message, start, 0, end, record, fault_offset);
      break;
    case dns_type::kMx:
      if (length >= 2) record.priority = load16(message, start);
      reason = decode_name_rdata(message, start, 2, end, record, fault_offset);
      break;
    case dns_type::kSrv:
      if (length >= 6) {
        record.priority = load16(message, start);
        record.weight = load16(message, start + 2);
        record.port = load16(message, start + 4);
      }
      reason = decode_name_rdata(message, start, 6, end, record, fault_offset);
      break;
    case dns_type::kTxt:
      reason = decode_txt(message, start, end, record, fault_offset);
      break;
    case dns_type::kSoa:
      reason = decode_soa(message, start, end, record, fault_offset);
      break;
    default:
      return DnsAnomalyReason::kNone;
  }
  if (reason == DnsAnomalyReason::kBadRdata && fault_offset < start) fault_offset = start;
  if (reason == DnsAnomalyReason::kNone) record.rdata_decoded = true;
  return reason;
}

}  // namespace torwart::dataplane::applayer::dns
