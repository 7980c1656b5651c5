#pragma once
// Who may do what through the management API. The role comes from the client certificate the provider's CA
// issued: its subject's organizational unit (OU) names exactly one role. Each API operation belongs to one
// permission; a role holds a fixed set of permissions, and the roles that may change the configuration may
// change only their sections of it (README "Management API", "Roles").
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace torwart::controlplane::api {

enum class Role {
  kProviderAdmin,  // the provider's network engineers: everything
  kLocalAdmin,     // the town's own IT: application rules and objects (policy, objects), never the box's
                   // plumbing
  kAuditor,        // read-only: state, configuration, history, audit log
  kDpo,  // data protection officer: the logging section only (what is logged, pseudonyms, retention)
};

enum class Permission {
  kReadState,      // status, stats, flows, metrics
  kReadConfig,     // show, history, diff, export
  kValidate,       // validate a candidate
  kChangeConfig,   // commit, confirm, rollback (within the role's sections)
  kRestore,        // import a history, repair a damaged version
  kReadAudit,      // the audit log
  kReadLogging,    // the logging section of the running configuration
  kChangeLogging,  // replace the logging section
  kReadApi,        // the OpenAPI document
};

// "provider-admin", "local-admin", "auditor", "dpo".
std::string_view to_string(Role role);
std::optional<Role> role_named(std::string_view name);
std::string_view to_string(Permission permission);

bool holds(Role role, Permission permission);

// The top-level configuration sections `role` may change; nullopt: all of them.
std::optional<std::set<std::string>> changeable_sections(Role role);

// Parts of those sections the role must leave as they are, as {section, key}: the dpo decides what is
// logged and for how long, not where the provider's SIEM receives it (logging.siem).
std::set<std::pair<std::string, std::string>> fixed_parts(Role role);

}  // namespace torwart::controlplane::api
