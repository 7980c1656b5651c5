#pragma once
// What loading rule files did: counts, and every skipped rule with its place and reason.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace torwart::signatures {

struct SkippedRule {
  std::string file;
  std::size_t line = 0;
  std::optional<std::uint32_t> sid;
  std::uint32_t gid = 1;
  // "parse:<error kind>", "unsupported:<feature>", "undefined_variable", "unknown_classtype" or
  // "duplicate_sid".
  std::string reason;
  std::string keyword;
  std::string detail;
};

struct UnreadableFile {
  std::string file;
  std::string reason;
};

struct LoadReport {
  std::vector<std::string> files;
  std::vector<UnreadableFile> unreadable_files;
  std::size_t rules_seen = 0;      // enabled rules: not commented out
  std::size_t rules_disabled = 0;  // lines that are a commented-out rule
  std::size_t rules_loaded = 0;
  std::vector<SkippedRule> skipped;

  std::map<std::string, std::size_t> skipped_by_reason() const;
  // Counts by reason and keyword ("parse:unknown_keyword xbits"), the view that says what to implement next.
  std::map<std::string, std::size_t> skipped_by_reason_and_keyword() const;
  std::string summary(std::size_t top_reasons = 15) const;
  std::string to_json(bool with_skipped_rules = true) const;
};

}  // namespace torwart::signatures
