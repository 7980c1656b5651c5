// classification.config: entries, comments, and errors naming file and line.
#include <gtest/gtest.h>

#include "rules/signatures/classification.hpp"

namespace torwart::signatures {
namespace {

constexpr std::string_view kConfig =
    "# config classification:shortname,short description,priority\n"
    "\n"
    "config classification: not-suspicious,Not Suspicious Traffic,3\n"
    "config classification: trojan-activity,A Network Trojan was detected, 1\n";

TEST(Classification, ParsesEntries) {
  const auto table = ClassificationTable::parse(kConfig, "classification.config");
  EXPECT_EQ(table.size(), 2U);
  const auto& trojan = table.resolve("trojan-activity");
  EXPECT_EQ(trojan.description, "A Network Trojan was detected");
  EXPECT_EQ(trojan.priority, 1U);
  EXPECT_EQ(table.find("nope"), nullptr);
  EXPECT_THROW(table.resolve("nope"), ClassificationError);
}

TEST(Classification, ErrorsNameFileAndLine) {
  auto error_of = [](std::string_view text) {
    try {
      ClassificationTable::parse(text, "c.config");
    } catch (const ClassificationError& error) {
      return error;
    }
    return ClassificationError("", 0, "no error");
  };
  const auto missing = error_of("\nconfig classification: a,b\n");
  EXPECT_EQ(missing.file, "c.config");
  EXPECT_EQ(missing.line, 2U);
  EXPECT_EQ(error_of("config classification: a,b,0\n").reason.rfind("priority", 0), 0U);
  EXPECT_EQ(error_of("config classification: a,b,x\n").line, 1U);
  EXPECT_EQ(error_of("config reference: a,b\n").line, 1U);
  EXPECT_EQ(error_of("config classification: a,b,1\nconfig classification: a,c,2\n").reason,
            "class 'a' defined twice");
  EXPECT_THROW(ClassificationTable::load_file("/nonexistent/classification.config"), ClassificationError);
}

}  // namespace
}  // namespace torwart::signatures
