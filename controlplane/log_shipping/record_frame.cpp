#include "controlplane/log_shipping/record_frame.hpp"

#include <vector>

#include "controlplane/log_shipping/syslog_format.hpp"

namespace torwart::controlplane::log_shipping {
namespace {

// RFC 5424 facilities: 3 system daemons, 13 log audit, 16 local0.
constexpr unsigned kFacilityDaemon = 3, kFacilityLogAudit = 13, kFacilityLocal0 = 16;
// Severities: 3 error, 4 warning, 5 notice, 6 informational.
constexpr unsigned kError = 3, kWarning = 4, kNotice = 5, kInformational = 6;

unsigned eve_severity(std::string_view record) {
  const auto type = json_string_field(record, "event_type");
  if (!type) return kInformational;
  if (*type == "alert") return kWarning;
  if (*type == "drop" || *type == "anomaly") return kNotice;
  return kInformational;
}

unsigned audit_severity(std::string_view record) {
  const auto result = json_string_field(record, "result");
  return result && *result == "ok" ? kNotice : kWarning;  // refused and failed attempts stand out
}

unsigned system_severity(std::string_view record) {
  const auto severity = json_string_field(record, "severity");
  if (!severity) return kInformational;
  if (*severity == "error") return kError;
  if (*severity == "warning") return kWarning;
  if (*severity == "notice") return kNotice;
  return kInformational;
}

}  // namespace

std::string_view stream_name(Stream stream) {
  switch (stream) {
    case Stream::kAudit:
      return "audit";
    case Stream::kSystem:
      return "system";
    case Stream::kEve:
      return "eve";
  }
  return "eve";
}

bool append_record_frame(std::string& out, Stream stream, const Line& line, uint64_t seq,
                         const FrameContext& context) {
  const std::string_view record = line.text;
  SyslogMessage m;
  m.hostname = context.hostname;
  m.app_name = "torwart";
  m.procid = "-";  // the same record is sent again byte for byte after a reconnect or a restart
  m.msgid = stream_name(stream);
  m.msg = record;
  m.msg_length = line.length;
  m.params.push_back({"seq", std::to_string(seq)});
  std::optional<std::string_view> time;
  switch (stream) {
    case Stream::kEve:
      m.facility = kFacilityLocal0;
      m.severity = eve_severity(record);
      time = json_string_field(record, "timestamp");
      if (const auto type = json_string_field(record, "event_type"); type && type->find('\\') == type->npos)
        m.params.push_back({"event_type", std::string(*type)});
      break;
    case Stream::kAudit:
      m.facility = kFacilityLogAudit;
      m.severity = audit_severity(record);
      time = json_string_field(record, "time");
      break;
    case Stream::kSystem:
      m.facility = kFacilityDaemon;
      m.severity = system_severity(record);
      time = json_string_field(record, "time");
      break;
  }
  // A record whose time does not parse is still shipped, with the NILVALUE: the SIEM stamps it on receipt.
  m.timestamp = time ? rfc5424_timestamp(*time).value_or("-") : "-";
  // The last bytes of a closed file without their '\n': half a record the fast path never finished.
  if (!line.complete) m.params.push_back({"incomplete", "true"});
  return append_frame(out, m, context.max_message_bytes);
}

}  // namespace torwart::controlplane::log_shipping
