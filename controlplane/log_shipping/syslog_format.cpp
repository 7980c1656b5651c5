#include "controlplane/log_shipping/syslog_format.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace torwart::controlplane::log_shipping {
namespace {

bool digits(std::string_view text, std::size_t at, std::size_t count, unsigned& value) {
  if (at + count > text.size()) return false;
  value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + static_cast<unsigned>(text[i] - '0');
  }
  return true;
}

bool leap(unsigned year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

void append_header(std::string& out, const SyslogMessage& m, const std::vector<SdParam>& params) {
  out += '<';
  out += std::to_string(m.facility * 8 + m.severity);
  out += ">1 ";
  out += m.timestamp.empty() ? std::string_view("-") : std::string_view(m.timestamp);
  for (std::string_view field : {m.hostname, m.app_name, m.procid, m.msgid}) {
    out += ' ';
    out += field.empty() ? std::string_view("-") : field;
  }
  out += ' ';
  if (params.empty()) {
    out += '-';
  } else {
    out += '[';
    out += kSdId;
    for (const auto& p : params) {
      out += ' ';
      out += p.name;
      out += "=\"";
      append_sd_value(out, p.value);
      out += '"';
    }
    out += ']';
  }
}

// The longest prefix of `text` of at most `limit` bytes that does not end inside a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t end = limit;
  // Back over continuation bytes (10xxxxxx) to the lead byte, which then starts the cut-off character.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

}  // namespace

void append_sd_value(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '"' || c == '\\' || c == ']') out += '\\';
    out += c;
  }
}

std::string header_field(std::string_view value, std::size_t max_length) {
  if (value.empty() || value.size() > max_length) return "-";
  for (char c : value) {
    if (c < 33 || c > 126) return "-";
  }
  return std::string(value);
}

std::optional<std::string> rfc5424_timestamp(std::string_view iso) {
  // YYYY-MM-DDThh:mm:ss[.f{1,6}](Z|+hh:mm|+hhmm|-...)
  unsigned year, month, day, hour, minute, second;
  if (!digits(iso, 0, 4, year) || iso.size() < 19 || iso[4] != '-' || !digits(iso, 5, 2, month) ||
      iso[7] != '-' || !digits(iso, 8, 2, day) || iso[10] != 'T' || !digits(iso, 11, 2, hour) ||
      iso[13] != ':' || !digits(iso, 14, 2, minute) || iso[16] != ':' || !digits(iso, 17, 2, second))
    return std::nullopt;
  static constexpr std::array<unsigned, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || day > kDays[month - 1] + (month == 2 && leap(year) ? 1 : 0) ||
      hour > 23 || minute > 59 || second > 59)  // RFC 5424 6.2.3.1: no leap second
    return std::nullopt;
  std::string out(iso.substr(0, 19));
  std::size_t at = 19;
  if (at < iso.size() && iso[at] == '.') {
    std::size_t end = at + 1;
    while (end < iso.size() && iso[end] >= '0' && iso[end] <= '9') ++end;
    if (end == at + 1 || end - at - 1 > 6) return std::nullopt;  // TIME-SECFRAC is 1-6 digits
    out += iso.substr(at, end - at);
    at = end;
  }
  const std::string_view zone = iso.substr(at);
  unsigned zh, zm;
  if (zone == "Z") {
    out += 'Z';
  } else if ((zone.size() == 5 || zone.size() == 6) && (zone[0] == '+' || zone[0] == '-') &&
             digits(zone, 1, 2, zh) && (zone.size() == 5 || zone[3] == ':') &&
             digits(zone, zone.size() - 2, 2, zm) && zh <= 23 && zm <= 59) {
    out += zone.substr(0, 3);
    out += ':';
    out += zone.substr(zone.size() - 2);
  } else {
    return std::nullopt;
  }
  return out;
}

bool append_frame(std::string& out, const SyslogMessage& message, std::size_t max_message_bytes) {
  std::string head;
  append_header(head, message, message.params);
  std::string_view msg = message.msg;
  const uint64_t full_length = std::max<uint64_t>(message.msg_length, msg.size());
  const bool cut = full_length > msg.size() || head.size() + 1 + msg.size() > max_message_bytes;
  if (cut) {
    std::vector<SdParam> params = message.params;
    params.push_back({"truncated", std::to_string(full_length)});
    head.clear();
    append_header(head, message, params);
    msg = head.size() + 1 < max_message_bytes ? utf8_prefix(msg, max_message_bytes - head.size() - 1)
                                              : std::string_view();
  }
  const std::size_t length = head.size() + (msg.empty() ? 0 : 1 + msg.size());
  out += std::to_string(length);
  out += ' ';
  out += head;
  if (!msg.empty()) {
    out += ' ';
    out += msg;
  }
  return cut;
}

std::optional<std::string_view> json_string_field(std::string_view record, std::string_view key) {
  std::string pattern;
  pattern.reserve(key.size() + 4);
  pattern += '"';
  pattern += key;
  pattern += "\":\"";
  // Inside a JSON string every '"' is escaped, so an unescaped "key":" can only be a key.
  const std::size_t at = record.find(pattern);
  if (at == std::string_view::npos) return std::nullopt;
  const std::size_t begin = at + pattern.size();
  for (std::size_t i = begin; i < record.size(); ++i) {
    if (record[i] == '\\') {
      ++i;
    } else if (record[i] == '"') {
      return record.substr(begin, i - begin);
    }
  }
  return std::nullopt;
}

}  // namespace torwart::controlplane::log_shipping
