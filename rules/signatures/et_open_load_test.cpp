// ET Open as suricata-update delivers it: at least 80 % of the enabled rules must load; prints the
// report so that the top skip reasons are visible in the test log.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>

#include "rules/signatures/rule_file_loader.hpp"

namespace torwart::signatures {
namespace {

TEST(EtOpenLoad, AtLeastEightyPercentOfEnabledRulesParse) {
  const std::string directory = TORWART_ET_OPEN_DIR;
  if (!std::filesystem::is_directory(directory)) GTEST_SKIP() << directory << " is absent";
  const auto variables = Variables::suricata_defaults();
  std::optional<ClassificationTable> classes;
  if (std::filesystem::exists(directory + "/classification.config")) {
    classes = ClassificationTable::load_file(directory + "/classification.config");
  }
  const auto files = rule_files_in_directory(directory);
  ASSERT_FALSE(files.empty());
  const auto result = load_rule_files(files, {&variables, classes ? &*classes : nullptr});
  const auto& report = result.report;
  std::cout << report.summary(20);
  EXPECT_TRUE(report.unreadable_files.empty());
  ASSERT_GT(report.rules_seen, 0U);
  std::size_t parse_errors = 0;
  for (const auto& [reason, count] : report.skipped_by_reason()) {
    if (reason.starts_with("parse:")) parse_errors += count;
  }
  EXPECT_GE((report.rules_seen - parse_errors) * 100, report.rules_seen * 80);
  EXPECT_GE(report.rules_loaded * 100, report.rules_seen * 80);
}

}  // namespace
}  // namespace torwart::signatures
