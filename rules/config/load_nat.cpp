#include "rules/config/load_nat.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

namespace torwart::config::detail {
namespace {

constexpr size_t kMaxNatNameLength = 63;
constexpr size_t kMaxNatRules = 256;

bool valid_nat_name(const std::string& name) {
  if (name.empty() || name.size() > kMaxNatNameLength) return false;
  if (!(name[0] >= 'a' && name[0] <= 'z')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

// The first IPv4 address of a port or VLAN, the address NAT translates to.
std::optional<IpAddress> first_ipv4_of(const Config& config, const std::string& interface, bool& exists) {
  exists = false;
  auto first_v4 = [](const std::vector<InterfaceAddress>& addresses) -> std::optional<IpAddress> {
    for (const auto& a : addresses) {
      if (a.address.is_v4()) return a.address;
    }
    return std::nullopt;
  };
  for (const auto& port : config.ports) {
    if (port.name == interface) {
      exists = true;
      return first_v4(port.addresses);
    }
    for (const auto& vlan : port.vlans) {
      if (vlan.name == interface) {
        exists = true;
        return first_v4(vlan.addresses);
      }
    }
  }
  return std::nullopt;
}

class NatReader {
 public:
  NatReader(Reader& reader, const std::set<std::string, std::less<>>& zones, const Config& config)
      : r_(reader), zones_(zones), config_(config) {}

  void read(const YAML::Node& node, Nat& nat) {
    if (!r_.expect_map(node, "nat", {"source", "forwards"})) return;
    if (node["source"]) {
      r_.sequence(node["source"], "nat.source", [&](const YAML::Node& n, const std::string& p) {
        if (auto rule = read_source(n, p)) nat.source.push_back(std::move(*rule));
      });
    }
    if (node["forwards"]) {
      r_.sequence(node["forwards"], "nat.forwards", [&](const YAML::Node& n, const std::string& p) {
        if (auto forward = read_forward(n, p)) nat.forwards.push_back(std::move(*forward));
      });
    }
    if (nat.source.size() + nat.forwards.size() > kMaxNatRules) {
      r_.error(node, "nat",
               std::to_string(nat.source.size() + nat.forwards.size()) + " NAT rules and forwards; at most " +
                   std::to_string(kMaxNatRules));
    }
  }

 private:
  bool read_name(const YAML::Node& node, const std::string& path, std::string& out) {
    if (!node["name"]) {
      r_.error(node, path + ".name", "a NAT rule needs a name");
      return false;
    }
    auto name = r_.string(node["name"], path + ".name");
    if (!name) return false;
    if (!valid_nat_name(*name)) {
      r_.error(node["name"], path + ".name",
               "'" + *name + "': names are 1-63 of a-z, 0-9, '-', '_', '.', starting with a letter");
      return false;
    }
    if (!names_.insert(*name).second) {
      r_.error(node["name"], path + ".name", "NAT rule name '" + *name + "' is used twice");
      return false;
    }
    out = *name;
    return true;
  }

  // The interface under `key`, which must exist and carry an IPv4 address (the address NAT uses).
  std::optional<std::string> read_interface(const YAML::Node& node, const std::string& path,
                                            const char* key) {
    const std::string key_path = Reader::join(path, key);
    if (!node[key]) {
      r_.error(node, key_path, std::string("a NAT rule needs '") + key + "' (an interface name)");
      return std::nullopt;
    }
    auto name = r_.string(node[key], key_path);
    if (!name) return std::nullopt;
    bool exists = false;
    // A DHCP port's address is known only at run time; until it has one, its rules translate nothing
    // (nat_no_address).
    if (!first_ipv4_of(config_, *name, exists) && !address_by_dhcp(*name)) {
      r_.error(node[key], key_path,
               exists ? "interface '" + *name + "' has no IPv4 address to translate to (IPv6 has no NAT)"
                      : "interface '" + *name + "' does not exist");
      return std::nullopt;
    }
    return name;
  }

  bool address_by_dhcp(const std::string& interface) const {
    return std::any_of(config_.ports.begin(), config_.ports.end(),
                       [&](const Port& p) { return p.name == interface && p.address_by_dhcp; });
  }

  // "1024-65535" or a single port.
  bool read_port_range(const YAML::Node& node, const std::string& path, SourceNatRule& rule) {
    auto text = r_.string(node, path);
    if (!text) return false;
    const auto dash = text->find('-');
    const std::string first_text = text->substr(0, dash);
    const std::string last_text = dash == std::string::npos ? *text : text->substr(dash + 1);
    unsigned first = 0, last = 0;
    auto parse = [](const std::string& s, unsigned& v) {
      if (s.empty() || s.size() > 5 || s.find_first_not_of("0123456789") != std::string::npos) return false;
      v = static_cast<unsigned>(std::stoul(s));
      return true;
    };
    if (!parse(first_text, first) || !parse(last_text, last) || first < 1 || last > 65535 || first > last) {
      r_.error(node, path, "'" + *text + "' is not a port range FIRST-LAST within 1-65535 (e.g. 1024-65535)");
      return false;
    }
    rule.first_port = static_cast<uint16_t>(first);
    rule.last_port = static_cast<uint16_t>(last);
    return true;
  }

  std::optional<SourceNatRule> read_source(const YAML::Node& node, const std::string& path) {
    if (!r_.expect_map(node, path, {"name", "out", "from", "translate_to", "ports"})) return std::nullopt;
    SourceNatRule rule;
    bool ok = read_name(node, path, rule.name);
    if (auto out = read_interface(node, path, "out"))
      rule.out_interface = *out;
    else
      ok = false;
    if (node["from"]) {
      r_.sequence(node["from"], path + ".from", [&](const YAML::Node& n, const std::string& p) {
        auto zone = r_.string(n, p);
        if (!zone) {
          ok = false;
        } else if (!zones_.contains(*zone)) {
          r_.error(n, p, "zone '" + *zone + "' is not declared under zones");
          ok = false;
        } else if (std::find(rule.from_zones.begin(), rule.from_zones.end(), *zone) ==
                   rule.from_zones.end()) {
          rule.from_zones.push_back(*zone);
        }
      });
    }
    if (node["translate_to"]) {
      auto to = r_.string(node["translate_to"], path + ".translate_to");
      if (!to || *to != "interface") {
        if (to) {
          r_.error(node["translate_to"], path + ".translate_to",
                   "'" + *to + "': only 'interface' (the out interface's first IPv4 address) is supported");
        }
        ok = false;
      }
    }
    if (node["ports"] && !read_port_range(node["ports"], path + ".ports", rule)) ok = false;
    // Rules on one interface share its address and so its port space: the ranges must agree, or a port
    // would belong to two slices.
    if (ok) {
      auto [at, inserted] = ranges_.emplace(rule.out_interface, std::pair{rule.first_port, rule.last_port});
      if (!inserted && at->second != std::pair{rule.first_port, rule.last_port}) {
        r_.error(node["ports"] ? node["ports"] : node, path + ".ports",
                 "source NAT rules on interface '" + rule.out_interface +
                     "' must use the same port range (another rule uses " + std::to_string(at->second.first) +
                     "-" + std::to_string(at->second.second) + ")");
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    return rule;
  }

  std::optional<uint16_t> read_port(const YAML::Node& node, const std::string& path) {
    auto v = r_.number(node, path, 1, 65535);
    if (!v) return std::nullopt;
    return static_cast<uint16_t>(*v);
  }

  std::optional<PortForward> read_forward(const YAML::Node& node, const std::string& path) {
    if (!r_.expect_map(node, path, {"name", "in", "protocol", "port", "to", "to_port"})) return std::nullopt;
    PortForward forward;
    bool ok = read_name(node, path, forward.name);
    if (auto in = read_interface(node, path, "in"))
      forward.in_interface = *in;
    else
      ok = false;
    if (!node["protocol"]) {
      r_.error(node, path + ".protocol", "a forward needs a protocol (tcp or udp)");
      ok = false;
    } else if (auto p = r_.string(node["protocol"], path + ".protocol")) {
      if (*p == "tcp")
        forward.protocol = kProtoTcp;
      else if (*p == "udp")
        forward.protocol = kProtoUdp;
      else {
        r_.error(node["protocol"], path + ".protocol", "'" + *p + "': expected tcp or udp");
        ok = false;
      }
    } else {
      ok = false;
    }
    if (!node["port"]) {
      r_.error(node, path + ".port", "a forward needs the public port");
      ok = false;
    } else if (auto port = read_port(node["port"], path + ".port")) {
      forward.port = *port;
    } else {
      ok = false;
    }
    if (!node["to"]) {
      r_.error(node, path + ".to", "a forward needs the internal server's IPv4 address");
      ok = false;
    } else if (auto text = r_.string(node["to"], path + ".to")) {
      auto address = IpAddress::parse(*text);
      if (!address || !address->is_v4()) {
        r_.error(node["to"], path + ".to", "'" + *text + "' is not an IPv4 address (IPv6 has no NAT)");
        ok = false;
      } else {
        forward.to = *address;
      }
    } else {
      ok = false;
    }
    forward.to_port = forward.port;
    if (node["to_port"]) {
      if (auto port = read_port(node["to_port"], path + ".to_port"))
        forward.to_port = *port;
      else
        ok = false;
    }
    if (ok) {
      auto key = std::tuple{forward.in_interface, forward.protocol, forward.port};
      auto [at, inserted] = forwarded_.emplace(key, forward.name);
      if (!inserted) {
        r_.error(node["port"], path + ".port",
                 std::string(forward.protocol == kProtoTcp ? "tcp" : "udp") + "/" +
                     std::to_string(forward.port) + " on '" + forward.in_interface +
                     "' is already forwarded by '" + at->second + "'");
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    return forward;
  }

  Reader& r_;
  const std::set<std::string, std::less<>>& zones_;
  const Config& config_;
  std::set<std::string, std::less<>> names_;
  std::map<std::string, std::pair<uint16_t, uint16_t>> ranges_;
  std::map<std::tuple<std::string, uint8_t, uint16_t>, std::string> forwarded_;
};

}  // namespace

void read_nat(Reader& reader, const YAML::Node& root, const std::set<std::string, std::less<>>& zones,
              Config& config) {
  if (!root["nat"]) return;
  NatReader(reader, zones, config).read(root["nat"], config.nat);
}

namespace {

// Whether the rule's service list lets the forward's traffic through, before or after translation.
bool service_covers(const PolicyRule& rule, const PortForward& forward) {
  return std::any_of(rule.service.begin(), rule.service.end(), [&](const ServiceItem& item) {
    auto in_range = [&](uint16_t port) { return item.first_port <= port && port <= item.last_port; };
    return item.protocol == forward.protocol && (in_range(forward.port) || in_range(forward.to_port));
  });
}

// A rule "about" the forward names its public address; a rule for a whole outside network with any service
// is not about a single forward and is left alone.
bool names_public_address(const PolicyRule& rule, const PortForward& forward,
                          const IpAddress& public_address) {
  auto contains = [&](const IpAddress& address) {
    return std::any_of(rule.destination.begin(), rule.destination.end(),
                       [&](const IpPrefix& p) { return p.contains(address); });
  };
  if (rule.action != PolicyAction::kAccept || !contains(public_address) || contains(forward.to)) return false;
  if (!rule.service.empty()) return service_covers(rule, forward);
  return std::any_of(rule.destination.begin(), rule.destination.end(),
                     [&](const IpPrefix& p) { return p.length == 32 && p.address == public_address; });
}

}  // namespace

void warn_about_forwards(Reader& reader, const YAML::Node& root, const Config& config) {
  if (!reader.errors().empty() || config.nat.forwards.empty()) return;
  if (!root["policy"] || !root["policy"]["rules"]) return;
  const YAML::Node rules = root["policy"]["rules"];
  for (size_t i = 0; i < config.policy.rules.size() && i < rules.size(); ++i) {
    const PolicyRule& rule = config.policy.rules[i];
    for (size_t f = 0; f < config.nat.forwards.size(); ++f) {
      const PortForward& forward = config.nat.forwards[f];
      bool exists = false;
      const auto public_address = first_ipv4_of(config, forward.in_interface, exists);
      if (!public_address || !names_public_address(rule, forward, *public_address)) continue;
      const std::string rule_path = Reader::index("policy.rules", i);
      reader.warning(
          rules[i]["destination"], rule_path + ".destination",
          "rule '" + rule.name + "' accepts " + public_address->to_string() +
              ", the public address of port forward '" + forward.name + "' (" +
              Reader::index("nat.forwards", f) +
              "); the policy sees forwarded connections after translation, addressed to the server " +
              forward.to.to_string() + " port " + std::to_string(forward.to_port) +
              ", so this rule matches none of them: name " + forward.to.to_string() + " instead");
    }
  }
}

}  // namespace torwart::config::detail
