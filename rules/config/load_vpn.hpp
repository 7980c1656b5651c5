#pragma once
// Reads the `vpn` section (FORMAT.md "vpn"): IPsec site-to-site tunnels that charon runs. Every algorithm,
// certificate and pre-shared key is held against BSI TR-02102-3 here (rules/config/vpn_tr02102.hpp), so
// that `torwart check` and a commit refuse what the guideline excludes, each with its place.
#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "rules/config/config.hpp"
#include "rules/config/yaml_reader.hpp"

namespace torwart::config::detail {

// `root` is the document's top-level mapping; reads after the zones and ports, whose names and connected
// networks the tunnels are checked against.
// Also adds each tunnel's zone vpn-<name> to config.zones.
void read_vpn(Reader& reader, const YAML::Node& root, Config& config);

// The zones vpn-<name> of the tunnels the document declares (valid names only), for the readers of rules and
// NAT, which run before read_vpn and may name them.
std::vector<std::string> tunnel_zone_names(const YAML::Node& root);

// Empty when `id` is an IKE identity this box writes into swanctl.conf: an IP address, `fqdn:NAME`,
// `email:USER@NAME`, or a distinguished name of KEY=value parts (C, ST, L, O, OU, CN, ...) separated by
// commas; printable ASCII without '"', '\', '{', '}', '#', '$' (which swanctl.conf's syntax would read).
std::string ike_identity_problem(std::string_view id);

// 1-11 of a-z 0-9 '-', starting with a letter: `vpn-<name>` is a zone name of at most 15.
bool valid_tunnel_name(std::string_view name);

}  // namespace torwart::config::detail
