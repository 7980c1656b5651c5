#pragma once
// RFC 5424 syslog messages in RFC 5425's octet-counting frames ("LEN SP SYSLOG-MSG"), the wire format of
// log shipping. Pure functions: what a SIEM receives is decided here and nowhere else.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace torwart::controlplane::log_shipping {

// Our structured-data element. 32473 is the documentation enterprise number of RFC 5612: the provider
// replaces it with torwart's own private enterprise number once there is one (one constant, here).
inline constexpr std::string_view kSdId = "torwart@32473";

struct SdParam {
  std::string_view name;  // PRINTUSASCII without '=', ' ', ']', '"'; ours are fixed words
  std::string value;      // any UTF-8; escaped when formatted
};

struct SyslogMessage {
  unsigned facility = 16;                              // 0-23
  unsigned severity = 6;                               // 0-7
  std::string timestamp;                               // RFC 5424's RFC 3339 form, or "-" (rfc5424_timestamp)
  std::string_view hostname, app_name, procid, msgid;  // header fields, see header_field()
  std::vector<SdParam> params;                         // of the one element kSdId
  std::string_view msg;                                // MSG-ANY: the record itself, no BOM
  uint64_t msg_length = 0;  // the record's full length when `msg` is already a cut part of it; 0: msg.size()
};

// Appends `value` with '"', '\' and ']' escaped by a backslash (RFC 5424 6.3.3: inside PARAM-VALUE these
// three must be).
void append_sd_value(std::string& out, std::string_view value);

// A header field: 1..max_length printable US-ASCII characters (33-126), else the NILVALUE "-" (a name with
// spaces or umlauts would shift every field after it for the receiver's parser).
std::string header_field(std::string_view value, std::size_t max_length);

// The record's time in RFC 5424's restricted RFC 3339 form ("2026-11-22T10:00:00.123456+00:00"), from the
// ISO 8601 stamps our logs write ("...+0000" in EVE, "...Z" in the audit log); nullopt for anything else
// (fractions beyond 6 digits, impossible dates or times).
std::optional<std::string> rfc5424_timestamp(std::string_view iso);

// Appends one frame "LEN SP SYSLOG-MSG" (RFC 5425 4.3). When the SYSLOG-MSG would exceed
// `max_message_bytes`, MSG is cut at a UTF-8 character boundary so that it fits and the element gets
// truncated="<the record's full length>" (also when `msg_length` says it was cut before); returns whether it
// was cut.
bool append_frame(std::string& out, const SyslogMessage& message, std::size_t max_message_bytes);

// The quoted JSON string value of the first "key":"..." in a one-line JSON record, still escaped; nullopt
// when there is none. For the few fields a header needs (timestamps, event types): records are shipped as
// they are, never parsed and re-serialised.
std::optional<std::string_view> json_string_field(std::string_view record, std::string_view key);

}  // namespace torwart::controlplane::log_shipping
