// ids_compile_bench: a rule set (ET Open) from text to Hyperscan prefilter databases, once from scratch and
// once from the on-disk cache, with the load, grouping and compile times and the databases' size
// (benchmarks/README.md "IDS compilation").
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "dataplane/ids/rule_groups.hpp"
#include "rules/signatures/classification.hpp"
#include "rules/signatures/rule_file_loader.hpp"
#include "rules/signatures/variables.hpp"

namespace {

int bench_main(int argc, char** argv) {
  using namespace torwart;
  CLI::App app{
      "ids_compile_bench - a rule directory to Hyperscan prefilter databases, from scratch and from cache"};
  std::string rules;
  app.add_option("rules", rules, "directory of .rules files (with classification.config)")->required();
  CLI11_PARSE(app, argc, argv);

  const auto t0 = std::chrono::steady_clock::now();
  const auto variables = signatures::Variables::suricata_defaults();
  const auto classifications = signatures::ClassificationTable::load_file(rules + "/classification.config");
  signatures::LoadOptions options{&variables, &classifications};
  const auto loaded = signatures::load_rule_files(signatures::rule_files_in_directory(rules), options);
  const auto t1 = std::chrono::steady_clock::now();
  char pattern[] = "/tmp/torwart-ids-cache-XXXXXX";
  const std::filesystem::path cache_dir = ::mkdtemp(pattern);
  dataplane::ids::GroupBuildStats scratch_stats, cached_stats;
  {
    dataplane::ids::DatabaseCache cache(cache_dir);
    (void)dataplane::ids::build_rule_groups(loaded.signatures, cache, scratch_stats);
  }
  dataplane::ids::DatabaseCache cache(cache_dir);
  (void)dataplane::ids::build_rule_groups(loaded.signatures, cache, cached_stats);
  std::filesystem::remove_all(cache_dir);
  const double load_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
  std::cout << fmt::format("rules: {} loaded of {} enabled ({} skipped), parsed in {:.0f} ms\n",
                           loaded.report.rules_loaded, loaded.report.rules_seen, loaded.report.skipped.size(),
                           load_ms);
  std::cout << fmt::format("groups: {}, fast patterns: {}, without fast pattern: {}, databases: {:.1f} MiB\n",
                           scratch_stats.groups, scratch_stats.fast_patterns, scratch_stats.without_pattern,
                           static_cast<double>(scratch_stats.database_bytes) / (1024.0 * 1024.0));
  std::cout << fmt::format("compile from scratch: {} ms ({} databases compiled)\n",
                           scratch_stats.build_time.count(), scratch_stats.cache.misses);
  std::cout << fmt::format("load from cache:      {} ms ({} databases from cache)\n",
                           cached_stats.build_time.count(), cached_stats.cache.hits);
  std::cout << fmt::format("text to databases from cache, in all: {:.0f} ms\n",
                           load_ms + static_cast<double>(cached_stats.build_time.count()));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return bench_main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "ids_compile_bench: " << e.what() << "\n";
    return 1;
  }
}
