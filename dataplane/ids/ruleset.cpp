#include "dataplane/ids/ruleset.hpp"

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

#include "rules/signatures/rule_file_loader.hpp"

namespace torwart::dataplane::ids {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

std::vector<std::string> expand(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      for (std::string& f : signatures::rule_files_in_directory(path)) files.push_back(std::move(f));
    } else {
      files.push_back(path);
    }
  }
  return files;
}

// Decided by addresses, ports and protocol alone (ET's reputation lists): once per flow direction is
// enough. Setting flowbits is idempotent, so such setters qualify; checking them does not.
bool header_only(const CompiledSignature& s) {
  return s.buffers.empty() && s.flowbit_checks.empty() && s.flow == 0 && !s.tcp_flags && !s.icmp_type &&
         !s.icmp_code && !s.app_proto && s.phase == applayer::Phase::kPacket &&
         (s.source->protocol == "ip" || s.source->protocol == "tcp" || s.source->protocol == "udp" ||
          s.source->protocol == "icmp");
}

struct GroupDraft {
  RuleGroupView view;
  std::vector<Pattern> patterns;
};

// Hyperscan refuses some prefilter expressions (and, rarely, a literal it deems too large): those
// signatures are verified on every event of their group instead.
void compile_group(GroupDraft& draft, DatabaseCache& cache) {
  while (!draft.patterns.empty()) {
    try {
      draft.view.patterns = cache.get(draft.patterns);
      return;
    } catch (const PatternError& e) {
      const uint32_t refused = e.id;
      draft.view.always.push_back(draft.view.by_pattern[refused]);
      draft.view.by_pattern.erase(draft.view.by_pattern.begin() + refused);
      draft.patterns.erase(draft.patterns.begin() + refused);
      for (uint32_t i = 0; i < draft.patterns.size(); ++i) draft.patterns[i].id = i;
    }
  }
}

}  // namespace

RulesetSources sources_of(const config::Ids& ids, unsigned workers) {
  RulesetSources sources;
  sources.rule_files = ids.rule_files;
  sources.classification_file = ids.classification_file;
  sources.address_groups = ids.address_groups;
  sources.port_groups = ids.port_groups;
  sources.workers = workers;
  sources.inline_mode = ids.inline_mode;
  return sources;
}

std::vector<std::string> skip_warnings(const signatures::LoadReport& report) {
  std::vector<std::string> lines;
  for (const auto& f : report.unreadable_files) lines.push_back(f.file + ": not read: " + f.reason);
  for (const signatures::SkippedRule& r : report.skipped) {
    std::string line = r.file + ":" + std::to_string(r.line) + ": ";
    if (r.sid) line += "sid " + std::to_string(*r.sid) + ": ";
    line += "skipped: " + r.reason;
    if (!r.keyword.empty() && r.reason.find(r.keyword) == std::string::npos) line += " (" + r.keyword + ")";
    if (!r.detail.empty()) line += ": " + r.detail;
    lines.push_back(std::move(line));
  }
  return lines;
}

std::shared_ptr<const Ruleset> Ruleset::build(const RulesetSources& sources, DatabaseCache& cache,
                                              FlowbitNames* persistent_names) {
  const auto load_start = Clock::now();
  std::optional<signatures::ClassificationTable> classifications;
  if (!sources.classification_file.empty()) {
    try {
      classifications = signatures::ClassificationTable::load_file(sources.classification_file);
    } catch (const std::exception& e) {
      throw RulesetError(std::string("classification file: ") + e.what());
    }
  }
  signatures::Variables variables = signatures::Variables::suricata_defaults();
  try {
    variables.apply_overrides(sources.address_groups, sources.port_groups);
  } catch (const signatures::VariableError& e) {
    throw RulesetError(e.what());
  }
  signatures::LoadOptions options;
  options.variables = &variables;
  options.classifications = classifications ? &*classifications : nullptr;
  signatures::LoadResult loaded = signatures::load_rule_files(expand(sources.rule_files), options);
  if (!loaded.report.unreadable_files.empty()) {
    const auto& f = loaded.report.unreadable_files.front();
    throw RulesetError("rule file " + f.file + ": " + f.reason);
  }

  std::shared_ptr<Ruleset> set(new Ruleset());
  set->stats_.load_time = since(load_start);
  const auto compile_start = Clock::now();
  set->source_ = std::move(loaded.signatures);
  set->report_ = std::move(loaded.report);
  FlowbitNames local_names;
  FlowbitNames& flowbit_names = persistent_names != nullptr ? *persistent_names : local_names;
  for (const signatures::Signature& s : set->source_) {
    CompileRefusal refusal;
    auto compiled = compile_signature(s, variables, classifications ? &*classifications : nullptr,
                                      flowbit_names, refusal);
    if (!compiled) {
      set->report_.skipped.push_back({s.source_file, s.source_line, s.sid, s.gid, "engine:" + refusal.keyword,
                                      refusal.keyword, refusal.reason});
      --set->report_.rules_loaded;
      continue;
    }
    compiled->index = static_cast<uint32_t>(set->compiled_.size());
    set->compiled_.push_back(std::move(*compiled));
  }

  // What the engine needs is copied into the compiled signatures: the parsed options (most of a parsed
  // set's memory) can go.
  for (signatures::Signature& s : set->source_) {
    s.options.clear();
    s.options.shrink_to_fit();
  }

  std::map<std::pair<applayer::Phase, applayer::BufferId>, GroupDraft> drafts;
  for (const CompiledSignature& s : set->compiled_) {
    if (header_only(s)) {
      set->ip_only_.push_back(s.index);
      continue;
    }
    const applayer::BufferId buffer =
        s.buffers.empty() ? applayer::BufferId::kPayload : s.buffers[s.prefilter_buffer].buffer;
    GroupDraft& draft = drafts[{s.phase, buffer}];
    draft.view.phase = s.phase;
    draft.view.buffer = buffer;
    Pattern p;
    p.id = static_cast<uint32_t>(draft.patterns.size());
    p.single_match = true;  // selecting the signature is enough: verification finds every position
    if (!s.fast_pattern.empty()) {
      p.bytes = s.fast_pattern;
      p.nocase = s.fast_pattern_nocase;
    } else if (!s.fast_regex.empty()) {
      p.bytes = s.fast_regex;
      p.regex = true;
      p.prefilter = true;
      p.nocase = s.fast_regex_flags.find('i') != std::string::npos;
    } else {
      draft.view.always.push_back(s.index);
      continue;
    }
    draft.patterns.push_back(std::move(p));
    draft.view.by_pattern.push_back(s.index);
  }
  set->header_only_index_ = HeaderOnlyIndex::build(set->compiled_, set->ip_only_);
  cache.reset_stats();
  for (auto& [key, draft] : drafts) {
    compile_group(draft, cache);
    set->stats_.fast_patterns += draft.view.by_pattern.size();
    set->stats_.without_prefilter += draft.view.always.size();
    if (draft.view.patterns) set->stats_.database_bytes += draft.view.patterns->database_bytes();
    set->groups_.push_back(std::move(draft.view));
  }
  std::array<size_t, applayer::kPhaseCount> per_phase{};
  for (const RuleGroupView& g : set->groups_) {
    set->index_[static_cast<size_t>(g.phase)][static_cast<size_t>(g.buffer)] = &g;
    per_phase[static_cast<size_t>(g.phase)] += g.by_pattern.size() + g.always.size();
  }
  const size_t most_candidates =
      std::max(set->ip_only_.size(), *std::max_element(per_phase.begin(), per_phase.end()));
  for (unsigned w = 0; w < std::max(1u, sources.workers); ++w) {
    auto scratch = std::make_unique<PatternScratch>();
    for (const RuleGroupView& g : set->groups_)
      if (g.patterns) scratch->prepare_for(*g.patterns);
    set->scratch_.push_back(std::move(scratch));
    set->candidate_buffers_.emplace_back(std::max<size_t>(most_candidates, 1));
  }
  set->flowbit_count_ = flowbit_names.size();
  set->inline_mode_ = sources.inline_mode;
  set->stats_.loaded = set->compiled_.size();
  set->stats_.groups = set->groups_.size();
  set->stats_.ip_only = set->ip_only_.size();
  set->stats_.flowbits = set->flowbit_count_;
  set->stats_.cache = cache.stats();
  set->stats_.compile_time = since(compile_start);
  return set;
}

std::string Ruleset::summary_json() const {
  nlohmann::json j = {
      {"rules_seen", report_.rules_seen},
      {"rules_loaded", stats_.loaded},
      {"rules_skipped", report_.skipped.size()},
      {"skipped_by_reason", report_.skipped_by_reason()},
      {"groups", stats_.groups},
      {"fast_patterns", stats_.fast_patterns},
      {"without_prefilter", stats_.without_prefilter},
      {"ip_only", stats_.ip_only},
      {"header_only_indexed", header_only_index_.indexed()},
      {"header_only_intervals", header_only_index_.intervals()},
      {"flowbits", stats_.flowbits},
      {"database_bytes", stats_.database_bytes},
      {"load_ms", stats_.load_time.count()},
      {"compile_ms", stats_.compile_time.count()},
      {"cache",
       {{"hits", stats_.cache.hits},
        {"misses", stats_.cache.misses},
        {"refused", stats_.cache.refused},
        {"shared", stats_.cache.shared}}},
  };
  nlohmann::json groups = nlohmann::json::array();
  for (const RuleGroupView& g : groups_) {
    groups.push_back({{"phase", applayer::phase_name(g.phase)},
                      {"buffer", applayer::buffer_name(g.buffer)},
                      {"prefiltered", g.by_pattern.size()},
                      {"without_prefilter", g.always.size()},
                      {"database_bytes", g.patterns ? g.patterns->database_bytes() : 0}});
  }
  j["group_list"] = groups;
  nlohmann::json unreadable = nlohmann::json::array();
  for (const auto& f : report_.unreadable_files)
    unreadable.push_back({{"file", f.file}, {"reason", f.reason}});
  j["unreadable_files"] = unreadable;
  return j.dump();
}

}  // namespace torwart::dataplane::ids
