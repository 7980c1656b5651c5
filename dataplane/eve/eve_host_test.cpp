// The `host` field added where records are written.
#include "dataplane/eve/eve_host.hpp"

#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

namespace torwart::dataplane {
namespace {

std::string written(const EveHost& host, std::string_view record) {
  const EveHost::Parts parts = host.split(record);
  return std::string(parts.head) + std::string(parts.tail);
}

TEST(EveHost, TheNameIsTheLastFieldOfEveryRecord) {
  const EveHost host("rathaus-nord");
  const std::string record = written(host, R"({"timestamp":"t","event_type":"flow","flow":{"age":1}})");
  EXPECT_EQ(record, R"({"timestamp":"t","event_type":"flow","flow":{"age":1},"host":"rathaus-nord"})");
  EXPECT_EQ(written(host, "{}"), R"({"host":"rathaus-nord"})");
}

TEST(EveHost, ANameIsEscaped) {
  const EveHost host("Rathaus \"Süd\"\\1");
  const nlohmann::json j = nlohmann::json::parse(written(host, R"({"event_type":"stats"})"));
  EXPECT_EQ(j["host"], "Rathaus \"Süd\"\\1");
  EXPECT_EQ(j["event_type"], "stats");
}

TEST(EveHost, WithoutANameRecordsStayAsTheyAre) {
  const EveHost host("");
  EXPECT_EQ(written(host, R"({"event_type":"drop"})"), R"({"event_type":"drop"})");
  EXPECT_EQ(written(EveHost("box"), "not an object"), "not an object");
}

}  // namespace
}  // namespace torwart::dataplane
