#pragma once
// The running signature set: rule files loaded (rules/signatures/), every signature compiled for the engine
// or skipped with its reason, grouped per phase and prefilter buffer with one Hyperscan database per group,
// and a scratch per worker. Immutable once built: a reload builds a new set beside the running one (groups
// whose patterns did not change share the running set's databases through the cache) and swaps it in with
// the configuration snapshot. Control path only; workers read it.
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dataplane/ids/compiled_signature.hpp"
#include "dataplane/ids/database_cache.hpp"
#include "dataplane/ids/header_only_index.hpp"
#include "dataplane/ids/pattern_set.hpp"
#include "rules/config/config.hpp"
#include "rules/signatures/load_report.hpp"

namespace torwart::dataplane::ids {

struct RulesetSources {
  std::vector<std::string> rule_files;  // files, or directories (every *.rules in them)
  std::string classification_file;      // empty: categories stay empty, classtypes are not checked
  std::map<std::string, std::string> address_groups;  // overrides of Suricata's defaults (HOME_NET, ...)
  std::map<std::string, std::string> port_groups;
  unsigned workers = 1;
  bool inline_mode = true;  // drop and reject take effect; false: IDS on a mirror port, alerts only
};

struct RuleGroupView {
  applayer::Phase phase;
  applayer::BufferId buffer;
  std::shared_ptr<const PatternSet> patterns;  // null when no signature of the group has a fast pattern
  std::vector<uint32_t> by_pattern;            // pattern id -> signature index
  std::vector<uint32_t> always;                // verified on every event of the phase
};

struct RulesetStats {
  size_t loaded = 0;  // signatures the engine runs
  size_t groups = 0;
  size_t fast_patterns = 0;
  size_t without_prefilter = 0;
  size_t ip_only = 0;
  size_t database_bytes = 0;
  size_t flowbits = 0;
  std::chrono::milliseconds load_time{0};     // reading and parsing the files
  std::chrono::milliseconds compile_time{0};  // engine compilation and databases
  CacheStats cache;
};

struct RulesetError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The sources an `ids` configuration section names, for `workers` workers.
RulesetSources sources_of(const config::Ids& ids, unsigned workers);

// One warning line per rule that is not run ("FILE:LINE: sid N: skipped: KEYWORD: why"), for the log.
std::vector<std::string> skip_warnings(const signatures::LoadReport& report);

class Ruleset {
 public:
  // Throws RulesetError for what makes the whole set unusable (an unreadable rule or classification file, a
  // bad variable override): the running set then stays. Rules that fail are skipped and reported.
  // `flowbit_names`: kept by the caller across reloads, so that a flow's bits keep their meaning when a new
  // set is swapped in (nullptr: names local to this set).
  static std::shared_ptr<const Ruleset> build(const RulesetSources& sources, DatabaseCache& cache,
                                              FlowbitNames* flowbit_names = nullptr);

  const std::vector<CompiledSignature>& signatures() const { return compiled_; }
  const CompiledSignature& signature(uint32_t index) const { return compiled_[index]; }
  // The group of (phase, buffer), or nullptr.
  const RuleGroupView* group(applayer::Phase phase, applayer::BufferId buffer) const {
    return index_[static_cast<size_t>(phase)][static_cast<size_t>(buffer)];
  }
  // Header-only signatures: decided once per flow and direction, selected by address.
  const std::vector<uint32_t>& ip_only() const { return ip_only_; }
  const HeaderOnlyIndex& header_only_index() const { return header_only_index_; }
  // Worker `worker`'s scratch, prepared for every database of this set.
  PatternScratch& scratch(unsigned worker) const { return *scratch_[worker]; }
  // Worker `worker`'s room for one moment's candidates: as many as the largest phase (or the header-only
  // list) holds, so that no moment is ever cut short.
  std::span<uint32_t> candidate_buffer(unsigned worker) const { return candidate_buffers_[worker]; }
  unsigned workers() const { return static_cast<unsigned>(scratch_.size()); }
  size_t flowbit_count() const { return flowbit_count_; }
  bool inline_mode() const { return inline_mode_; }
  // A signature inspects reassembled streams: the application layer must keep TCP sessions to stream depth.
  bool wants_stream() const {
    return group(applayer::Phase::kStream, applayer::BufferId::kStream) != nullptr;
  }
  // The loader's report with the engine's refusals added (reason "engine:<keyword>").
  const signatures::LoadReport& report() const { return report_; }
  const RulesetStats& stats() const { return stats_; }
  // The figures of stats() and the report's counts, for the load summary and `torwart stats`.
  std::string summary_json() const;

 private:
  Ruleset() = default;

  std::vector<signatures::Signature> source_;
  std::vector<CompiledSignature> compiled_;
  std::vector<RuleGroupView> groups_;
  const RuleGroupView* index_[applayer::kPhaseCount][applayer::kBufferCount] = {};
  std::vector<uint32_t> ip_only_;
  HeaderOnlyIndex header_only_index_;
  std::vector<std::unique_ptr<PatternScratch>> scratch_;
  mutable std::vector<std::vector<uint32_t>> candidate_buffers_;
  size_t flowbit_count_ = 0;
  bool inline_mode_ = true;
  signatures::LoadReport report_;
  RulesetStats stats_;
};

}  // namespace torwart::dataplane::ids
