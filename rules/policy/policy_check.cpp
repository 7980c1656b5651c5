#include "rules/policy/policy_check.hpp"

#include <map>

#include "rules/policy/expand.hpp"

namespace torwart::policy {

ZoneIndexLookup zones_in_config_order(const config::Config& config) {
  std::map<std::string, unsigned, std::less<>> index;
  for (const auto& zone : config.zones) index.emplace(zone.name, static_cast<unsigned>(index.size()));
  index.emplace(config::kLocalZone, config::kLocalZoneIndex);
  return [index = std::move(index)](std::string_view name) -> std::optional<unsigned> {
    auto it = index.find(name);
    if (it == index.end()) return std::nullopt;
    return it->second;
  };
}

std::string CompileError::to_string() const {
  return rule.empty() ? "policy: " + reason : "policy rule '" + rule + "': " + reason;
}

std::vector<ZonedRule> zone_rules(const config::Config& config, const ZoneIndexLookup& zone_index,
                                  std::vector<CompileError>& errors) {
  const auto& rules = config.policy.rules;
  if (rules.size() >= kMaxPolicyRules) {
    errors.push_back({"", std::to_string(rules.size()) + " rules are more than rte_acl can order"});
    return {};
  }

  std::vector<ZonedRule> zoned(rules.size());
  for (size_t i = 0; i < rules.size(); ++i) {
    zoned[i].rule = &rules[i];
    auto resolve = [&](const std::vector<std::string>& names, std::vector<uint8_t>& out) {
      for (const auto& name : names) {
        const auto index = zone_index(name);
        if (!index) {
          errors.push_back({rules[i].name, "zone '" + name + "' has no index in the dataplane"});
        } else if (*index > 0xff) {
          errors.push_back({rules[i].name, "zone '" + name + "' has index " + std::to_string(*index) +
                                               "; the classifier holds zone indices up to 255"});
        } else {
          out.push_back(static_cast<uint8_t>(*index));
        }
      }
    };
    resolve(rules[i].from_zones, zoned[i].from_zones);
    resolve(rules[i].to_zones, zoned[i].to_zones);
    const uint64_t entries =
        expansion_size(zoned[i], config::Family::kIpv4) + expansion_size(zoned[i], config::Family::kIpv6);
    if (entries > kMaxEntriesPerRule) {
      errors.push_back(
          {rules[i].name, "expands into " + std::to_string(entries) +
                              " classifier entries (zones x sources x destinations x services); at most " +
                              std::to_string(kMaxEntriesPerRule) + ": split the rule or its objects"});
    }
  }
  return zoned;
}

std::vector<CompileError> check_policy(const config::Config& config, const ZoneIndexLookup& zone_index) {
  std::vector<CompileError> errors;
  zone_rules(config, zone_index, errors);
  return errors;
}

}  // namespace torwart::policy
