#pragma once
// Builds the signature set a configuration's `ids` section names, for `torwart run` (at start and on each
// reload, beside the running set), `torwart inspect` and `torwart check`: the rule files read, every skipped
// rule logged as a warning with file, line, sid and reason, one summary line, and what the build cost
// (time, and the process's resident memory before, after and at its peak). Keeps the database cache and
// the flowbit names across reloads. Control path only.
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "dataplane/ids/detector.hpp"
#include "dataplane/ids/ruleset.hpp"

namespace torwart::dataplane {

struct SignatureLoadCost {
  uint64_t milliseconds = 0;
  uint64_t rss_before_kb = 0;
  uint64_t rss_after_kb = 0;
  uint64_t peak_rss_kb = 0;  // the process's high-water mark after the build (VmHWM)
};

class SignatureLoader {
 public:
  explicit SignatureLoader(const std::string& cache_dir) : cache_(cache_dir) {}

  // nullptr when the section names no rule files. Throws ids::RulesetError (the caller keeps what runs).
  std::shared_ptr<const ids::Ruleset> load(const config::Ids& ids, unsigned workers, std::ostream& log,
                                           const std::string& prefix);
  const SignatureLoadCost& last_cost() const { return cost_; }
  // The running set's figures for `torwart stats` and the reload reply.
  static nlohmann::json describe(const ids::Ruleset& set, const SignatureLoadCost& cost);
  // The engine's counters (summed over workers by the caller).
  static nlohmann::json engine_counters(const ids::DetectorCounters& c, uint64_t regex_limit_hits);

 private:
  ids::DatabaseCache cache_;
  ids::FlowbitNames flowbit_names_;
  SignatureLoadCost cost_;
};

}  // namespace torwart::dataplane
