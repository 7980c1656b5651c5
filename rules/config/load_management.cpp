#include "rules/config/load_management.hpp"

#include <algorithm>
#include <string>
#include <string_view>

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

// `vlan` is a kernel VLAN interface on `parent` by the usual naming, `parent.ID` (ip link add link eth9 name
// eth9.100 type vlan id 100; vconfig's default). Other names for a VLAN interface cannot be told from the
// text.
bool vlan_of(const std::string& vlan, const std::string& parent) {
  if (parent.empty() || vlan.size() <= parent.size() + 1 || !vlan.starts_with(parent) ||
      vlan[parent.size()] != '.')
    return false;
  const std::string_view id = std::string_view(vlan).substr(parent.size() + 1);
  return std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Why `port` takes the management interface away from the kernel, or empty. af_packet and pcap attach to an
// existing kernel interface (`iface=` of their vdev), tap creates one by that name, pci takes the whole NIC.
std::string takes_management(const Port& port, const Management& management) {
  switch (port.backend) {
    case PortBackend::kPci:
      return !management.pci.empty() && port.device == management.pci
                 ? "is the management NIC (management.pci)"
                 : "";
    case PortBackend::kAfPacket:
    case PortBackend::kPcap:
      if (management.interface.empty()) return "";
      if (port.device == management.interface) return "is the management interface";
      // A VLAN's frames and its parent's share the wire: a port on either side would take the other's.
      if (vlan_of(port.device, management.interface))
        return "is a VLAN of the management interface '" + management.interface + "'";
      if (vlan_of(management.interface, port.device))
        return "carries the management interface '" + management.interface + "' as a VLAN";
      return "";
    case PortBackend::kTap: {
      const std::string& created = port.device.empty() ? port.name : port.device;  // as the vdev names it
      return !management.interface.empty() && created == management.interface ? "is the management interface"
                                                                              : "";
    }
    case PortBackend::kNull:
    case PortBackend::kRing:
      return "";
  }
  return "";
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
    if (const std::string why = takes_management(port, management); !why.empty()) {
      r.error(
          device_node(root, i), Reader::index("ports", i) + ".device",
          "'" + (port.device.empty() ? port.name : port.device) + "' " + why +
              ": a fast-path port on it would lock the provider out (anti-lockout); manage through another "
              "interface or change management first");
    }
  }
  config.management = std::move(management);
}

}  // namespace torwart::config::detail
