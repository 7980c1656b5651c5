// Loading rule text and files: comments, continuation lines, skip reasons, duplicates, report output.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "rules/signatures/rule_file_loader.hpp"

namespace torwart::signatures {
namespace {

constexpr std::string_view kRules =
    "# a comment\n"
    "\n"
    "alert tcp $EXTERNAL_NET any -> $HOME_NET 80 (msg:\"one\"; content:\"a\"; classtype:trojan-activity; "
    "sid:1; rev:1;)\n"
    "#alert tcp any any -> any any (msg:\"disabled\"; sid:2; rev:1;)\n"
    "alert tcp any any -> any any (msg:\"broken\"; contnet:\"a\"; sid:3; rev:1;)\n"
    "alert tcp any any -> any any (msg:\"multi\"; \\\n"
    "    content:\"b\"; \\\n"
    "    sid:4; rev:1;)\n"
    "alert tcp any any -> any any (msg:\"unsupported\"; xbits:set,a,track ip_src; sid:5; rev:1;)\n"
    "alert tcp any any -> any any (msg:\"again\"; sid:1; rev:2;)\n"
    "alert tcp $NOWHERE any -> any any (msg:\"variable\"; sid:6; rev:1;)\n"
    "alert tcp any any -> any any (msg:\"class\"; classtype:nope; sid:7; rev:1;)\n"
    "alert tcp any any -> any any (msg:\"other gid\"; sid:1; gid:2; rev:1;)\n";

struct Loaded {
  Variables variables = Variables::suricata_defaults();
  ClassificationTable classes = ClassificationTable::parse(
      "config classification: trojan-activity,A Network Trojan was detected,1\n", "c");
  LoadResult result;
  Loaded() {
    RuleFileLoader loader({&variables, &classes});
    loader.add_text(kRules, "local.rules");
    result = loader.take_result();
  }
};

TEST(RuleFileLoader, CountsAndSkipReasons) {
  const Loaded loaded;
  const auto& report = loaded.result.report;
  EXPECT_EQ(report.files, (std::vector<std::string>{"local.rules"}));
  EXPECT_EQ(report.rules_seen, 8U);
  EXPECT_EQ(report.rules_disabled, 1U);
  EXPECT_EQ(report.rules_loaded, 3U);
  const std::map<std::string, std::size_t> expected = {{"parse:unknown_keyword", 1},
                                                       {"unsupported:xbits", 1},
                                                       {"duplicate_sid", 1},
                                                       {"undefined_variable", 1},
                                                       {"unknown_classtype", 1}};
  EXPECT_EQ(report.skipped_by_reason(), expected);
}

TEST(RuleFileLoader, SkippedRulesCarryTheirPlace) {
  const Loaded loaded;
  const auto& skipped = loaded.result.report.skipped;
  ASSERT_EQ(skipped.size(), 5U);
  EXPECT_EQ(skipped[0].file, "local.rules");
  EXPECT_EQ(skipped[0].line, 5U);
  EXPECT_EQ(skipped[0].sid, 3U);
  EXPECT_EQ(skipped[0].keyword, "contnet");
  EXPECT_EQ(skipped[1].line, 9U);  // after the three-line rule
  EXPECT_EQ(skipped[1].keyword, "xbits");
  EXPECT_EQ(skipped[2].reason, "duplicate_sid");
  EXPECT_EQ(skipped[3].keyword, "source");
  EXPECT_NE(skipped[3].detail.find("NOWHERE"), std::string::npos);
}

TEST(RuleFileLoader, ContinuationAndClassificationPriority) {
  const Loaded loaded;
  ASSERT_EQ(loaded.result.signatures.size(), 3U);
  EXPECT_EQ(loaded.result.signatures[0].priority, 1U);  // from the classtype
  EXPECT_EQ(loaded.result.signatures[1].sid, 4U);
  EXPECT_EQ(loaded.result.signatures[1].source_line, 6U);
  EXPECT_EQ(loaded.result.signatures[2].gid, 2U);  // same sid, other gid: not a duplicate
}

TEST(RuleFileLoader, SummaryAndJson) {
  const Loaded loaded;
  const std::string summary = loaded.result.report.summary();
  EXPECT_NE(summary.find("8 rules (1 more commented out), 3 loaded, 5 skipped"), std::string::npos)
      << summary;
  const auto json = nlohmann::json::parse(loaded.result.report.to_json());
  EXPECT_EQ(json["rules_loaded"], 3);
  EXPECT_EQ(json["skipped"][0]["keyword"], "contnet");
  EXPECT_EQ(json["skipped"][0]["sid"], 3);
  EXPECT_EQ(json["skipped_by_reason"]["duplicate_sid"], 1);
}

TEST(RuleFileLoader, UnreadableFileIsNamedAndOthersStillLoad) {
  const std::string path = ::testing::TempDir() + "/signatures_loader_test.rules";
  {
    std::FILE* file = std::fopen(path.c_str(), "w");
    ASSERT_NE(file, nullptr);
    std::fputs("alert tcp any any -> any any (msg:\"x\"; sid:10; rev:1;)\n", file);
    std::fclose(file);
  }
  const auto result = load_rule_files({"/nonexistent/missing.rules", path});
  ASSERT_EQ(result.report.unreadable_files.size(), 1U);
  EXPECT_EQ(result.report.unreadable_files[0].file, "/nonexistent/missing.rules");
  EXPECT_EQ(result.report.rules_loaded, 1U);
  EXPECT_NE(result.report.summary().find("unreadable: /nonexistent/missing.rules"), std::string::npos);
}

}  // namespace
}  // namespace torwart::signatures
