#pragma once
// The management API's operations: method, path, the permission they need, and the torwartd command
// (PROTOCOL.md) they become. One table for the server, torwartctl --host and the test that holds the OpenAPI
// document (openapi.json) to it.
#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "controlplane/management_api/roles.hpp"

namespace torwart::controlplane::api {

// How a route's answer relates to the configuration version (ETag) and what it requires of the request.
enum class VersionUse {
  kNone,
  kReports,   // the answer carries ETag: the current version
  kRequires,  // a change: If-Match with the current version is required (428 without, 412 when stale)
};

struct Route {
  std::string_view method;
  std::string_view path;  // "{version}" stands for a path parameter
  std::string_view command;
  Permission permission;
  VersionUse version_use;
};

inline constexpr std::string_view kApiPrefix = "/api/v1";

inline constexpr std::array kRoutes{
    Route{"GET", "/api/v1/status", "status", Permission::kReadState, VersionUse::kReports},
    Route{"GET", "/api/v1/stats", "stats", Permission::kReadState, VersionUse::kNone},
    Route{"GET", "/api/v1/flows", "flows", Permission::kReadState, VersionUse::kNone},
    Route{"GET", "/api/v1/config", "show", Permission::kReadConfig, VersionUse::kReports},
    Route{"PUT", "/api/v1/config", "commit", Permission::kChangeConfig, VersionUse::kRequires},
    Route{"GET", "/api/v1/config/versions/{version}", "show", Permission::kReadConfig, VersionUse::kNone},
    Route{"GET", "/api/v1/config/history", "history", Permission::kReadConfig, VersionUse::kReports},
    Route{"GET", "/api/v1/config/diff", "diff", Permission::kReadConfig, VersionUse::kNone},
    Route{"GET", "/api/v1/config/export", "export", Permission::kReadConfig, VersionUse::kNone},
    Route{"POST", "/api/v1/config/validate", "validate", Permission::kValidate, VersionUse::kNone},
    Route{"POST", "/api/v1/config/confirm", "confirm", Permission::kChangeConfig, VersionUse::kReports},
    Route{"POST", "/api/v1/config/rollback", "rollback", Permission::kChangeConfig, VersionUse::kRequires},
    Route{"POST", "/api/v1/config/import", "import", Permission::kRestore, VersionUse::kReports},
    Route{"POST", "/api/v1/config/repair", "repair", Permission::kRestore, VersionUse::kNone},
    Route{"GET", "/api/v1/audit", "audit", Permission::kReadAudit, VersionUse::kNone},
    Route{"GET", "/api/v1/logging", "logging", Permission::kReadLogging, VersionUse::kReports},
    Route{"PUT", "/api/v1/logging", "set-logging", Permission::kChangeLogging, VersionUse::kRequires},
    Route{"GET", "/api/v1/openapi.json", "openapi", Permission::kReadApi, VersionUse::kNone},
    Route{"GET", "/metrics", "metrics", Permission::kReadState, VersionUse::kNone},
};

// The route of a torwartd command as torwartctl sends it (for "show": with or without a version).
const Route* route_of_command(std::string_view command, bool with_version = false);

}  // namespace torwart::controlplane::api
