#include "controlplane/config_store/validate.hpp"

#include <stdexcept>
#include <variant>

#include "rules/config/load.hpp"
#include "rules/policy/policy_check.hpp"

namespace torwart::controlplane {

std::vector<std::string> validate_config(std::string_view text, std::string_view file_name) {
  std::vector<std::string> errors;
  auto loaded = config::load_config_text(text, file_name);
  if (auto* load_errors = std::get_if<std::vector<config::ConfigError>>(&loaded)) {
    for (const auto& e : *load_errors) errors.push_back(e.to_string());
    return errors;
  }
  const auto& config = std::get<config::Config>(loaded);
  for (const auto& e : policy::check_policy(config, policy::zones_in_config_order(config))) {
    errors.push_back(std::string(file_name) + ": " + e.to_string());
  }
  return errors;
}

std::string management_guard_error(std::string_view current_text, std::string_view candidate_text) {
  const auto current = config::load_config_text(current_text, "current");
  const auto candidate = config::load_config_text(candidate_text, "candidate");
  const auto* running = std::get_if<config::Config>(&current);
  const auto* next = std::get_if<config::Config>(&candidate);
  if (running == nullptr || next == nullptr || !running->management || next->management) return {};
  return "anti-lockout: the current version protects management interface '" +
         running->management->interface + "'; a commit may change the management section but not remove it";
}

}  // namespace torwart::controlplane
