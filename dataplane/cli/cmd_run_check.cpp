#include <iostream>

#include <nlohmann/json.hpp>

#include "dataplane/cli/commands.hpp"
#include "dataplane/cli/config_input.hpp"
#include "dataplane/live/platform_requests.hpp"
#include "dataplane/live/runtime.hpp"
#include "dataplane/pipeline/signature_loader.hpp"
#include "rules/policy/compiled_policy.hpp"

namespace torwart::cli {

int cmd_run(const std::string& config_path, const std::string& log_dir) {
  auto loaded = load_config_or_report(config_path);
  if (!loaded) return kExitBadInput;
  try {
    return dataplane::live::run_appliance(loaded->config, {loaded->text, loaded->origin, log_dir});
  } catch (const std::exception& e) {
    std::cerr << "torwart run: " << e.what() << "\n";
    return kExitFailure;
  }
}

int cmd_check(const std::string& config_path, bool json) {
  auto loaded = load_config_or_report(config_path);
  if (!loaded) {
    if (json) std::cout << nlohmann::json{{"valid", false}}.dump() << "\n";
    return kExitBadInput;
  }
  const auto& config = loaded->config;
  for (const auto& w : loaded->warnings) std::cerr << "warning: " << w.to_string() << "\n";
  // Limits `run` would refuse at start-up, checked here without touching DPDK.
  const unsigned needed = platform::minimum_mbufs(dataplane::mbuf_demand(config));
  if (config.dataplane.mbufs < needed) {
    std::cerr << loaded->origin << ": dataplane.mbufs: " << config.dataplane.mbufs
              << " buffers are too few for " << config.ports.size() << " ports with "
              << config.dataplane.workers << " workers; need at least " << needed << "\n";
    return kExitBadInput;
  }
  const auto policy_errors = policy::CompiledPolicy::check(config, policy::zones_in_config_order(config));
  for (const auto& e : policy_errors) std::cerr << loaded->origin << ": " << e.to_string() << "\n";
  if (!policy_errors.empty()) {
    if (json) std::cout << nlohmann::json{{"valid", false}}.dump() << "\n";
    return kExitBadInput;
  }
  // The signature set `run` would build (warming the database cache): rule files that cannot be read or a
  // bad variable refuse the configuration; rules the engine skips are warnings.
  nlohmann::json signatures;
  if (config.ids.enabled()) {
    dataplane::SignatureLoader loader(config.ids.cache_dir);
    try {
      const auto set = loader.load(config.ids, 1, std::cerr, loaded->origin + ": ids: ");
      signatures = dataplane::SignatureLoader::describe(*set, loader.last_cost());
    } catch (const std::exception& e) {
      std::cerr << loaded->origin << ": ids: " << e.what() << "\n";
      if (json) std::cout << nlohmann::json{{"valid", false}}.dump() << "\n";
      return kExitBadInput;
    }
  }
  size_t interfaces = 0;
  for (const auto& p : config.ports) interfaces += 1 + p.vlans.size();
  if (json) {
    nlohmann::json verdict{{"valid", true},
                           {"ports", config.ports.size()},
                           {"interfaces", interfaces},
                           {"zones", config.zones.size()},
                           {"routes", config.routes.size()},
                           {"neighbours", config.neighbours.size()},
                           {"policy_rules", config.policy.rules.size()},
                           {"vpn_tunnels", config.vpn.tunnels.size()}};
    if (!signatures.is_null()) verdict["signatures"] = signatures;
    if (!loaded->warnings.empty()) {
      verdict["warnings"] = nlohmann::json::array();
      for (const auto& w : loaded->warnings) verdict["warnings"].push_back(w.to_string());
    }
    std::cout << verdict.dump() << "\n";
  } else {
    std::cout << loaded->origin << ": valid: " << config.ports.size() << " ports, " << interfaces
              << " interfaces, " << config.zones.size() << " zones, " << config.routes.size() << " routes, "
              << config.neighbours.size() << " static neighbours, " << config.policy.rules.size()
              << " policy rules, " << config.vpn.tunnels.size() << " VPN tunnels\n";
  }
  return kExitOk;
}

}  // namespace torwart::cli
