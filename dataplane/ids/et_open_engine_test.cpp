// ET Open (../shared/rules/et-open) through the whole build: at least 80 % of its enabled rules run in the
// engine (issue 7), every rule that does not is named with a reason, and a second build from the on-disk
// cache gives the same set without compiling.
#include <gtest/gtest.h>

#include <filesystem>

#include "dataplane/ids/ruleset.hpp"

namespace torwart::dataplane::ids {
namespace {

TEST(EtOpenEngine, EightyPercentRunAndTheRestAreNamedAndTheCacheServesASecondBuild) {
  const std::string directory = TORWART_ET_OPEN_DIR;
  if (!std::filesystem::is_directory(directory)) GTEST_SKIP() << directory << " is absent";
  RulesetSources sources;
  sources.rule_files = {directory};
  sources.classification_file = directory + "/classification.config";
  const auto cache_dir =
      std::filesystem::temp_directory_path() / ("torwart_et_cache_" + std::to_string(getpid()));
  std::filesystem::remove_all(cache_dir);
  DatabaseCache first_cache(cache_dir);
  const auto first = Ruleset::build(sources, first_cache);
  const size_t seen = first->report().rules_seen;
  ASSERT_GT(seen, 10000u);
  EXPECT_GE(first->stats().loaded * 100, seen * 80) << first->report().summary();
  EXPECT_EQ(first->stats().loaded + first->report().skipped.size(), seen);
  for (const auto& skipped : first->report().skipped) {
    EXPECT_FALSE(skipped.reason.empty());
    EXPECT_FALSE(skipped.file.empty());
    EXPECT_GT(skipped.line, 0u);
  }
  EXPECT_GT(first->stats().cache.misses, 0u);

  DatabaseCache second_cache(cache_dir);  // a new process's view: nothing shared in memory
  const auto second = Ruleset::build(sources, second_cache);
  EXPECT_EQ(second->stats().loaded, first->stats().loaded);
  EXPECT_EQ(second->stats().cache.misses, 0u);
  EXPECT_EQ(second->stats().cache.hits, first->stats().cache.misses);
  EXPECT_EQ(second->stats().database_bytes, first->stats().database_bytes);

  // A reload in the same process shares the running set's databases.
  const auto third = Ruleset::build(sources, second_cache);
  EXPECT_EQ(third->stats().cache.shared, second->stats().cache.hits);
  std::filesystem::remove_all(cache_dir);
}

}  // namespace
}  // namespace torwart::dataplane::ids
