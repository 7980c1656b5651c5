#pragma once
// Signatures grouped for prefiltering: per protocol and buffer, one Hyperscan set of the signatures' fast
// patterns, so that one scan of a buffer selects the few signatures worth verifying exactly. The fast pattern
// is the content marked `fast_pattern` (its `o,l` slice when given), else the longest non-negated content,
// as Suricata chooses. Signatures without a usable content are kept per group and verified on every buffer.
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/ids/database_cache.hpp"
#include "rules/signatures/signature.hpp"

namespace torwart::dataplane::ids {

struct RuleGroup {
  std::string protocol;
  std::string buffer;
  std::vector<const signatures::Signature*> with_pattern;     // pattern id = index here
  std::vector<const signatures::Signature*> without_pattern;  // verified on every buffer of the group
  std::shared_ptr<const PatternSet> patterns;                 // null when with_pattern is empty
};

struct GroupBuildStats {
  size_t signatures = 0;
  size_t groups = 0;
  size_t fast_patterns = 0;
  size_t without_pattern = 0;
  size_t database_bytes = 0;
  std::chrono::milliseconds build_time{0};
  CacheStats cache;
};

// The fast pattern `signature` would be prefiltered on, or nullptr when it has none (only negated contents,
// or no content at all).
const signatures::Content* fast_pattern_of(const signatures::Signature& signature);

// Groups and compiles `signatures` (which must outlive the groups). Throws PatternError naming the pattern's
// signature index when Hyperscan refuses a literal (it should not: literals are any bytes).
std::vector<RuleGroup> build_rule_groups(const std::vector<signatures::Signature>& signatures,
                                         DatabaseCache& cache, GroupBuildStats& stats);

}  // namespace torwart::dataplane::ids
