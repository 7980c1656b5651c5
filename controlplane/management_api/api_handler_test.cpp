// The management API's decisions without HTTP: which role may do what (a table over every route and role),
// the section rules, ETag/If-Match, refusals in the audit log, and malformed requests.
#include "controlplane/management_api/api_handler.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "controlplane/torwartd/fake_fastpath.hpp"
#include "rules/config/load.hpp"

namespace torwart::controlplane::api {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

ClientIdentity client(std::optional<Role> role, const std::string& name = "alice") {
  ClientIdentity id;
  id.common_name = name;
  id.subject = "CN=" + name;
  id.issuer = "CN=provider CA";
  id.serial = "1F";
  id.role = role;
  if (!role) id.role_problem = "the certificate's subject has no OU naming a role";
  return id;
}

std::string base_text() {
  return std::string(config::default_config_text());
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// Changes only `policy`, and only `routes`.
std::string policy_change() {
  return replaced(base_text(), "      service: [smtp]\n      action: reject",
                  "      service: [smtp]\n      action: drop");
}
std::string routes_change() {
  return replaced(base_text(), "\nroutes:\n", "\nroutes:\n  - to: 172.30.0.0/16\n    via: 10.200.0.1\n");
}

class ApiHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "torwart-api-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    fastpath_ = FakeFastPath{};
    store_ = std::make_unique<ConfigStore>(dir_ / "config");
    audit_ = std::make_unique<AuditLog>(dir_ / "audit.jsonl");
    service_ = std::make_unique<ControlService>(*store_, fastpath_, *audit_, [this] { return now_ += 1000; });
    handler_ = std::make_unique<ApiHandler>(*service_, "{\"openapi\": \"3.0.3\"}");
    // Version 1: the default; version 2: a policy change on it (so that a rollback has somewhere to go).
    ASSERT_EQ(
        call(Role::kProviderAdmin, "PUT", "/api/v1/config", json{{"config", base_text()}}.dump(), "\"v0\"")
            .status,
        200u);
    ASSERT_EQ(call(Role::kProviderAdmin, "PUT", "/api/v1/config", json{{"config", policy_change()}}.dump(),
                   "\"v1\"")
                  .status,
              200u);
  }
  void TearDown() override { fs::remove_all(dir_); }

  ApiResponse call(std::optional<Role> role, const std::string& method, const std::string& target,
                   const std::string& body = "", const std::string& if_match = "") {
    return handler_->handle({method, target, if_match, body}, client(role));
  }

  std::vector<json> audit_records() {
    std::vector<json> out;
    std::ifstream in(dir_ / "audit.jsonl");
    for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
    return out;
  }

  fs::path dir_;
  int64_t now_ = 1'700'000'000'000;
  FakeFastPath fastpath_;
  std::unique_ptr<ConfigStore> store_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<ControlService> service_;
  std::unique_ptr<ApiHandler> handler_;
};

struct Case {
  const char* method;
  const char* target;
  std::string body;
  const char* if_match;
  unsigned allowed_status;  // what a role holding the permission gets
};

std::vector<Case> every_route() {
  return {
      {"GET", "/api/v1/status", "", "", 200},
      {"GET", "/api/v1/stats", "", "", 200},
      {"GET", "/api/v1/flows?limit=5", "", "", 200},
      {"GET", "/api/v1/config", "", "", 200},
      {"PUT", "/api/v1/config", json{{"config", base_text()}, {"comment", "back"}}.dump(), "\"v2\"", 200},
      {"GET", "/api/v1/config/versions/1", "", "", 200},
      {"GET", "/api/v1/config/history", "", "", 200},
      {"GET", "/api/v1/config/diff?from=1&to=2", "", "", 200},
      {"GET", "/api/v1/config/export", "", "", 200},
      {"POST", "/api/v1/config/validate", json{{"config", base_text()}}.dump(), "", 200},
      {"POST", "/api/v1/config/confirm", "", "", 400},  // nothing awaits confirmation
      {"POST", "/api/v1/config/rollback", json{{"version", 1}}.dump(), "\"v2\"", 200},
      {"POST", "/api/v1/config/import", json{{"history", json::object()}}.dump(), "", 400},
      {"POST", "/api/v1/config/repair", json{{"version", 1}, {"lost", true}}.dump(), "",
       400},  // version 1 is intact
      {"GET", "/api/v1/audit?after=0&limit=10", "", "", 200},
      {"GET", "/api/v1/logging", "", "", 200},
      {"PUT", "/api/v1/logging", json{{"section", "logging:\n  retention_days: 7\n"}}.dump(), "\"v2\"", 200},
      {"GET", "/api/v1/openapi.json", "", "", 200},
      {"GET", "/metrics", "", "", 200},
  };
}

TEST_F(ApiHandlerTest, EachRoleGetsExactlyItsOperations) {
  ASSERT_EQ(every_route().size(), kRoutes.size()) << "a route without a case in this table";
  for (const Role role : {Role::kProviderAdmin, Role::kLocalAdmin, Role::kAuditor, Role::kDpo}) {
    for (const auto& route : kRoutes) {
      TearDown();
      SetUp();
      const auto cases = every_route();
      const Case& c = cases[static_cast<size_t>(&route - kRoutes.data())];
      ASSERT_EQ(std::string(c.method), route.method);
      const auto before = audit_records().size();
      const ApiResponse r = call(role, c.method, c.target, c.body, c.if_match);
      const std::string what = std::string(to_string(role)) + " " + c.method + " " + c.target + ": " + r.body;
      if (holds(role, route.permission)) {
        EXPECT_EQ(r.status, c.allowed_status) << what;
      } else {
        ASSERT_EQ(r.status, 403u) << what;
        EXPECT_NE(r.body.find("lacks the permission " + std::string(to_string(route.permission))),
                  std::string::npos)
            << what;
        const auto records = audit_records();
        ASSERT_EQ(records.size(), before + 1) << what;
        EXPECT_EQ(records.back()["result"], "refused");
        EXPECT_EQ(records.back()["who"]["role"], to_string(role));
        EXPECT_EQ(records.back()["who"]["via"], "api");
      }
    }
  }
}

TEST_F(ApiHandlerTest, LocalAdminChangesPolicyButNotTheBoxsPlumbing) {
  auto r =
      call(Role::kLocalAdmin, "PUT", "/api/v1/config", json{{"config", routes_change()}}.dump(), "\"v2\"");
  ASSERT_EQ(r.status, 403u) << r.body;
  EXPECT_NE(r.body.find("may change only objects, policy; this change also touches routes"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(audit_records().back()["result"], "refused");
  EXPECT_EQ(service_->current_version(), 2u);

  r = call(Role::kLocalAdmin, "PUT", "/api/v1/config", json{{"config", base_text()}}.dump(), "\"v2\"");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.etag, "\"v3\"");
  const json record = audit_records().back();
  EXPECT_EQ(record["who"]["name"], "alice");
  EXPECT_EQ(record["who"]["role"], "local-admin");
  EXPECT_NE(record["who"]["certificate"].get<std::string>().find("serial 1F"), std::string::npos);
}

TEST_F(ApiHandlerTest, TheDpoSeesAndChangesTheLoggingSectionAlone) {
  EXPECT_EQ(call(Role::kDpo, "GET", "/api/v1/config").status, 403u);
  auto r = call(Role::kDpo, "PUT", "/api/v1/logging",
                json{{"section", "logging:\n  retention_days: 7   # Dienstvereinbarung\n"}}.dump(), "\"v2\"");
  ASSERT_EQ(r.status, 200u) << r.body;
  r = call(Role::kDpo, "GET", "/api/v1/logging");
  ASSERT_EQ(r.status, 200u);
  const json section = json::parse(r.body);
  EXPECT_EQ(section["section"], "logging:\n  retention_days: 7   # Dienstvereinbarung\n");
  EXPECT_EQ(section["version"], 3);
  EXPECT_EQ(r.body.find("lan-to-kdn"), std::string::npos) << "the dpo must not see the policy";
  // The rest of the text is untouched, byte for byte.
  const std::string text = json::parse(call(Role::kAuditor, "GET", "/api/v1/config").body)["config"];
  EXPECT_EQ(text, policy_change() + "logging:\n  retention_days: 7   # Dienstvereinbarung\n");
  // A section that is not only `logging` is refused before anything is stored.
  r = call(Role::kDpo, "PUT", "/api/v1/logging", json{{"section", "logging: {}\npolicy: {}\n"}}.dump(),
           "\"v3\"");
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(service_->current_version(), 3u);
}

TEST_F(ApiHandlerTest, TheDpoCannotRedirectTheProvidersSiem) {
  const std::string siem =
      "logging:\n  siem: {host: siem.example, ca: /etc/ca.pem, cert: /etc/c.pem, key: /etc/k.pem}\n";
  auto r = call(Role::kDpo, "PUT", "/api/v1/logging", json{{"section", siem}}.dump(), "\"v2\"");
  ASSERT_EQ(r.status, 403u) << r.body;
  EXPECT_NE(r.body.find("may not change logging.siem"), std::string::npos) << r.body;
  EXPECT_EQ(audit_records().back()["result"], "refused");
  EXPECT_EQ(service_->current_version(), 2u);
}

TEST_F(ApiHandlerTest, ChangesNeedTheCurrentVersionInIfMatch) {
  const std::string body = json{{"config", base_text()}}.dump();
  auto r = call(Role::kProviderAdmin, "PUT", "/api/v1/config", body);
  EXPECT_EQ(r.status, 428u) << r.body;
  r = call(Role::kProviderAdmin, "PUT", "/api/v1/config", body, "\"v1\"");
  EXPECT_EQ(r.status, 412u) << r.body;
  EXPECT_EQ(r.etag, "\"v2\"");
  r = call(Role::kProviderAdmin, "PUT", "/api/v1/config", body, "garbage");
  EXPECT_EQ(r.status, 412u) << r.body;
  EXPECT_EQ(service_->current_version(), 2u);
  r = call(Role::kProviderAdmin, "GET", "/api/v1/config");
  EXPECT_EQ(r.etag, "\"v2\"");
  r = call(Role::kProviderAdmin, "PUT", "/api/v1/config", body, "W/\"v2\"");
  EXPECT_EQ(r.status, 200u) << r.body;
}

TEST_F(ApiHandlerTest, CommitConfirmedRollsBackThroughTheSameService) {
  auto r = call(Role::kProviderAdmin, "PUT", "/api/v1/config",
                json{{"config", routes_change()}, {"confirm_within_ms", 60000}}.dump(), "\"v2\"");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_FALSE(json::parse(r.body)["pending_confirm"].is_null());
  EXPECT_EQ(call(Role::kLocalAdmin, "POST", "/api/v1/config/confirm").status, 200u);
}

TEST_F(ApiHandlerTest, ACertificateWithoutARoleIsRefusedAndAudited) {
  const auto r = call(std::nullopt, "GET", "/api/v1/status");
  EXPECT_EQ(r.status, 403u);
  EXPECT_NE(r.body.find("no OU naming a role"), std::string::npos);
  EXPECT_EQ(audit_records().back()["result"], "refused");
  EXPECT_EQ(handler_->refusals(), 1u);
}

TEST_F(ApiHandlerTest, MalformedRequestsGetAClearAnswer) {
  struct Bad {
    const char* method;
    std::string target;
    std::string body;
    unsigned status;
    const char* says;
  };
  const std::vector<Bad> bad = {
      {"GET", "/api/v1/nothing", "", 404, "no such resource"},
      {"DELETE", "/api/v1/config", "", 405, "not allowed"},
      {"GET", "/api/v1/flows?limit=abc", "", 400, "limit must be a whole number"},
      {"GET", "/api/v1/flows?limit=5&limit=6", "", 400, "given twice"},
      {"GET", "/api/v1/flows?x=%41", "", 400, "not a key=value"},
      {"GET", "/api/v1/flows?other=1", "", 400, "unknown parameter 'other'"},
      {"GET", "/api/v1/config/diff?from=1", "", 400, "needs 'to'"},
      {"GET", "/api/v1/config/versions/x", "", 400, "whole number"},
      {"GET", "/api/v1/config/versions/99", "", 400, "99"},
      {"POST", "/api/v1/config/validate", "{not json", 400, "not JSON"},
      {"POST", "/api/v1/config/validate", "[1]", 400, "JSON object"},
      {"POST", "/api/v1/config/validate", std::string(200, '[') + std::string(200, ']'), 400,
       "nested deeper"},
      {"POST", "/api/v1/config/validate", json{{"config", "x"}, {"colour", 1}}.dump(), 400,
       "unknown field 'colour'"},
      {"POST", "/api/v1/config/validate", json{{"config", "ports: 7\n"}}.dump(), 400, "ports"},
      {"GET", "/api/v1/status?x=1", "", 400, "takes no parameters"},
  };
  for (const auto& b : bad) {
    const auto r = call(Role::kProviderAdmin, b.method, b.target, b.body, "");
    EXPECT_EQ(r.status, b.status) << b.method << " " << b.target << ": " << r.body;
    EXPECT_NE(r.body.find(b.says), std::string::npos) << b.method << " " << b.target << ": " << r.body;
    EXPECT_TRUE(json::accept(r.body)) << r.body;
  }
  EXPECT_EQ(service_->current_version(), 2u);
}

TEST_F(ApiHandlerTest, TheFastPathDownIsAFailureTheClientMayRetry) {
  fastpath_.reachable = false;
  EXPECT_EQ(call(Role::kProviderAdmin, "GET", "/api/v1/stats").status, 503u);
}

}  // namespace
}  // namespace torwart::controlplane::api
