#include "dataplane/lab/lab_topology.hpp"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <sstream>
#include <stdexcept>
#include <variant>

#include "rules/config/load.hpp"

namespace torwart::lab {
namespace {

const config::Port* find_port(const config::Config& cfg, const std::string& name) {
  for (const auto& port : cfg.ports) {
    if (port.name == name) return &port;
  }
  return nullptr;
}

bool has_neighbour(const config::Config& cfg, const std::string& address, const std::string& mac) {
  auto want_ip = config::IpAddress::parse(address);
  auto want_mac = config::MacAddress::parse(mac);
  return std::any_of(cfg.neighbours.begin(), cfg.neighbours.end(), [&](const config::Neighbour& n) {
    return want_ip && want_mac && n.address == *want_ip && n.mac == *want_mac;
  });
}

// Every mismatch between the configuration and the namespaces this file builds.
std::vector<std::string> mismatches(const config::Config& cfg) {
  std::vector<std::string> out;
  for (const auto& host : end_hosts()) {
    const config::Port* port = find_port(cfg, host.role);
    if (!port) {
      out.push_back("no port named " + host.role);
      continue;
    }
    if (port->backend != config::PortBackend::kAfPacket || port->device != host.appliance_device) {
      out.push_back("port " + host.role + " is not af_packet on " + host.appliance_device);
    }
    if (!port->mac) out.push_back("port " + host.role + " has no fixed MAC");
    for (const auto& cidr : host.addresses) {
      auto mine = config::InterfaceAddress::parse(cidr);
      bool on_link = mine && std::any_of(port->addresses.begin(), port->addresses.end(),
                                         [&](const auto& a) { return a.network().contains(mine->address); });
      if (!on_link) out.push_back(cidr + " is not on a network of port " + host.role);
      std::string address = cidr.substr(0, cidr.find('/'));
      if (!has_neighbour(cfg, address, host.mac)) {
        out.push_back("no static neighbour " + address + " -> " + host.mac);
      }
    }
  }
  return out;
}

void configure_end_host(const Namespace& ns, const EndHost& host) {
  ns.set_mac(kHostDevice, host.mac);
  ns.disable_tx_offload(kHostDevice);  // else TCP through af_packet fails (partial checksums)
  for (const auto& cidr : host.addresses) ns.add_address(kHostDevice, cidr);
  for (const auto& cidr : host.loopback) ns.add_address("lo", cidr);
  ns.set_up(kHostDevice);
  for (const auto& [destination, via] : host.routes) ns.add_route(destination, via);
}

// HARNESS SELF-TEST ONLY: the appliance namespace as a Linux router built from the same configuration.
void configure_kernel_router(const Namespace& ns, const config::Config& cfg) {
  ns.sysctl("net.ipv4.ip_forward", "1");
  ns.sysctl("net.ipv6.conf.all.forwarding", "1");
  ns.sysctl("net.ipv4.conf.all.rp_filter", "1");  // stands in for the appliance's anti-spoofing
  for (const auto& port : cfg.ports) {
    for (const auto& address : port.addresses) ns.add_address(port.device, address.to_string());
  }
  for (const auto& route : cfg.routes) {
    if (route.via) ns.add_route(route.to.to_string(), route.via->to_string());
  }
  for (const auto& neighbour : cfg.neighbours) {
    for (const auto& port : cfg.ports) {
      bool here = std::any_of(port.addresses.begin(), port.addresses.end(),
                              [&](const auto& a) { return a.network().contains(neighbour.address); });
      if (here) ns.add_neighbour(port.device, neighbour.address.to_string(), neighbour.mac.to_string());
    }
  }
}

}  // namespace

const std::vector<EndHost>& end_hosts() {
  static const std::vector<EndHost> hosts = {
      {"lan",
       "tw-lan",
       "02:00:00:00:01:10",
       {"192.168.10.10/24", "2001:db8:10::10/64"},
       {},
       {{"default", "192.168.10.1"}, {"default", "2001:db8:10::1"}}},
      {"kdn",
       "tw-kdn",
       "02:00:00:00:02:01",
       {"10.200.0.1/24", "2001:db8:200::1/64"},
       {"10.20.0.10/32", "2001:db8:1000::10/128"},
       {{"192.168.10.0/24", "10.200.0.2"}, {"2001:db8:10::/64", "2001:db8:200::2"}}},
      {"inet",
       "tw-inet",
       "02:00:00:00:03:01",
       {"203.0.113.1/24", "2001:db8:f00::1/64"},
       {"198.51.100.10/32", "2001:db8:f000::10/128"},
       {{"192.168.10.0/24", "203.0.113.2"}, {"2001:db8:10::/64", "2001:db8:f00::2"}}},
  };
  return hosts;
}

std::string lab_config_text(const std::string& control_socket, const std::string& signature_file) {
  std::istringstream in{std::string(config::default_config_text())};
  std::ostringstream out;
  bool replaced = false;
  for (std::string line; std::getline(in, line);) {
    auto key = line.find("control_socket:");
    if (key != std::string::npos && line.find_first_not_of(' ') == key) {
      line = line.substr(0, key) + "control_socket: " + control_socket;
      replaced = true;
    }
    out << line << '\n';
  }
  if (!replaced) throw std::runtime_error("default configuration has no dataplane.control_socket line");
  // The lab shows application rules too, as a provider adds them for a town: a blocked-sites list for TLS
  // and no Windows programs over plain HTTP (the `lab` rows tls-sni-* and http-program-blocked).
  std::string text =
      with_policy_rules(out.str(),
                        "    - name: lab-blocked-sites\n"
                        "      from: [lan]\n"
                        "      tls_sni: [\"*.blocked.torwart.test\"]\n"
                        "      action: reject\n"
                        "    - name: lab-no-windows-programs\n"
                        "      from: [lan]\n"
                        "      http_content_type: [application/x-msdos-program, application/x-msdownload, "
                        "application/x-dosexec]\n"
                        "      action: drop\n");
  if (!signature_file.empty()) {
    text += "\nids:\n  rule_files: [" + signature_file + "]\n  mode: ips\n  cache_dir: \"\"\n";
  }
  return text;
}

std::string with_policy_rules(std::string text, const std::string& rules) {
  const std::string key = "\n  rules:\n";
  const auto at = text.find(key);
  if (at == std::string::npos) throw std::runtime_error("the configuration text has no policy.rules");
  text.insert(at + key.size(), rules);
  return text;
}

config::Config load_lab_config(const std::string& text) {
  auto loaded = config::load_config_text(text, "<lab configuration>");
  if (auto* errors = std::get_if<std::vector<config::ConfigError>>(&loaded)) {
    std::string msg = "lab configuration does not load:";
    for (const auto& e : *errors) msg += "\n  " + e.to_string();
    throw std::runtime_error(msg);
  }
  config::Config cfg = std::get<config::Config>(std::move(loaded));
  auto problems = mismatches(cfg);
  if (!problems.empty()) {
    std::string msg = "the lab topology no longer matches the default configuration:";
    for (const auto& p : problems) msg += "\n  " + p;
    throw std::runtime_error(msg);
  }
  return cfg;
}

const Namespace& Topology::host(const std::string& role) const {
  if (role == "lan") return *lan;
  if (role == "kdn") return *kdn;
  if (role == "inet") return *inet;
  throw std::invalid_argument("no end host " + role);
}

Topology build_topology(const std::string& prefix, const config::Config& cfg, bool kernel_router) {
  Topology t;
  t.appliance = std::make_unique<Namespace>(prefix + "-app");
  if (!kernel_router) {
    // No addresses and no IPv6 on the appliance's devices: this kernel must not answer ARP/ND or ICMP.
    t.appliance->sysctl("net.ipv6.conf.all.disable_ipv6", "1");
    t.appliance->sysctl("net.ipv6.conf.default.disable_ipv6", "1");
  }
  t.lan = std::make_unique<Namespace>(prefix + "-lan");
  t.kdn = std::make_unique<Namespace>(prefix + "-kdn");
  t.inet = std::make_unique<Namespace>(prefix + "-inet");
  for (const auto& host : end_hosts()) {
    const Namespace& ns = t.host(host.role);
    create_veth(*t.appliance, host.appliance_device, ns, kHostDevice);
    t.appliance->set_mac(host.appliance_device, find_port(cfg, host.role)->mac->to_string());
    t.appliance->set_up(host.appliance_device);
    configure_end_host(ns, host);
  }
  // The kernel twins `torwart run` creates later carry the box's IPv6 addresses: devices from here on get
  // IPv6 again (the veths above keep it off, and torwart keeps the kernel's stack off them as well).
  if (!kernel_router) t.appliance->sysctl("net.ipv6.conf.default.disable_ipv6", "0");
  if (kernel_router) configure_kernel_router(*t.appliance, cfg);
  return t;
}

void remove_stale_lab_namespaces() {
  for (const auto& name : list_namespaces()) {
    if (name.rfind(kNamespacePrefix, 0) != 0) continue;
    std::string digits = name.substr(sizeof(kNamespacePrefix) - 1);
    digits = digits.substr(0, digits.find('-'));
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    pid_t owner = static_cast<pid_t>(std::stol(digits));
    if (kill(owner, 0) != 0 && errno == ESRCH) {
      run_command({"ip", "netns", "delete", name}, milliseconds(10000));
    }
  }
}

}  // namespace torwart::lab
