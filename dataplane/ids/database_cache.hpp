#pragma once
// Compiled pattern sets cached on disk, so that a restart or a reload with unchanged rules skips Hyperscan's
// compiler (seconds for ET Open). The key is a SHA-256 over everything that decides the database: the rule
// group's pattern text and flags, our engine version, the Hyperscan version and the CPU platform Hyperscan
// compiles for. A cache file that does not load (truncated, foreign, another version) is ignored and
// recompiled; the cache never decides a verdict, it only saves time. Control path only.
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/ids/pattern_set.hpp"

namespace torwart::dataplane::ids {

inline constexpr const char* kEngineVersion = "torwart-ids-1";

struct CacheStats {
  unsigned hits = 0;
  unsigned misses = 0;   // compiled and stored
  unsigned refused = 0;  // a cache file existed but did not load
  unsigned shared = 0;   // still in memory (a reload with the group unchanged): the running set's database
};

class DatabaseCache {
 public:
  // `directory` is created when missing; an empty path disables the cache (always compile).
  explicit DatabaseCache(std::filesystem::path directory);

  // The set for `patterns`, from the cache or compiled (and then stored). Throws what PatternSet::compile
  // throws; a cache directory that cannot be written only costs the next start its time.
  std::shared_ptr<const PatternSet> get(const std::vector<Pattern>& patterns);

  // The cache key of a pattern list, hex (exposed for tests and the load report).
  static std::string key_of(const std::vector<Pattern>& patterns);
  const CacheStats& stats() const { return stats_; }
  void reset_stats() { stats_ = {}; }

 private:
  std::shared_ptr<const PatternSet> load_or_compile(const std::string& key,
                                                    const std::vector<Pattern>& patterns);

  std::filesystem::path directory_;
  CacheStats stats_;
  // Sets some rule set still uses: a reload shares them instead of loading a second copy.
  std::map<std::string, std::weak_ptr<const PatternSet>> in_memory_;
};

}  // namespace torwart::dataplane::ids
