#include "rules/config/load.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "platform/posix/bounded_read.hpp"
#include "rules/config/load_ids.hpp"
#include "rules/config/load_inspection.hpp"
#include "rules/config/load_local_traffic.hpp"
#include "rules/config/load_management.hpp"
#include "rules/config/load_nat.hpp"
#include "rules/config/load_policy.hpp"
#include "rules/config/load_siem.hpp"
#include "rules/config/load_syn_flood.hpp"
#include "rules/config/load_vpn.hpp"
#include "rules/config/memory_need.hpp"
#include "rules/config/yaml_reader.hpp"

namespace torwart::config {
namespace {

using detail::Reader;

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 15) return false;  // fits a Linux interface name
  if (!(name[0] >= 'a' && name[0] <= 'z')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

const std::map<std::string, PortBackend, std::less<>> kBackends = {
    {"pci", PortBackend::kPci}, {"af_packet", PortBackend::kAfPacket}, {"pcap", PortBackend::kPcap},
    {"tap", PortBackend::kTap}, {"null", PortBackend::kNull},          {"ring", PortBackend::kRing}};

// A 2 KiB packet buffer holds an Ethernet frame with one VLAN tag up to this MTU.
constexpr unsigned kMaxMtuWithoutJumbo = 2026;
constexpr size_t kMaxPortsInConfig = 32;

const std::set<std::string, std::less<>> kRoles = {"lan",  "kdn",  "inet",     "dmz",    "guest",
                                                   "voip", "wlan", "transfer", "mirror", "server"};

class ConfigBuilder {
 public:
  explicit ConfigBuilder(Reader& reader) : r_(reader) {}

  Config build(const YAML::Node& root) {
    Config config;
    if (!r_.expect_map(
            root, "",
            {"format", "name", "dataplane", "zones", "ports", "routes", "neighbours", "objects", "policy",
             "nat", "management", "logging", "inspection", "ids", "local_traffic", "vpn"})) {
      return config;
    }
    if (root["format"]) {
      if (auto v = r_.number(root["format"], "format", 1, 1)) config.format = *v;
    }
    if (root["name"]) {
      if (auto v = r_.string(root["name"], "name")) config.name = *v;
    }
    if (root["dataplane"]) read_dataplane(root["dataplane"], config.dataplane);
    if (root["zones"]) {
      r_.sequence(root["zones"], "zones",
                  [&](const YAML::Node& n, const std::string& p) { read_zone(n, p, config); });
    }
    if (!root["ports"]) {
      r_.error(root, "ports", "at least one port is required");
    } else {
      r_.sequence(root["ports"], "ports",
                  [&](const YAML::Node& n, const std::string& p) { read_port(n, p, config); });
      if (root["ports"].IsSequence() && root["ports"].size() > kMaxPortsInConfig) {
        r_.error(
            root["ports"], "ports",
            std::to_string(root["ports"].size()) + " ports; at most " + std::to_string(kMaxPortsInConfig));
      }
    }
    if (root["routes"]) {
      r_.sequence(root["routes"], "routes",
                  [&](const YAML::Node& n, const std::string& p) { read_route(n, p, config); });
    }
    if (root["neighbours"]) {
      r_.sequence(root["neighbours"], "neighbours",
                  [&](const YAML::Node& n, const std::string& p) { read_neighbour(n, p, config); });
    }
    for (const std::string& zone : detail::tunnel_zone_names(root)) zone_names_.insert(zone);
    detail::read_objects_and_policy(r_, root, zone_names_, config);
    detail::read_nat(r_, root, zone_names_, config);
    detail::read_management(r_, root, config);
    detail::read_vpn(r_, root, config);
    if (root["logging"]) read_logging(root["logging"], config.logging);
    if (root["inspection"]) detail::read_inspection(r_, root["inspection"], config.inspection);
    if (root["local_traffic"]) detail::read_local_traffic(r_, root["local_traffic"], config.local_traffic);
    if (root["ids"]) detail::read_ids(r_, root["ids"], config.ids);
    check_memory(root, config.dataplane.memory_mb, memory_need(config));
    return config;
  }

 private:
  // `run` hands DPDK exactly memory_mb; what does not fit fails the start or, worse, a later commit.
  void check_memory(const YAML::Node& root, unsigned memory_mb, const MemoryNeed& need) {
    if (memory_mb >= need.megabytes()) return;
    auto mb = [](uint64_t bytes) { return std::to_string((bytes + (1u << 20) - 1) >> 20) + " MB"; };
    const YAML::Node dataplane = root["dataplane"];
    const YAML::Node at = dataplane && dataplane.IsMap() && dataplane["memory_mb"] ? dataplane["memory_mb"]
                          : dataplane                                              ? dataplane
                                                                                   : root;
    r_.error(at, "dataplane.memory_mb",
             std::to_string(memory_mb) + " MB is too little: this configuration needs at least " +
                 std::to_string(need.megabytes()) + " MB (packet buffers " + mb(need.packet_buffers) + ", " +
                 std::to_string(need.workers) + " x " + mb(need.per_worker) + " per worker for flows, 2 x " +
                 mb(need.snapshot) +
                 " for the route tables and policy of the running and a reloaded snapshot, " +
                 mb(need.fixed) +
                 " for DPDK itself and the queues); raise memory_mb or lower mbufs or flows_per_worker");
  }

  void read_logging(const YAML::Node& node, Logging& logging) {
    const std::string path = "logging";
    if (!r_.expect_map(
            node, path,
            {"eve_file_mb", "eve_spool_mb", "retention_days", "app_records", "pseudonymise", "siem"}))
      return;
    if (node["siem"]) detail::read_siem(r_, node["siem"], path + ".siem", logging);
    if (node["pseudonymise"])
      detail::read_pseudonymise(r_, node["pseudonymise"], path + ".pseudonymise", logging);
    if (node["app_records"])
      detail::read_app_records(r_, node["app_records"], path + ".app_records", logging);
    if (node["eve_file_mb"]) {
      if (auto v = r_.number(node["eve_file_mb"], path + ".eve_file_mb", 1, 4096)) logging.eve_file_mb = *v;
    }
    if (node["eve_spool_mb"]) {
      if (auto v = r_.number(node["eve_spool_mb"], path + ".eve_spool_mb", 2, 1u << 20))
        logging.eve_spool_mb = *v;
    }
    if (node["retention_days"]) {
      if (auto v = r_.number(node["retention_days"], path + ".retention_days", 1, 3650))
        logging.retention_days = *v;
    }
    if (logging.eve_spool_mb < 2 * logging.eve_file_mb) {
      r_.error(node, path + ".eve_spool_mb",
               std::to_string(logging.eve_spool_mb) + " MiB cannot hold two files of eve_file_mb " +
                   std::to_string(logging.eve_file_mb) + " MiB (the active one and one waiting)");
    }
  }

  void read_dataplane(const YAML::Node& node, Dataplane& d) {
    const std::string path = "dataplane";
    if (!r_.expect_map(node, path,
                       {"workers", "cpus", "hugepages", "memory_mb", "mbufs", "burst", "rx_descriptors",
                        "tx_descriptors", "distribution", "control_socket", "stats_interval", "idle_sleep_us",
                        "flows_per_worker"})) {
      return;
    }
    if (node["workers"]) {
      if (auto v = r_.number(node["workers"], path + ".workers", 1, 16)) d.workers = *v;
    }
    if (node["cpus"]) {
      d.cpus.clear();
      r_.sequence(node["cpus"], path + ".cpus", [&](const YAML::Node& n, const std::string& p) {
        if (auto v = r_.number(n, p, 0, 1023)) d.cpus.push_back(*v);
      });
      if (d.cpus.empty()) r_.error(node["cpus"], path + ".cpus", "at least one CPU is required");
    }
    if (node["hugepages"]) {
      if (auto v = r_.boolean(node["hugepages"], path + ".hugepages")) d.hugepages = *v;
    }
    if (node["memory_mb"]) {
      if (auto v = r_.number(node["memory_mb"], path + ".memory_mb", 64, 1 << 20)) d.memory_mb = *v;
    }
    if (node["mbufs"]) {
      if (auto v = r_.number(node["mbufs"], path + ".mbufs", 1023, 1u << 24)) d.mbufs = *v;
    }
    if (node["burst"]) {
      if (auto v = r_.number(node["burst"], path + ".burst", 1, 64)) d.burst = *v;
    }
    if (node["rx_descriptors"]) {
      if (auto v = r_.number(node["rx_descriptors"], path + ".rx_descriptors", 64, 16384))
        d.rx_descriptors = *v;
    }
    if (node["tx_descriptors"]) {
      if (auto v = r_.number(node["tx_descriptors"], path + ".tx_descriptors", 64, 16384))
        d.tx_descriptors = *v;
    }
    if (node["distribution"]) {
      if (auto v = r_.string(node["distribution"], path + ".distribution")) {
        if (*v == "auto")
          d.distribution = Distribution::kAuto;
        else if (*v == "rss")
          d.distribution = Distribution::kRss;
        else if (*v == "software")
          d.distribution = Distribution::kSoftware;
        else
          r_.error(node["distribution"], path + ".distribution", "expected auto, rss or software");
      }
    }
    if (node["control_socket"]) {
      if (auto v = r_.string(node["control_socket"], path + ".control_socket")) {
        if (v->empty() || (*v)[0] != '/' || v->size() > 100) {
          r_.error(node["control_socket"], path + ".control_socket",
                   "expected an absolute path of at most 100 bytes");
        } else {
          d.control_socket = *v;
        }
      }
    }
    if (node["stats_interval"]) {
      if (auto v = r_.seconds(node["stats_interval"], path + ".stats_interval", 86400)) {
        if (*v == 0)
          r_.error(node["stats_interval"], path + ".stats_interval", "must be at least 1s");
        else
          d.stats_interval_s = *v;
      }
    }
    if (node["flows_per_worker"]) {
      if (auto v = r_.number(node["flows_per_worker"], path + ".flows_per_worker", 1024, 1u << 24))
        d.flows_per_worker = *v;
    }
    if (node["idle_sleep_us"]) {
      if (auto v = r_.number(node["idle_sleep_us"], path + ".idle_sleep_us", 0, 10000)) d.idle_sleep_us = *v;
    }
  }

  void read_zone(const YAML::Node& node, const std::string& path, Config& config) {
    if (!r_.expect_map(node, path, {"name", "antispoof", "syn_flood"})) return;
    Zone zone;
    if (!node["name"]) {
      r_.error(node, path + ".name", "a zone needs a name");
    } else if (auto v = r_.string(node["name"], path + ".name")) {
      if (!valid_name(*v))
        r_.error(node["name"], path + ".name",
                 "names are 1-15 of a-z, 0-9, '-', '_', starting with a letter");
      zone.name = *v;
    }
    if (node["antispoof"]) {
      if (auto v = r_.boolean(node["antispoof"], path + ".antispoof")) zone.antispoof = *v;
    }
    if (node["syn_flood"]) detail::read_syn_flood(r_, node["syn_flood"], path + ".syn_flood", zone.syn_flood);
    if (zone.name == kLocalZone) {
      r_.error(node["name"], path + ".name",
               "`local` is the box itself (policy rules name it in from/to); it cannot be declared");
    } else if (!zone.name.empty() && !zone_names_.insert(zone.name).second) {
      r_.error(node["name"], path + ".name", "zone '" + zone.name + "' is declared twice");
    } else if (zone_names_.size() > kMaxZones) {
      r_.error(node["name"], path + ".name", "more than " + std::to_string(kMaxZones) + " zones");
    }
    config.zones.push_back(std::move(zone));
  }

  void read_addresses(const YAML::Node& node, const std::string& path, std::vector<InterfaceAddress>& out) {
    r_.sequence(node, path, [&](const YAML::Node& n, const std::string& p) {
      auto text = r_.string(n, p);
      if (!text) return;
      auto parsed = InterfaceAddress::parse(*text);
      if (!parsed) {
        r_.error(n, p,
                 "'" + *text + "' is not an address with prefix length (e.g. 192.0.2.1/24, 2001:db8::1/64)");
        ++refused_addresses_;
        return;
      }
      if (!address_owner_.emplace(parsed->address, p).second) {
        r_.error(n, p,
                 "address " + parsed->address.to_string() + " is already used at " +
                     address_owner_[parsed->address]);
        return;
      }
      out.push_back(*parsed);
    });
  }

  void claim_interface_name(const YAML::Node& node, const std::string& path, const std::string& name) {
    if (!valid_name(name)) {
      r_.error(node, path, "names are 1-15 of a-z, 0-9, '-', '_', '.', starting with a letter");
    } else if (!interface_names_.insert(name).second) {
      r_.error(node, path, "interface name '" + name + "' is used twice");
    }
  }

  // Ports on real or veth devices get a twin by default; a monitoring port serves nothing, a tap port already
  // is a kernel interface, and null, ring and pcap ports are test devices.
  void read_kernel_twin(const YAML::Node& node, const std::string& path, Port& port) {
    const bool wired = port.backend == PortBackend::kPci || port.backend == PortBackend::kAfPacket;
    port.kernel_twin = wired && port.role != "mirror";
    const YAML::Node& given = node["kernel_twin"];
    if (given) {
      const auto v = r_.boolean(given, path + ".kernel_twin");
      if (!v) return;
      port.kernel_twin = *v;
    }
    if (!port.kernel_twin) return;
    const YAML::Node& at = given ? given : node;
    if (port.role == "mirror") {
      r_.error(at, path + ".kernel_twin", "a mirror port serves nothing: it has no kernel twin");
    } else if (port.backend == PortBackend::kTap) {
      r_.error(at, path + ".kernel_twin", "a tap port already is a kernel interface");
    } else if (port.backend == PortBackend::kAfPacket && port.device == port.name) {
      r_.error(at, path + ".kernel_twin",
               "the twin would be the kernel interface '" + port.name +
                   "', which is this port's device: rename the port or set kernel_twin: false");
    }
  }

  void read_port(const YAML::Node& node, const std::string& path, Config& config) {
    if (!r_.expect_map(node, path,
                       {"name", "role", "zone", "backend", "device", "mac", "mtu", "mss_clamp", "addresses",
                        "vlans", "kernel_twin"})) {
      return;
    }
    Port port;
    if (!node["name"]) {
      r_.error(node, path + ".name", "a port needs a name");
    } else if (auto v = r_.string(node["name"], path + ".name")) {
      port.name = *v;
      claim_interface_name(node["name"], path + ".name", port.name);
    }
    if (node["role"]) {
      if (auto v = r_.string(node["role"], path + ".role")) {
        if (!kRoles.contains(*v)) {
          std::string known;
          for (const auto& role : kRoles) known += (known.empty() ? "" : ", ") + role;
          r_.error(node["role"], path + ".role", "unknown role '" + *v + "' (known: " + known + ")");
        }
        port.role = *v;
      }
    }
    port.zone = port.name;
    if (node["zone"]) {
      if (auto v = r_.string(node["zone"], path + ".zone")) port.zone = *v;
    }
    if (!node["backend"]) {
      r_.error(node, path + ".backend", "a port needs a backend (pci, af_packet, pcap, tap, null, ring)");
    } else if (auto v = node["backend"].IsNull()
                            ? std::optional<std::string>("null")  // YAML reads `null` as null
                            : r_.string(node["backend"], path + ".backend")) {
      auto it = kBackends.find(*v);
      if (it == kBackends.end()) {
        r_.error(node["backend"], path + ".backend",
                 "unknown backend '" + *v + "' (known: pci, af_packet, pcap, tap, null, ring)");
      } else {
        port.backend = it->second;
      }
    }
    bool device_refused = false;
    if (node["device"]) {
      if (auto v = r_.string(node["device"], path + ".device"))
        port.device = *v;
      else
        device_refused = true;
    }
    const bool needs_device = port.backend == PortBackend::kPci || port.backend == PortBackend::kAfPacket ||
                              port.backend == PortBackend::kPcap;
    if (needs_device && port.device.empty() && !device_refused) {
      r_.error(node, path + ".device", std::string("backend ") + to_string(port.backend) + " needs a device");
    }
    if (!port.device.empty() &&
        (port.device.size() > 255 || port.device.find_first_of(",= ") != std::string::npos)) {
      r_.error(node["device"], path + ".device", "device names must not contain ',', '=' or spaces");
    }
    if (node["mac"]) {
      if (auto v = r_.string(node["mac"], path + ".mac")) {
        port.mac = MacAddress::parse(*v);
        if (!port.mac)
          r_.error(node["mac"], path + ".mac", "'" + *v + "' is not a MAC address (aa:bb:cc:dd:ee:ff)");
      }
    }
    if (node["mtu"]) {
      if (auto v = r_.number(node["mtu"], path + ".mtu", 1280, 9000)) {
        if (*v > kMaxMtuWithoutJumbo) {
          r_.error(node["mtu"], path + ".mtu",
                   "MTU " + std::to_string(*v) +
                       " needs jumbo buffers, which are not supported yet (at most " +
                       std::to_string(kMaxMtuWithoutJumbo) + ")");
        } else {
          port.mtu = *v;
        }
      }
    }
    if (node["mss_clamp"]) {
      const YAML::Node& clamp = node["mss_clamp"];
      if (clamp.IsScalar() && clamp.Scalar() == "auto") {
        port.mss_clamp = kMssClampAuto;
      } else if (auto v = r_.number(clamp, path + ".mss_clamp", 536, 9000)) {
        port.mss_clamp = *v;
      }
    }
    const YAML::Node& addresses = node["addresses"];
    if (addresses && addresses.IsScalar() && addresses.Scalar() == "dhcp") {
      port.address_by_dhcp = true;
    } else if (addresses) {
      read_addresses(addresses, path + ".addresses", port.addresses);
    }
    read_kernel_twin(node, path, port);
    if (port.address_by_dhcp && !port.kernel_twin) {
      r_.error(addresses, path + ".addresses",
               "'dhcp' needs the port's kernel twin (the DHCP client runs there): set kernel_twin: true or "
               "give addresses");
    }
    if (node["vlans"]) {
      std::set<uint16_t> ids;
      r_.sequence(node["vlans"], path + ".vlans", [&](const YAML::Node& n, const std::string& p) {
        if (!r_.expect_map(n, p, {"id", "name", "zone", "addresses", "mtu"})) return;
        Vlan vlan;
        if (!n["id"]) {
          r_.error(n, p + ".id", "a VLAN needs an id");
        } else if (auto v = r_.number(n["id"], p + ".id", 1, 4094)) {
          vlan.id = static_cast<uint16_t>(*v);
          if (!ids.insert(vlan.id).second)
            r_.error(n["id"], p + ".id", "VLAN " + std::to_string(*v) + " is declared twice on this port");
        }
        vlan.name = port.name + "." + std::to_string(vlan.id);
        if (n["name"]) {
          if (auto v = r_.string(n["name"], p + ".name")) vlan.name = *v;
        }
        claim_interface_name(n["name"] ? n["name"] : n, p + ".name", vlan.name);
        vlan.zone = vlan.name;
        if (n["zone"]) {
          if (auto v = r_.string(n["zone"], p + ".zone")) vlan.zone = *v;
        }
        if (n["mtu"]) {
          if (auto v = r_.number(n["mtu"], p + ".mtu", 1280, kMaxMtuWithoutJumbo)) vlan.mtu = *v;
        }
        if (n["addresses"]) read_addresses(n["addresses"], p + ".addresses", vlan.addresses);
        vlan_zone_nodes_.push_back({n["zone"] ? n["zone"] : n, p + ".zone", vlan.zone});
        port.vlans.push_back(std::move(vlan));
      });
    }
    port_zone_nodes_.push_back({node["zone"] ? node["zone"] : node, path + ".zone", port.zone});
    config.ports.push_back(std::move(port));
  }

  void read_route(const YAML::Node& node, const std::string& path, Config& config) {
    if (!r_.expect_map(node, path, {"to", "via", "interface", "blackhole"})) return;
    Route route;
    if (!node["to"]) {
      r_.error(node, path + ".to", "a route needs a destination prefix");
    } else if (auto v = r_.string(node["to"], path + ".to")) {
      auto parsed = IpPrefix::parse(*v);
      if (!parsed)
        r_.error(node["to"], path + ".to", "'" + *v + "' is not a prefix with host bits clear");
      else
        route.to = *parsed;
    }
    if (node["via"]) {
      if (auto v = r_.string(node["via"], path + ".via")) {
        route.via = IpAddress::parse(*v);
        if (!route.via)
          r_.error(node["via"], path + ".via", "'" + *v + "' is not an IP address");
        else if (route.via->family != route.to.address.family)
          r_.error(node["via"], path + ".via", "gateway and destination are of different IP versions");
      }
    }
    if (node["interface"]) {
      if (auto v = r_.string(node["interface"], path + ".interface")) route.interface = *v;
    }
    if (node["blackhole"]) {
      if (auto v = r_.boolean(node["blackhole"], path + ".blackhole")) route.blackhole = *v;
    }
    if (!route.blackhole && !route.via && route.interface.empty()) {
      r_.error(node, path, "a route needs 'via', 'interface' or 'blackhole: true'");
    }
    route_nodes_.push_back({node, path});
    config.routes.push_back(std::move(route));
  }

  void read_neighbour(const YAML::Node& node, const std::string& path, Config& config) {
    if (!r_.expect_map(node, path, {"address", "mac", "interface"})) return;
    Neighbour neighbour;
    bool ok = true;
    if (!node["address"]) {
      r_.error(node, path + ".address", "a neighbour needs an address");
      ok = false;
    } else if (auto v = r_.string(node["address"], path + ".address")) {
      auto parsed = IpAddress::parse(*v);
      if (!parsed) {
        r_.error(node["address"], path + ".address", "'" + *v + "' is not an IP address");
        ok = false;
      } else
        neighbour.address = *parsed;
    }
    if (!node["mac"]) {
      r_.error(node, path + ".mac", "a neighbour needs a MAC address");
      ok = false;
    } else if (auto v = r_.string(node["mac"], path + ".mac")) {
      auto parsed = MacAddress::parse(*v);
      if (!parsed) {
        r_.error(node["mac"], path + ".mac", "'" + *v + "' is not a MAC address");
        ok = false;
      } else
        neighbour.mac = *parsed;
    }
    if (node["interface"]) {
      if (auto v = r_.string(node["interface"], path + ".interface")) neighbour.interface = *v;
    }
    neighbour_nodes_.push_back({node, path});
    if (ok)
      config.neighbours.push_back(std::move(neighbour));
    else
      neighbour_nodes_.pop_back();
  }

 public:
  // Cross references, checked once everything is read.
  void check_references(Config& config) {
    std::set<std::string, std::less<>> zones;
    for (const auto& z : config.zones) zones.insert(z.name);
    std::set<std::string, std::less<>> tunnel_zones;
    for (const auto& t : config.vpn.tunnels) tunnel_zones.insert(t.zone());
    auto check_zone = [&](const ZoneRef& ref) {
      if (tunnel_zones.contains(ref.zone))
        r_.error(ref.node, ref.path,
                 "zone '" + ref.zone + "' holds the traffic of a VPN tunnel; a port or VLAN cannot join it");
      else if (!zones.contains(ref.zone))
        r_.error(ref.node, ref.path, "zone '" + ref.zone + "' is not declared under zones");
    };
    for (const auto& ref : port_zone_nodes_) check_zone(ref);
    for (const auto& ref : vlan_zone_nodes_) check_zone(ref);

    // Connected networks decide where gateways and neighbours live.
    struct Connected {
      IpPrefix network;
      std::string interface;
    };
    std::vector<Connected> connected;
    for (const auto& port : config.ports) {
      for (const auto& a : port.addresses) connected.push_back({a.network(), port.name});
      for (const auto& vlan : port.vlans) {
        for (const auto& a : vlan.addresses) connected.push_back({a.network(), vlan.name});
      }
    }
    // Reported even when an interface address was refused above, since it may be a mistake of its own; the
    // hint says that it may also be that address's consequence.
    const std::string maybe_consequence =
        refused_addresses_ == 0 ? "" : " (an interface address refused above may be the cause)";
    auto on_link = [&](const IpAddress& address, const std::string& interface) -> std::string {
      for (const auto& c : connected) {
        if (c.network.contains(address) && (interface.empty() || interface == c.interface))
          return c.interface;
      }
      return {};
    };
    for (size_t i = 0; i < config.routes.size() && i < route_nodes_.size(); ++i) {
      Route& route = config.routes[i];
      const auto& [node, path] = route_nodes_[i];
      if (!route.interface.empty() && !interface_names_.contains(route.interface)) {
        r_.error(node["interface"], path + ".interface",
                 "interface '" + route.interface + "' does not exist");
        continue;
      }
      if (route.via && !route.blackhole) {
        const std::string found = on_link(*route.via, route.interface);
        if (found.empty() && route.interface.empty()) {
          r_.error(node["via"], path + ".via",
                   "gateway " + route.via->to_string() + " is on no connected network; name the interface" +
                       maybe_consequence);
        } else if (route.interface.empty()) {
          route.interface = found;
        }
      }
    }
    for (size_t i = 0; i < config.neighbours.size() && i < neighbour_nodes_.size(); ++i) {
      Neighbour& n = config.neighbours[i];
      const auto& [node, path] = neighbour_nodes_[i];
      if (!n.interface.empty() && !interface_names_.contains(n.interface)) {
        r_.error(node["interface"], path + ".interface", "interface '" + n.interface + "' does not exist");
        continue;
      }
      const std::string found = on_link(n.address, n.interface);
      if (found.empty()) {
        r_.error(node["address"], path + ".address",
                 "neighbour " + n.address.to_string() + " is on no connected network" +
                     (n.interface.empty() ? "" : " of " + n.interface) + maybe_consequence);
      } else {
        n.interface = found;
      }
    }
  }

 private:
  struct ZoneRef {
    YAML::Node node;
    std::string path;
    std::string zone;
  };
  struct NodeRef {
    YAML::Node node;
    std::string path;
  };

  Reader& r_;
  std::set<std::string, std::less<>> zone_names_;
  std::set<std::string, std::less<>> interface_names_;
  std::map<IpAddress, std::string> address_owner_;
  std::vector<ZoneRef> port_zone_nodes_;
  std::vector<ZoneRef> vlan_zone_nodes_;
  std::vector<NodeRef> route_nodes_;
  std::vector<NodeRef> neighbour_nodes_;
  unsigned refused_addresses_ = 0;
};

}  // namespace

std::string ConfigError::to_string() const {
  std::ostringstream out;
  out << file;
  if (line > 0) out << ":" << line << ":" << column;
  out << ": ";
  if (!path.empty()) out << path << ": ";
  out << reason;
  return out.str();
}

const char* to_string(PortBackend backend) {
  switch (backend) {
    case PortBackend::kPci:
      return "pci";
    case PortBackend::kAfPacket:
      return "af_packet";
    case PortBackend::kPcap:
      return "pcap";
    case PortBackend::kTap:
      return "tap";
    case PortBackend::kNull:
      return "null";
    case PortBackend::kRing:
      return "ring";
  }
  return "?";
}

const char* to_string(PolicyAction action) {
  switch (action) {
    case PolicyAction::kAccept:
      return "accept";
    case PolicyAction::kDrop:
      return "drop";
    case PolicyAction::kReject:
      return "reject";
  }
  return "?";
}

LoadResult load_config_text(std::string_view text, std::string_view file_name,
                            std::vector<ConfigError>* warnings) {
  if (text.size() > kMaxConfigBytes) {
    return std::vector<ConfigError>{{std::string(file_name), 0, 0, "",
                                     "larger than the limit of " + platform::describe_size(kMaxConfigBytes)}};
  }
  Reader reader{std::string(file_name)};
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    return std::vector<ConfigError>{
        {std::string(file_name), e.mark.line + 1, e.mark.column + 1, "", "YAML syntax: " + e.msg}};
  }
  // YAML::Load would read the first document and drop the rest without a word: a configuration pasted
  // behind another one, or a stray `---` in the middle, would silently not be what runs.
  for (size_t i = 1; i < documents.size(); ++i) {
    if (documents[i].IsNull()) continue;  // a trailing `---` with nothing after it
    reader.error(documents[i], "",
                 "a second YAML document (after `---`); a configuration is one document: remove the `---` "
                 "line or the text after it");
    break;
  }
  const YAML::Node root = documents.empty() ? YAML::Node() : documents[0];
  Config config;
  try {
    reader.check_keys(root, "");
    ConfigBuilder builder(reader);
    config = builder.build(root);
    // Also after errors: one bad address must not hide a bad gateway further down (all errors at once).
    builder.check_references(config);
    detail::warn_about_forwards(reader, root, config);
  } catch (const YAML::Exception& e) {
    reader.errors().push_back({std::string(file_name), e.mark.line + 1, e.mark.column + 1, "", e.msg});
  }
  if (!reader.errors().empty()) return std::move(reader.errors());
  if (warnings != nullptr) *warnings = std::move(reader.warnings());
  return config;
}

LoadResult load_config_file(const std::string& path, std::vector<ConfigError>* warnings) {
  auto read = platform::read_regular_file(path, kMaxConfigBytes);
  if (!read.ok())
    return std::vector<ConfigError>{{path, 0, 0, "", "cannot read the configuration: " + read.error}};
  return load_config_text(read.content, path, warnings);
}

}  // namespace torwart::config
