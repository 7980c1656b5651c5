#include "controlplane/metrics/prometheus_text.hpp"

#include <cstdio>
#include <map>
#include <set>
#include <string_view>
#include <vector>

namespace torwart::controlplane::metrics {
namespace {
using nlohmann::json;

using Labels = std::vector<std::pair<std::string, std::string>>;

struct Family {
  bool gauge = false;
  std::string help;
  std::vector<std::pair<Labels, double>> samples;
};

// Objects whose keys are values of a label, not parts of a name: the key of the object names the label.
const std::map<std::string, std::string, std::less<>> kLabelMaps = {
    {"ports", "port"},
    {"drops", "reason"},
    {"ports_exhausted", "protocol"},
    {"identified", "app_proto"},
    {"packets_to_identify", "app_proto"},
    {"answers", "code"},
};

// Leaves that are levels rather than counts.
const std::set<std::string, std::less<>> kGauges = {
    "batches",
    "pending_bytes",
    "config_version",
    "active",
    "sessions_active",
    "half_open",
    "mappings_active",
    "fragments_held",
    "held_segments",
    "neighbours",
    "neighbour_resolutions_pending",
    "mbufs_available",
    "bytes",
    "full",
    "snapshot_version",
    "uptime",
    "current",
    "last",
    "records",
    "intact",
    "pending_confirm",
    "generation",
    "routes",
    "addresses",
    "up",
    "detections",
};

// Sums of what is already exported per port, and text that is no metric.
const std::set<std::string, std::less<>> kSkipped = {"totals", "port", "listen", "last_tls_refusal",
                                                     "cursor"};  // file positions, not quantities

std::string name_part(std::string_view key) {
  std::string out;
  for (const char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    out += ok ? static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c) : '_';
  }
  return out;
}

std::string label_value(std::string_view value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

class Collector {
 public:
  void walk(const json& node, const std::string& name, const Labels& labels, std::string_view leaf) {
    if (node.is_object()) {
      for (const auto& [key, value] : node.items()) {
        if (kSkipped.count(key)) continue;
        if (const auto label = kLabelMaps.find(key); label != kLabelMaps.end() && value.is_object()) {
          for (const auto& [label_value_text, inner] : value.items()) {
            Labels more = labels;
            more.emplace_back(label->second, label_value_text);
            // "ports" groups per-port counters under port_*; the other maps name the family themselves.
            const std::string family = key == "ports" ? join(name, "port") : join(name, name_part(key));
            walk(inner, family, more, key);
          }
          continue;
        }
        walk(value, join(name, name_part(key)), labels, key);
      }
    } else if (node.is_array()) {
      for (size_t i = 0; i < node.size(); ++i) {
        const json& item = node[i];
        if (!item.is_object() || !item.contains("worker")) continue;  // only per-worker lists are metrics
        Labels more = labels;
        more.emplace_back("worker", item["worker"].dump());
        json rest = item;
        rest.erase("worker");
        walk(rest, name, more, leaf);
      }
    } else if (node.is_number() || node.is_boolean()) {
      const double value = node.is_boolean() ? (node.get<bool>() ? 1 : 0) : node.get<double>();
      const bool gauge = kGauges.count(leaf) != 0 || node.is_boolean();
      add(gauge ? name : name + "_total", gauge, labels, value);
    }
  }

  void add(const std::string& name, bool gauge, const Labels& labels, double value, std::string help = "") {
    Family& f = families_[name];
    f.gauge = gauge;
    if (!help.empty()) f.help = std::move(help);
    f.samples.emplace_back(labels, value);
  }

  std::string text() const {
    std::string out;
    for (const auto& [name, family] : families_) {
      out += "# HELP " + name + " " + (family.help.empty() ? help_of(name) : family.help) + "\n";
      out += "# TYPE " + name + (family.gauge ? " gauge\n" : " counter\n");
      for (const auto& [labels, value] : family.samples) {
        out += name;
        if (!labels.empty()) {
          out += "{";
          for (size_t i = 0; i < labels.size(); ++i)
            out += (i ? "," : "") + labels[i].first + "=\"" + label_value(labels[i].second) + "\"";
          out += "}";
        }
        char number[64];
        std::snprintf(number, sizeof number, " %.17g\n", value);
        out += number;
      }
    }
    return out;
  }

 private:
  static std::string join(const std::string& a, const std::string& b) { return a.empty() ? b : a + "_" + b; }
  static std::string help_of(const std::string& name) {
    std::string words = name;
    for (auto& c : words)
      if (c == '_') c = ' ';
    return words + " (torwart stats / torwartctl status; controlplane/README.md, Metrics)";
  }

  std::map<std::string, Family> families_;  // sorted: a family's samples stay together
};

}  // namespace

std::string prometheus_text(const json& fastpath_stats, const json& torwartd_status) {
  Collector c;
  const bool up = fastpath_stats.is_object();
  c.add("torwart_fastpath_up", true, {}, up ? 1 : 0,
        "1 when the fast path answered this scrape's stats request");
  if (up) c.walk(fastpath_stats, "torwart", {}, "");
  json own = json::object();
  own["config"] = {{"current", torwartd_status.value("current", 0)},
                   {"last", torwartd_status.value("last", 0)},
                   {"pending_confirm", torwartd_status.contains("pending_confirm") &&
                                           !torwartd_status["pending_confirm"].is_null()}};
  if (torwartd_status.contains("store"))
    own["store"] = {{"intact", torwartd_status["store"].value("intact", false)},
                    {"detections", torwartd_status["store"].value("detections", 0)}};
  if (torwartd_status.contains("audit"))
    own["audit"] = {{"intact", torwartd_status["audit"].value("intact", false)},
                    {"records", torwartd_status["audit"].value("records", 0)}};
  for (const char* part : {"management_api", "kernel_mirror", "log_shipping"}) {
    if (torwartd_status.contains(part) && torwartd_status[part].is_object())
      own[part] = torwartd_status[part];
  }
  c.walk(own, "torwartd", {}, "");
  return c.text();
}

}  // namespace torwart::controlplane::metrics
