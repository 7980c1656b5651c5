// The committed OpenAPI document and the server's route table describe the same API: every route is in
// the document with its method, every operation in the document is a route, and the changes name If-Match.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "controlplane/management_api/api_routes.hpp"
#include "controlplane/management_api/openapi_document.hpp"

namespace torwart::controlplane::api {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const nlohmann::json& document() {
  static const nlohmann::json doc = nlohmann::json::parse(openapi_document());
  return doc;
}

TEST(OpenApi, IsAnOpenApi3Document) {
  EXPECT_EQ(document()["openapi"].get<std::string>().substr(0, 2), "3.");
  EXPECT_TRUE(document()["paths"].is_object());
}

TEST(OpenApi, EveryRouteIsDocumented) {
  for (const auto& route : kRoutes) {
    const auto& paths = document()["paths"];
    ASSERT_TRUE(paths.contains(std::string(route.path))) << route.path;
    const auto& path = paths[std::string(route.path)];
    ASSERT_TRUE(path.contains(lower(route.method))) << route.method << " " << route.path;
    const auto& operation = path[lower(route.method)];
    EXPECT_NE(operation["summary"].get<std::string>().find(std::string(to_string(route.permission))),
              std::string::npos)
        << route.path << ": the summary must name the permission " << to_string(route.permission);
    bool if_match = false;
    for (const auto& p : operation.value("parameters", nlohmann::json::array()))
      if_match |= p.contains("$ref") && p["$ref"] == "#/components/parameters/IfMatch";
    EXPECT_EQ(if_match, route.version_use == VersionUse::kRequires) << route.method << " " << route.path;
    const bool etag = operation["responses"]["200"].contains("headers");
    EXPECT_EQ(etag, route.version_use != VersionUse::kNone) << route.method << " " << route.path;
  }
}

TEST(OpenApi, EveryDocumentedOperationIsARoute) {
  std::set<std::string> routes;
  for (const auto& route : kRoutes) routes.insert(lower(route.method) + " " + std::string(route.path));
  for (const auto& [path, operations] : document()["paths"].items()) {
    for (const auto& [method, operation] : operations.items())
      EXPECT_TRUE(routes.count(method + " " + path))
          << method << " " << path << " is documented but not served";
  }
}

}  // namespace
}  // namespace torwart::controlplane::api
