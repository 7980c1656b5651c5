#pragma once
// Loads Suricata rule files: comments and blank lines skipped, continuation lines joined, every rule
// parsed on its own so that a broken one never stops the others, with a LoadReport of what happened.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "rules/signatures/classification.hpp"
#include "rules/signatures/load_report.hpp"
#include "rules/signatures/signature.hpp"
#include "rules/signatures/variables.hpp"

namespace torwart::signatures {

struct LoadOptions {
  // When set, every header expression must resolve (undefined variable: skipped) ...
  const Variables* variables = nullptr;
  // ... and every classtype must be defined (skipped otherwise); the default priority is filled in.
  const ClassificationTable* classifications = nullptr;
};

struct LoadResult {
  std::vector<Signature> signatures;
  LoadReport report;
};

// The largest ET Open file is under 3 MiB; a whole rule set in one file stays far below this.
inline constexpr std::size_t kMaxRuleFileBytes = std::size_t{64} << 20;

class RuleFileLoader {
 public:
  explicit RuleFileLoader(LoadOptions options = {}) : options_(options) {}

  // A file that cannot be read (missing, not a regular file, above kMaxRuleFileBytes) is recorded in the
  // report's unreadable_files, naming it and why.
  void add_file(const std::string& path);
  void add_text(std::string_view text, const std::string& file_name);

  const LoadResult& result() const { return result_; }
  LoadResult take_result() { return std::move(result_); }

 private:
  void add_rule(const std::string& text, const std::string& file_name, std::size_t line);
  bool resolves(Signature& signature);
  void skip(const Signature& signature, std::string reason, std::string keyword, std::string detail);

  LoadOptions options_;
  LoadResult result_;
  std::set<std::uint64_t> seen_ids_;  // gid << 32 | sid
};

// The whole of a set of files, or of every *.rules file in a directory (sorted by name).
LoadResult load_rule_files(const std::vector<std::string>& paths, const LoadOptions& options = {});
std::vector<std::string> rule_files_in_directory(const std::string& directory);

}  // namespace torwart::signatures
