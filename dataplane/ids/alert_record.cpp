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
      .field("severity", uint64_t{alert.severity});
  if (!alert.target.empty()) {
    // Suricata's source/target: the target is the side `target` names, the source the other.
    const bool target_is_source = alert.target == "src_ip";
    auto endpoint = [&](std::string_view key, bool source_side) {
      json.open_object(key).field("ip", source_side ? alert.src_ip : alert.dest_ip);
      if (alert.ports) json.field("port", source_side ? alert.src_port : alert.dest_port);
      json.close_object();
    };
    endpoint("source", !target_is_source);
    endpoint("target", target_is_source);
  }
  if (!alert.metadata.empty()) {
    json.open_object("metadata");
    for (size_t i = 0; i < alert.metadata.size(); ++i) {
      const std::string& key = alert.metadata[i].first;
      bool seen = false;
      for (size_t j = 0; j < i; ++j) seen = seen || alert.metadata[j].first == key;
      if (seen) continue;  // its values were written with the first occurrence
      json.open_array(key);
      for (size_t j = i; j < alert.metadata.size(); ++j)
        if (alert.metadata[j].first == key) json.value(alert.metadata[j].second);
      json.close_array();
    }
    json.close_object();
  }
  json.close_object();
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
