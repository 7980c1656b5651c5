#include "dataplane/ids/alert_record.hpp"

namespace torwart::dataplane::ids {

void write_alert(FixedJson& json, const AlertInfo& alert) {
  if (!alert.app_proto.empty()) json.field("app_proto", alert.app_proto);
  json.open_object("alert")
      .field("action", std::string_view(alert.blocked ? "blocked" : "allowed"))
      .field("gid", uint64_t{alert.gid})
      .field("signature_id", uint64_t{alert.signature_id})
      .field("rev", uint64_t{alert.rev})
      .field("signature", alert.signature)
      .field("category", alert.category)
      .field("severity", uint64_t{alert.severity})
      .close_object();
  json.open_object("verdict").field("action", std::string_view(alert.blocked ? "drop" : "alert"));
  if (alert.blocked && alert.reject) {
    json.field("reject-target", alert.reject_target)
        .open_array("reject")
        .value(alert.reject_kind)
        .close_array();
  }
  json.close_object();
}

}  // namespace torwart::dataplane::ids
