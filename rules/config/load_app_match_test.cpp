// Application matches of policy rules (app, tls_sni, http_host, http_content_type, dns_name) and name lists.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "rules/config/load.hpp"

namespace torwart::config {
namespace {

constexpr std::string_view kPorts = R"(
zones: [{name: lan}, {name: inet}]
ports:
  - {name: lan, zone: lan, backend: null, addresses: [192.168.10.1/24]}
  - {name: inet, zone: inet, backend: null, addresses: [203.0.113.2/24]}
)";

LoadResult load_with(const std::string& rest) {
  return load_config_text(std::string(kPorts) + rest, "app.yaml");
}

std::vector<ConfigError> errors_of(const std::string& rest) {
  auto result = load_with(rest);
  if (auto* errors = std::get_if<std::vector<ConfigError>>(&result)) return *errors;
  return {};
}

MATCHER_P3(IsError, path, line, reason_part, "") {
  return arg.path == path && arg.line == line && arg.file == "app.yaml" &&
         arg.reason.find(reason_part) != std::string::npos;
}

TEST(ConfigAppMatch, RulesReadAppsNamesListsAndMediaTypes) {
  auto result = load_with(R"(
objects:
  names:
    - {name: gambling, members: ["*.casino.example", Bet.Example.]}
policy:
  rules:
    - name: no-gambling
      from: [lan]
      app: [tls, http]
      tls_sni: [gambling, www.extra.example]
      action: reject
    - {name: no-exe, from: [lan], http_content_type: [application/x-msdownload, Video/*], action: drop}
    - {name: dns-block, dns_name: ["*.tracker.example"], action: drop}
    - {name: web, from: [lan], to: [inet], service: [tcp/80, tcp/443], action: accept}
)");
  ASSERT_TRUE(std::holds_alternative<Config>(result))
      << std::get<std::vector<ConfigError>>(result)[0].to_string();
  const Config& config = std::get<Config>(result);
  const AppMatch& first = config.policy.rules[0].app;
  EXPECT_EQ(first.apps, (std::vector<std::string>{"tls", "http"}));
  ASSERT_TRUE(first.tls_sni.has_value());
  EXPECT_EQ(first.tls_sni->exact, (std::vector<std::string>{"bet.example", "www.extra.example"}));
  EXPECT_EQ(first.tls_sni->suffixes, (std::vector<std::string>{".casino.example"}));
  EXPECT_TRUE(first.any());
  EXPECT_EQ(config.policy.rules[1].app.http_content_types,
            (std::vector<std::string>{"application/x-msdownload", "video/*"}));
  EXPECT_FALSE(config.policy.rules[3].app.any());
  ASSERT_EQ(config.objects.names.size(), 1u);
}

TEST(ConfigAppMatch, NameListsMatchExactlyOrBelowASuffixIgnoringCase) {
  NameList list;
  list.exact = {"www.example.de"};
  list.suffixes = {".casino.example"};
  list.normalise();
  EXPECT_TRUE(list.matches("www.example.de"));
  EXPECT_TRUE(list.matches("WWW.Example.DE."));
  EXPECT_FALSE(list.matches("example.de"));
  EXPECT_FALSE(list.matches("xwww.example.de"));
  EXPECT_TRUE(list.matches("a.b.casino.example"));
  EXPECT_FALSE(list.matches("casino.example"));  // the suffix form is for names below it
  EXPECT_FALSE(list.matches("notcasino.example"));
  EXPECT_FALSE(list.matches(""));
  EXPECT_FALSE(list.matches(std::string(300, 'a')));
}

TEST(ConfigAppMatch, NameListsComeFromFilesWithCommentsAndErrorsNamingTheLine) {
  const std::string path = testing::TempDir() + "/torwart-names.txt";
  std::ofstream(path) << "# blocked\nads.example\n  *.Track.example  # trackers\n\nbad name\n";
  auto errors = errors_of("objects:\n  names:\n    - {name: ads, file: " + path + "}\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].reason.find(path + ":5: 'bad name'"), std::string::npos) << errors[0].reason;

  std::ofstream(path) << "ads.example\n*.track.example\n";
  auto result = load_with("objects:\n  names:\n    - {name: ads, file: " + path +
                          "}\npolicy:\n  rules:\n    - {name: r, dns_name: [ads], action: drop}\n");
  ASSERT_TRUE(std::holds_alternative<Config>(result))
      << std::get<std::vector<ConfigError>>(result)[0].to_string();
  const auto& names = std::get<Config>(result).policy.rules[0].app.dns_name;
  ASSERT_TRUE(names.has_value());
  EXPECT_TRUE(names->matches("x.track.example"));
  EXPECT_TRUE(names->matches("ads.example"));
  std::remove(path.c_str());
}

TEST(ConfigAppMatch, MistakesAreNamedWithTheirPlace) {
  auto errors = errors_of(R"(
objects:
  names:
    - {name: with.dot, members: [a.example]}
    - {name: both, members: [a.example], file: /x}
    - {name: relative, file: lists/x.txt}
policy:
  rules:
    - {name: a, app: [ssh], action: drop}
    - {name: b, app: [gopher], action: drop}
    - {name: c, tls_sni: [nolist], action: drop}
    - {name: d, http_host: ["exa mple.de"], action: drop}
    - {name: e, http_content_type: [text], action: drop}
    - {name: f, dns_name: [], action: drop}
)");
  EXPECT_THAT(errors, testing::Contains(IsError("objects.names[0].name", 9, "no dots")));
  EXPECT_THAT(errors, testing::Contains(IsError("objects.names[1]", 10, "either members or a file")));
  EXPECT_THAT(errors, testing::Contains(IsError("objects.names[2].file", 11, "absolute path")));
  EXPECT_THAT(errors,
              testing::Contains(IsError("policy.rules[0].app[0]", 14, "not identified by torwart yet")));
  EXPECT_THAT(errors,
              testing::Contains(IsError("policy.rules[1].app[0]", 15, "not an application protocol")));
  EXPECT_THAT(errors, testing::Contains(IsError("policy.rules[2].tls_sni[0]", 16, "neither a name list")));
  EXPECT_THAT(errors, testing::Contains(IsError("policy.rules[3].http_host[0]", 17, "not a host name")));
  EXPECT_THAT(errors,
              testing::Contains(IsError("policy.rules[4].http_content_type[0]", 18, "not a media type")));
  EXPECT_THAT(errors, testing::Contains(IsError("policy.rules[5].dns_name", 19, "empty list")));
}

TEST(ConfigInspection, DefaultsLimitsAndRecordSwitches) {
  auto result = load_with("");
  ASSERT_TRUE(std::holds_alternative<Config>(result));
  const Config& defaults = std::get<Config>(result);
  EXPECT_TRUE(defaults.inspection.enabled);
  EXPECT_FALSE(defaults.inspection.fail_closed);
  EXPECT_TRUE(defaults.logging.http_records && defaults.logging.tls_records && defaults.logging.dns_records);

  result = load_with(R"(
inspection: {sessions_per_worker: 1000, on_limit: drop, stream_depth_kb: 256, identify_packets: 4}
logging: {app_records: [tls]}
)");
  ASSERT_TRUE(std::holds_alternative<Config>(result))
      << std::get<std::vector<ConfigError>>(result)[0].to_string();
  const Config& config = std::get<Config>(result);
  EXPECT_EQ(config.inspection.sessions_per_worker, 1000u);
  EXPECT_TRUE(config.inspection.fail_closed);
  EXPECT_EQ(config.inspection.stream_depth_kb, 256u);
  EXPECT_TRUE(config.logging.tls_records);
  EXPECT_FALSE(config.logging.http_records);

  auto errors = errors_of(R"(
inspection: {on_limit: maybe, reassembly_mb: 1, held_per_stream_kb: 4096, sessions: 3}
logging: {app_records: [smtp]}
)");
  EXPECT_THAT(errors, testing::Contains(IsError("inspection.on_limit", 7, "fail-open")));
  EXPECT_THAT(errors, testing::Contains(IsError("inspection.held_per_stream_kb", 7, "exceeds")));
  EXPECT_THAT(errors, testing::Contains(IsError("inspection.sessions", 7, "unknown key")));
  EXPECT_THAT(errors, testing::Contains(IsError("logging.app_records[0]", 8, "not an application record")));
}

}  // namespace
}  // namespace torwart::config
