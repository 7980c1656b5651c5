#include "rules/config/load_management.hpp"

#include <algorithm>
#include <string>

namespace torwart::config::detail {
namespace {

// Linux interface names: 1-15 bytes, no '/', no whitespace, not "." or "..".
bool valid_kernel_interface(const std::string& name) {
  if (name.empty() || name.size() > 15 || name == "." || name == "..") return false;
  return std::none_of(name.begin(), name.end(),
                      [](char c) { return c == '/' || c == ':' || c == ' ' || c == '\t' || c == '\n'; });
}

// The YAML node of ports[i].device, for the error's place (the port itself when it has no device key).
YAML::Node device_node(const YAML::Node& root, size_t i) {
  const YAML::Node port = root["ports"][i];
  return port["device"] ? port["device"] : port;
}

}  // namespace

void read_management(Reader& r, const YAML::Node& root, Config& config) {
  const YAML::Node node = root["management"];
  if (!node) return;
  const std::string path = "management";
  if (!r.expect_map(node, path, {"interface", "pci", "provider"})) return;
  Management management;
  if (!node["interface"]) {
    r.error(node, path + ".interface", "the management section needs the kernel interface it protects");
  } else if (auto name = r.string(node["interface"], path + ".interface")) {
    if (valid_kernel_interface(*name)) {
      management.interface = *name;
    } else {
      r.error(node["interface"], path + ".interface",
              "'" + *name + "' is not a Linux interface name (1-15 bytes)");
    }
  }
  if (node["pci"]) {
    if (auto pci = r.string(node["pci"], path + ".pci")) management.pci = *pci;
  }
  if (node["provider"]) {
    r.sequence(node["provider"], path + ".provider", [&](const YAML::Node& n, const std::string& p) {
      auto text = r.string(n, p);
      if (!text) return;
      auto prefix = IpPrefix::parse(*text);
      if (!prefix) {
        r.error(n, p, "'" + *text + "' is not a prefix such as 198.51.100.0/28 or 2001:db8::/48");
      } else {
        management.provider.push_back(*prefix);
      }
    });
  }
  // By construction the fast path can never see management traffic: its interface is the kernel's. A port on
  // the same device would hand it to DPDK and cut the provider off, whatever the policy says.
  for (size_t i = 0; i < config.ports.size(); ++i) {
    const Port& port = config.ports[i];
    const bool on_interface = (port.backend == PortBackend::kAfPacket || port.backend == PortBackend::kTap) &&
                              !management.interface.empty() && port.device == management.interface;
    const bool on_nic =
        port.backend == PortBackend::kPci && !management.pci.empty() && port.device == management.pci;
    if (on_interface || on_nic) {
      r.error(
          device_node(root, i), Reader::index("ports", i) + ".device",
          "'" + port.device + "' is the management " + (on_nic ? "NIC (management.pci)" : "interface") +
              ": a fast-path port on it would lock the provider out (anti-lockout); manage through another "
              "interface or change management first");
    }
  }
  config.management = std::move(management);
}

}  // namespace torwart::config::detail
