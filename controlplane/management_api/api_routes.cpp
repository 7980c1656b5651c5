#include "controlplane/management_api/api_routes.hpp"

namespace torwart::controlplane::api {

const Route* route_of_command(std::string_view command, bool with_version) {
  for (const auto& route : kRoutes) {
    if (route.command != command) continue;
    if (command == "show" && (route.path.find("{version}") != std::string_view::npos) != with_version)
      continue;
    return &route;
  }
  return nullptr;
}

}  // namespace torwart::controlplane::api
