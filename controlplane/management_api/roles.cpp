#include "controlplane/management_api/roles.hpp"

#include <array>

namespace torwart::controlplane::api {
namespace {

struct RoleName {
  Role role;
  std::string_view name;
};
constexpr std::array kRoleNames{
    RoleName{Role::kProviderAdmin, "provider-admin"},
    RoleName{Role::kLocalAdmin, "local-admin"},
    RoleName{Role::kAuditor, "auditor"},
    RoleName{Role::kDpo, "dpo"},
};

}  // namespace

std::string_view to_string(Role role) {
  for (const auto& r : kRoleNames)
    if (r.role == role) return r.name;
  return "?";
}

std::optional<Role> role_named(std::string_view name) {
  for (const auto& r : kRoleNames)
    if (r.name == name) return r.role;
  return std::nullopt;
}

std::string_view to_string(Permission permission) {
  switch (permission) {
    case Permission::kReadState:
      return "read-state";
    case Permission::kReadConfig:
      return "read-config";
    case Permission::kValidate:
      return "validate";
    case Permission::kChangeConfig:
      return "change-config";
    case Permission::kRestore:
      return "restore";
    case Permission::kReadAudit:
      return "read-audit";
    case Permission::kReadLogging:
      return "read-logging";
    case Permission::kChangeLogging:
      return "change-logging";
    case Permission::kReadApi:
      return "read-api";
  }
  return "?";
}

bool holds(Role role, Permission permission) {
  using P = Permission;
  switch (role) {
    case Role::kProviderAdmin:
      return true;
    case Role::kLocalAdmin:
      return permission == P::kReadState || permission == P::kReadConfig || permission == P::kValidate ||
             permission == P::kChangeConfig || permission == P::kReadLogging || permission == P::kReadApi;
    case Role::kAuditor:
      return permission == P::kReadState || permission == P::kReadConfig || permission == P::kReadAudit ||
             permission == P::kReadLogging || permission == P::kReadApi;
    case Role::kDpo:
      return permission == P::kReadLogging || permission == P::kChangeLogging || permission == P::kReadApi;
  }
  return false;
}

std::optional<std::set<std::string>> changeable_sections(Role role) {
  switch (role) {
    case Role::kProviderAdmin:
      return std::nullopt;
    case Role::kLocalAdmin:
      return std::set<std::string>{"objects", "policy"};
    case Role::kDpo:
      return std::set<std::string>{"logging"};
    case Role::kAuditor:
      return std::set<std::string>{};
  }
  return std::set<std::string>{};
}

std::set<std::pair<std::string, std::string>> fixed_parts(Role role) {
  if (role == Role::kDpo) return {{"logging", "siem"}};
  return {};
}

}  // namespace torwart::controlplane::api
