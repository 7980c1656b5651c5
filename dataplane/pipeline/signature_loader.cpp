#include "dataplane/pipeline/signature_loader.hpp"

#include <chrono>
#include <fstream>

namespace torwart::dataplane {
namespace {

// A field of /proc/self/status in kB ("VmRSS", "VmHWM"); 0 when unreadable.
uint64_t proc_status_kb(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stoull(line.substr(field.size() + 1));
  }
  return 0;
}

}  // namespace

std::shared_ptr<const ids::Ruleset> SignatureLoader::load(const config::Ids& ids, unsigned workers,
                                                          std::ostream& log, const std::string& prefix) {
  if (!ids.enabled()) return nullptr;
  SignatureLoadCost cost;
  cost.rss_before_kb = proc_status_kb("VmRSS");
  const auto start = std::chrono::steady_clock::now();
  auto set = ids::Ruleset::build(ids::sources_of(ids, workers), cache_, &flowbit_names_);
  cost.milliseconds = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start)
          .count());
  cost.rss_after_kb = proc_status_kb("VmRSS");
  cost.peak_rss_kb = proc_status_kb("VmHWM");
  cost_ = cost;
  for (const std::string& line : ids::skip_warnings(set->report()))
    log << prefix << "warning: " << line << "\n";
  const auto& stats = set->stats();
  log << prefix << "signatures: " << stats.loaded << " of " << set->report().rules_seen << " rules loaded, "
      << set->report().skipped.size() << " skipped, " << stats.groups << " groups, "
      << stats.database_bytes / 1024 << " KiB of databases (cache: " << stats.cache.hits << " loaded, "
      << stats.cache.misses << " compiled, " << stats.cache.shared << " shared), " << cost.milliseconds
      << " ms, resident " << cost.rss_before_kb / 1024 << " -> " << cost.rss_after_kb / 1024 << " MiB (peak "
      << cost.peak_rss_kb / 1024 << " MiB); mode " << (set->inline_mode() ? "ips" : "ids") << "\n";
  return set;
}

nlohmann::json SignatureLoader::describe(const ids::Ruleset& set, const SignatureLoadCost& cost) {
  nlohmann::json j = nlohmann::json::parse(set.summary_json());
  j["mode"] = set.inline_mode() ? "ips" : "ids";
  j["build_ms"] = cost.milliseconds;
  j["rss_before_kb"] = cost.rss_before_kb;
  j["rss_after_kb"] = cost.rss_after_kb;
  j["peak_rss_kb"] = cost.peak_rss_kb;
  return j;
}

nlohmann::json SignatureLoader::engine_counters(const ids::DetectorCounters& c, uint64_t regex_limit_hits) {
  return {{"scans", c.scans},
          {"candidates", c.candidates},
          {"matches", c.matches},
          {"alerts", c.alerts},
          {"drops", c.drops},
          {"passes", c.passes},
          {"thresholded", c.thresholded},
          {"scan_errors", c.scan_errors},
          {"stream_bytes", c.stream_bytes},
          {"transform_too_long", c.transform_too_long},
          {"regex_limit_hits", regex_limit_hits}};
}

}  // namespace torwart::dataplane
