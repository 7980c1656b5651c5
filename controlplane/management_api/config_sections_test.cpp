#include "controlplane/management_api/config_sections.hpp"

#include <gtest/gtest.h>

namespace torwart::controlplane::api {
namespace {

constexpr char kText[] =
    "format: 1\n"
    "# the zones\n"
    "zones:\n"
    "  - name: lan   # inside\n"
    "policy:\n"
    "  default: {action: drop}\n"
    "\n"
    "# logging comes last\n"
    "logging:\n"
    "  retention_days: 30\n";

TEST(ChangedSections, CountsMeaningNotLayoutOrComments) {
  const std::string same =
      "format: 1\nzones: [{name: lan}]\npolicy:\n  default:\n    action: drop\nlogging: {retention_days: "
      "30}\n";
  EXPECT_TRUE(changed_sections(kText, same).empty());
  EXPECT_EQ(changed_sections(kText, "format: 1\nzones: [{name: lan}]\npolicy: {default: {action: accept}}\n"),
            (std::set<std::string>{"logging", "policy"}));
}

TEST(ChangedSections, AnAddedSectionIsAChange) {
  EXPECT_EQ(changed_sections("format: 1\n", "format: 1\nnat: {}\n"), (std::set<std::string>{"nat"}));
  EXPECT_EQ(changed_sections("", "format: 1\n"), (std::set<std::string>{"format"}));
}

TEST(ChangedSections, RefusesWhatIsNotAMapping) {
  EXPECT_THROW(changed_sections(kText, "- a\n- b\n"), SectionError);
  EXPECT_THROW(changed_sections(kText, "policy: [\n"), SectionError);
}

TEST(SectionText, IsTheKeyLineAndItsBlockWithoutTheNextSectionsComment) {
  EXPECT_EQ(section_text(kText, "policy"), "policy:\n  default: {action: drop}\n");
  EXPECT_EQ(section_text(kText, "zones"), "zones:\n  - name: lan   # inside\n");
  EXPECT_EQ(section_text(kText, "logging"), "logging:\n  retention_days: 30\n");
  EXPECT_EQ(section_text(kText, "nat"), "");
  EXPECT_EQ(section_text("policyx: 1\npolicy: 2\n", "policy"), "policy: 2\n");
}

TEST(ReplaceSection, KeepsEveryOtherLineAsItWas) {
  const std::string out = replace_section(kText, "policy", "policy:\n  default: {action: reject}  # why\n");
  EXPECT_EQ(out,
            "format: 1\n# the zones\nzones:\n  - name: lan   # inside\npolicy:\n  default: {action: reject}  "
            "# why\n"
            "\n# logging comes last\nlogging:\n  retention_days: 30\n");
  EXPECT_EQ(changed_sections(kText, out), (std::set<std::string>{"policy"}));
}

TEST(ReplaceSection, AppendsAnAbsentSectionAndRemovesOnEmpty) {
  EXPECT_EQ(replace_section("format: 1\n", "logging", "logging: {retention_days: 7}"),
            "format: 1\nlogging: {retention_days: 7}\n");
  EXPECT_EQ(replace_section(kText, "logging", ""),
            "format: 1\n# the zones\nzones:\n  - name: lan   # inside\n"
            "policy:\n  default: {action: drop}\n\n# logging comes last\n");
}

TEST(ReplaceSection, RefusesAnythingButThatOneSection) {
  EXPECT_THROW(replace_section(kText, "logging", "policy: {}\n"), SectionError);
  EXPECT_THROW(replace_section(kText, "logging", "logging: {}\npolicy: {}\n"), SectionError);
  EXPECT_THROW(replace_section(kText, "logging", "logging: [\n"), SectionError);
  EXPECT_THROW(replace_section(kText, "logging", "- logging\n"), SectionError);
}

}  // namespace
}  // namespace torwart::controlplane::api
