#include <gtest/gtest.h>

#include <string>

#include "rules/config/load.hpp"

namespace torwart::config {
namespace {

std::string with_zone(const std::string& zone_line) {
  return "zones:\n  - name: inet\n" + zone_line +
         "ports:\n  - name: inet\n    backend: null\n    addresses: [198.51.100.1/24]\n";
}

std::vector<ConfigError> errors_of(const std::string& text) {
  auto result = load_config_text(text, "test.yaml");
  if (auto* errors = std::get_if<std::vector<ConfigError>>(&result)) return *errors;
  return {};
}

TEST(ConfigSynFlood, OnByDefaultInEveryZone) {
  auto result = load_config_text(with_zone(""), "test.yaml");
  ASSERT_TRUE(std::holds_alternative<Config>(result));
  const SynFlood& s = std::get<Config>(result).zones[0].syn_flood;
  EXPECT_TRUE(s.cookies);
  EXPECT_EQ(s.cookies_above, 256u);
  EXPECT_EQ(s.half_open_limit, 1024u);
}

TEST(ConfigSynFlood, ReadsBothThresholdsAndOff) {
  auto result =
      load_config_text(with_zone("    syn_flood: {cookies_above: 0, half_open_limit: 10}\n"), "test.yaml");
  ASSERT_TRUE(std::holds_alternative<Config>(result));
  EXPECT_EQ(std::get<Config>(result).zones[0].syn_flood.cookies_above, 0u);
  EXPECT_EQ(std::get<Config>(result).zones[0].syn_flood.half_open_limit, 10u);

  result =
      load_config_text(with_zone("    syn_flood: {cookies_above: off, half_open_limit: 5}\n"), "test.yaml");
  ASSERT_TRUE(std::holds_alternative<Config>(result));
  EXPECT_FALSE(std::get<Config>(result).zones[0].syn_flood.cookies);
  EXPECT_EQ(std::get<Config>(result).zones[0].syn_flood.half_open_limit, 5u);
}

TEST(ConfigSynFlood, ErrorsNameFileLineAndPath) {
  auto errors = errors_of(with_zone("    syn_flood: {cookies_above: 2000}\n"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].file, "test.yaml");
  EXPECT_EQ(errors[0].line, 3);
  EXPECT_EQ(errors[0].path, "zones[0].syn_flood.cookies_above");
  EXPECT_NE(errors[0].reason.find("below half_open_limit"), std::string::npos) << errors[0].reason;

  errors = errors_of(with_zone("    syn_flood:\n      half_open_limit: 0\n      cookie: 3\n"));
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].path, "zones[0].syn_flood.cookie");
  EXPECT_EQ(errors[0].line, 5);
  EXPECT_EQ(errors[1].path, "zones[0].syn_flood.half_open_limit");
  EXPECT_EQ(errors[1].line, 4);

  errors = errors_of(with_zone("    syn_flood: {cookies_above: many}\n"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "zones[0].syn_flood.cookies_above");

  errors = errors_of(with_zone("    syn_flood: true\n"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "zones[0].syn_flood");
}

}  // namespace
}  // namespace torwart::config
