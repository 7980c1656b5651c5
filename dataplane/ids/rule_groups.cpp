#include "dataplane/ids/rule_groups.hpp"

namespace torwart::dataplane::ids {

const signatures::Content* fast_pattern_of(const signatures::Signature& signature) {
  const signatures::Content* longest = nullptr;
  for (const signatures::Content* c : signature.contents()) {
    if (c->negated || c->bytes.empty()) continue;
    if (c->fast_pattern) return c;
    if (longest == nullptr || c->bytes.size() > longest->bytes.size()) longest = c;
  }
  return longest;
}

std::vector<RuleGroup> build_rule_groups(const std::vector<signatures::Signature>& signatures,
                                         DatabaseCache& cache, GroupBuildStats& stats) {
  const auto start = std::chrono::steady_clock::now();
  std::map<std::pair<std::string, std::string>, RuleGroup> by_key;
  std::map<std::pair<std::string, std::string>, std::vector<Pattern>> patterns;
  for (const signatures::Signature& s : signatures) {
    const signatures::Content* fast = fast_pattern_of(s);
    const std::string buffer = fast != nullptr ? fast->buffer : std::string(signatures::kPayloadBuffer);
    const auto key = std::make_pair(s.protocol, buffer);
    RuleGroup& group = by_key[key];
    group.protocol = s.protocol;
    group.buffer = buffer;
    if (fast == nullptr) {
      group.without_pattern.push_back(&s);
      continue;
    }
    std::string bytes = fast->bytes;
    if (fast->fast_pattern && fast->fast_pattern->offset_length) {
      const auto [offset, length] = *fast->fast_pattern->offset_length;
      if (offset < bytes.size()) bytes = bytes.substr(offset, length);
    }
    Pattern p;
    p.id = static_cast<uint32_t>(group.with_pattern.size());
    p.bytes = std::move(bytes);
    p.nocase = fast->nocase;
    p.single_match = true;  // selecting the signature is enough; verification finds every position
    patterns[key].push_back(std::move(p));
    group.with_pattern.push_back(&s);
  }
  std::vector<RuleGroup> groups;
  stats = GroupBuildStats{};
  stats.signatures = signatures.size();
  for (auto& [key, group] : by_key) {
    if (!group.with_pattern.empty()) {
      group.patterns = cache.get(patterns[key]);
      stats.database_bytes += group.patterns->database_bytes();
      stats.fast_patterns += group.with_pattern.size();
    }
    stats.without_pattern += group.without_pattern.size();
    groups.push_back(std::move(group));
  }
  stats.groups = groups.size();
  stats.cache = cache.stats();
  stats.build_time =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  return groups;
}

}  // namespace torwart::dataplane::ids
