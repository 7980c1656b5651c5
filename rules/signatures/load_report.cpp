#include "rules/signatures/load_report.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace torwart::signatures {
namespace {

std::vector<std::pair<std::string, std::size_t>> by_count(const std::map<std::string, std::size_t>& counts) {
  std::vector<std::pair<std::string, std::size_t>> sorted(counts.begin(), counts.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return sorted;
}

}  // namespace

std::map<std::string, std::size_t> LoadReport::skipped_by_reason() const {
  std::map<std::string, std::size_t> counts;
  for (const auto& rule : skipped) ++counts[rule.reason];
  return counts;
}

std::map<std::string, std::size_t> LoadReport::skipped_by_reason_and_keyword() const {
  std::map<std::string, std::size_t> counts;
  for (const auto& rule : skipped) ++counts[rule.reason + (rule.keyword.empty() ? "" : " " + rule.keyword)];
  return counts;
}

std::string LoadReport::summary(std::size_t top_reasons) const {
  std::string text = std::to_string(files.size()) + " files, " + std::to_string(rules_seen) + " rules (" +
                     std::to_string(rules_disabled) + " more commented out), " +
                     std::to_string(rules_loaded) + " loaded, " + std::to_string(skipped.size()) + " skipped";
  if (rules_seen > 0) {
    text += " (" + std::to_string(rules_loaded * 1000 / rules_seen / 10) + "." +
            std::to_string(rules_loaded * 1000 / rules_seen % 10) + " % loaded)";
  }
  text += "\n";
  for (const auto& file : unreadable_files) text += "unreadable: " + file.file + ": " + file.reason + "\n";
  for (const auto& [reason, count] : by_count(skipped_by_reason())) {
    text += "  " + std::to_string(count) + "  " + reason + "\n";
  }
  std::size_t shown = 0;
  for (const auto& [reason, count] : by_count(skipped_by_reason_and_keyword())) {
    if (shown++ == top_reasons) break;
    text += "    " + std::to_string(count) + "  " + reason + "\n";
  }
  return text;
}

std::string LoadReport::to_json(bool with_skipped_rules) const {
  nlohmann::json report = {{"files", files},
                           {"rules_seen", rules_seen},
                           {"rules_disabled", rules_disabled},
                           {"rules_loaded", rules_loaded},
                           {"rules_skipped", skipped.size()},
                           {"skipped_by_reason", skipped_by_reason()}};
  report["unreadable_files"] = nlohmann::json::array();
  for (const auto& file : unreadable_files) {
    report["unreadable_files"].push_back({{"file", file.file}, {"reason", file.reason}});
  }
  if (with_skipped_rules) {
    report["skipped"] = nlohmann::json::array();
    for (const auto& rule : skipped) {
      nlohmann::json entry = {{"file", rule.file},     {"line", rule.line},       {"gid", rule.gid},
                              {"reason", rule.reason}, {"keyword", rule.keyword}, {"detail", rule.detail}};
      entry["sid"] = rule.sid ? nlohmann::json(*rule.sid) : nlohmann::json(nullptr);
      report["skipped"].push_back(std::move(entry));
    }
  }
  return report.dump(2);
}

}  // namespace torwart::signatures
