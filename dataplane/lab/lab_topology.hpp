#pragma once
// The lab's namespaces and veths, matching the built-in default configuration: one namespace for the
// appliance (holding tw-lan, tw-kdn, tw-inet) and one per neighbour (LAN client, KDN router+server, inet
// router+server), each joined to the appliance by a veth whose host end is called eth0.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dataplane/lab/netns.hpp"
#include "rules/config/config.hpp"

namespace torwart::lab {

struct EndHost {
  std::string role;              // "lan", "kdn", "inet": also the appliance port's name
  std::string appliance_device;  // the veth end in the appliance namespace, as in the config
  std::string mac;
  std::vector<std::string> addresses;                       // on eth0, with prefix length
  std::vector<std::string> loopback;                        // server addresses on lo (host prefixes)
  std::vector<std::pair<std::string, std::string>> routes;  // destination, via
};

inline constexpr char kHostDevice[] = "eth0";

// The three neighbours of the default configuration.
const std::vector<EndHost>& end_hosts();

// The default configuration with dataplane.control_socket replaced; loaded and checked against end_hosts()
// (throws std::runtime_error listing every mismatch).
// `signature_file`: when given, an `ids` section runs it inline (mode ips).
std::string lab_config_text(const std::string& control_socket, const std::string& signature_file = "");
config::Config load_lab_config(const std::string& text);
// `rules` (YAML list items, indented by four) put first in policy.rules of a configuration text in the
// default's layout; throws std::runtime_error when the text has no `  rules:` line.
std::string with_policy_rules(std::string text, const std::string& rules);

struct Topology {
  std::unique_ptr<Namespace> appliance;
  std::unique_ptr<Namespace> lan;
  std::unique_ptr<Namespace> kdn;
  std::unique_ptr<Namespace> inet;

  const Namespace& host(const std::string& role) const;
};

// `prefix` makes the namespace names unique per run ("<prefix>-app", "<prefix>-lan", ...).
// kernel_router: the harness self-test (see ApplianceKind::kKernelRouterSelfTest).
Topology build_topology(const std::string& prefix, const config::Config& config, bool kernel_router);

// Deletes namespaces named "twlab<pid>-..." whose pid no longer runs (left by a run that was SIGKILLed).
void remove_stale_lab_namespaces();
inline constexpr char kNamespacePrefix[] = "twlab";

}  // namespace torwart::lab
