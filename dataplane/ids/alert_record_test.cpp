#include "dataplane/ids/alert_record.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace torwart::dataplane::ids {
namespace {

TEST(AlertRecord, SuricatasFieldNamesInItsOrder) {
  char buffer[512];
  FixedJson json(buffer, sizeof buffer);
  json.open_object().field("event_type", std::string_view("alert"));
  AlertInfo alert;
  alert.blocked = true;
  alert.signature_id = 2019401;
  alert.rev = 3;
  alert.signature = "ET POLICY \"quoted\" name";
  alert.category = "Potential Corporate Privacy Violation";
  alert.severity = 1;
  alert.app_proto = "http";
  write_alert(json, alert);
  json.close_object();
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(
      std::string(buffer, json.size()),
      R"({"event_type":"alert","app_proto":"http","alert":{"action":"blocked","gid":1,)"
      R"("signature_id":2019401,"rev":3,"signature":"ET POLICY \"quoted\" name",)"
      R"("category":"Potential Corporate Privacy Violation","severity":1},"verdict":{"action":"drop"}})");
}

TEST(AlertRecord, AnAlertOnlySignatureIsAllowedAndTooSmallABufferIsRefused) {
  char small[40];
  FixedJson json(small, sizeof small);
  json.open_object();
  write_alert(json, AlertInfo{});
  json.close_object();
  EXPECT_FALSE(json.ok());  // never a cut record
  char buffer[256];
  FixedJson ok(buffer, sizeof buffer);
  ok.open_object();
  write_alert(ok, AlertInfo{});
  ok.close_object();
  EXPECT_NE(std::string(buffer, ok.size()).find(R"("action":"allowed")"), std::string::npos);
  EXPECT_NE(std::string(buffer, ok.size()).find(R"("verdict":{"action":"alert"})"), std::string::npos);
}

TEST(AlertRecord, ARejectNamesItsTargetAndKind) {
  char buffer[512];
  FixedJson json(buffer, sizeof buffer);
  json.open_object();
  AlertInfo alert;
  alert.blocked = true;
  alert.reject = true;
  alert.reject_target = "to_client";
  alert.reject_kind = "tcp-reset";
  write_alert(json, alert);
  json.close_object();
  ASSERT_TRUE(json.ok());
  EXPECT_NE(std::string(buffer, json.size())
                .find(R"("verdict":{"action":"drop","reject-target":"to_client","reject":["tcp-reset"]})"),
            std::string::npos);
}

TEST(AlertRecord, MetadataGroupedByKeyAndTheTargetSide) {
  char buffer[768];
  FixedJson json(buffer, sizeof buffer);
  json.open_object();
  const std::vector<std::pair<std::string, std::string>> metadata = {
      {"created_at", "2024_01_02"}, {"signature_severity", "Major"}, {"created_at", "2024_03_04"}};
  AlertInfo alert;
  alert.metadata = metadata;
  alert.target = "dest_ip";
  alert.src_ip = "198.51.100.7";
  alert.dest_ip = "10.0.0.5";
  alert.src_port = 40000;
  alert.dest_port = 443;
  alert.ports = true;
  write_alert(json, alert);
  json.close_object();
  ASSERT_TRUE(json.ok());
  const std::string text(buffer, json.size());
  EXPECT_NE(text.find(R"("source":{"ip":"198.51.100.7","port":40000},"target":{"ip":"10.0.0.5","port":443})"),
            std::string::npos)
      << text;
  EXPECT_NE(
      text.find(R"("metadata":{"created_at":["2024_01_02","2024_03_04"],"signature_severity":["Major"]})"),
      std::string::npos)
      << text;
}

}  // namespace
}  // namespace torwart::dataplane::ids
