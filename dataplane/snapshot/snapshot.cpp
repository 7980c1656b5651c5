#include "dataplane/snapshot/snapshot.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <stdexcept>

namespace torwart::dataplane {
namespace {

rte_ether_addr to_ether(const config::MacAddress& mac) {
  rte_ether_addr result{};
  std::copy(mac.bytes.begin(), mac.bytes.end(), result.addr_bytes);
  return result;
}

std::array<uint8_t, 16> link_local_from_mac(const rte_ether_addr& mac) {
  std::array<uint8_t, 16> address{0xfe, 0x80};
  address[8] = mac.addr_bytes[0] ^ 0x02;  // modified EUI-64: flip the universal/local bit
  address[9] = mac.addr_bytes[1];
  address[10] = mac.addr_bytes[2];
  address[11] = 0xff;
  address[12] = 0xfe;
  address[13] = mac.addr_bytes[3];
  address[14] = mac.addr_bytes[4];
  address[15] = mac.addr_bytes[5];
  return address;
}

class NextHopTable {
 public:
  uint32_t intern(const NextHop& hop) {
    auto it = std::find(hops_.begin(), hops_.end(), hop);
    if (it != hops_.end()) return static_cast<uint32_t>(it - hops_.begin());
    hops_.push_back(hop);
    return static_cast<uint32_t>(hops_.size() - 1);
  }
  std::vector<NextHop> take() { return std::move(hops_); }

 private:
  std::vector<NextHop> hops_;
};

}  // namespace

uint16_t Snapshot::tagged_lookup(uint16_t port, uint16_t vlan_id) const {
  const auto& table = tagged_[port];
  return vlan_id < table.size() ? table[vlan_id] : kNoInterface;
}

std::unique_ptr<Snapshot> Snapshot::build(const config::Config& config, uint64_t version, std::string digest,
                                          const std::vector<PortBinding>& bindings) {
  auto snapshot = std::unique_ptr<Snapshot>(new Snapshot());
  Snapshot& s = *snapshot;
  s.version_ = version;
  s.digest_ = std::move(digest);
  s.source_ = config;
  s.untagged_.fill(kNoInterface);
  s.tagged_.resize(kMaxPorts);

  std::map<std::string, uint16_t, std::less<>> zone_index;
  for (const auto& zone : config.zones) {
    zone_index[zone.name] = static_cast<uint16_t>(s.zones_.size());
    s.zones_.push_back({zone.name, zone.antispoof});
  }

  std::map<std::string, uint16_t, std::less<>> iface_index;
  auto set_mss_clamp = [](Interface& iface, unsigned clamp) {
    if (clamp == 0) return;
    const unsigned v4 = clamp == config::kMssClampAuto ? iface.mtu - 40u : clamp;
    const unsigned v6 = clamp == config::kMssClampAuto ? iface.mtu - 60u : clamp;
    iface.mss_clamp_v4 = static_cast<uint16_t>(v4);
    iface.mss_clamp_v6 = static_cast<uint16_t>(v6);
  };
  auto add_interface = [&](Interface iface) {
    iface.index = static_cast<uint16_t>(s.interfaces_.size());
    iface.link_local_v6 = link_local_from_mac(iface.mac);
    for (const auto& a : iface.addresses) {
      if (a.address.is_v4() && !iface.has_v4) {
        iface.source_v4 = a.address.v4_host_order();
        iface.has_v4 = true;
      } else if (!a.address.is_v4() && !iface.has_v6) {
        iface.source_v6 = a.address.bytes;
        iface.has_v6 = true;
      }
    }
    iface_index[iface.name] = iface.index;
    s.interfaces_.push_back(std::move(iface));
    return s.interfaces_.back().index;
  };

  for (const auto& port : config.ports) {
    auto binding = std::find_if(bindings.begin(), bindings.end(),
                                [&](const PortBinding& b) { return b.name == port.name; });
    if (binding == bindings.end())
      throw std::runtime_error("port '" + port.name + "' is not bound to a device");
    if (binding->port >= kMaxPorts) throw std::runtime_error("port '" + port.name + "': more than 32 ports");
    s.port_ids_.push_back(binding->port);
    s.port_names_[binding->port] = port.name;
    if (port.role == "mirror") s.mirror_[binding->port] = s.has_mirror_ = true;
    const rte_ether_addr mac = port.mac ? to_ether(*port.mac) : binding->device_mac;
    Interface base;
    base.name = port.name;
    base.port = binding->port;
    base.mtu = static_cast<uint16_t>(port.mtu);
    base.zone = zone_index.at(port.zone);
    base.mac = mac;
    base.addresses = port.addresses;
    base.dhcp_client = port.address_by_dhcp;
    set_mss_clamp(base, port.mss_clamp);
    s.untagged_[binding->port] = add_interface(base);
    for (const auto& vlan : port.vlans) {
      Interface sub;
      sub.name = vlan.name;
      sub.port = binding->port;
      sub.vlan_id = vlan.id;
      sub.mtu = static_cast<uint16_t>(vlan.mtu != 0 ? vlan.mtu : port.mtu);
      sub.zone = zone_index.at(vlan.zone);
      sub.mac = mac;
      sub.addresses = vlan.addresses;
      set_mss_clamp(sub, port.mss_clamp);
      auto& table = s.tagged_[binding->port];
      if (table.size() <= vlan.id) table.resize(vlan.id + 1u, kNoInterface);
      table[vlan.id] = add_interface(sub);
    }
  }

  // Each tunnel is an interface of its own (no port) in its zone; its MTU leaves room for ESP on the uplink.
  for (const auto& t : config.vpn.tunnels) {
    const Interface& uplink = s.interfaces_[iface_index.at(t.uplink)];
    const bool v6_outer = t.peer && !t.peer->is_v4();
    Interface tunnel;
    tunnel.name = t.zone();
    tunnel.port = Interface::kNoPort;
    tunnel.mtu = static_cast<uint16_t>(uplink.mtu - (v6_outer ? kEspOverheadV6 : kEspOverheadV4));
    tunnel.zone = zone_index.at(t.zone());
    tunnel.tunnel = static_cast<uint16_t>(s.tunnels_.size());
    // TCP through a tunnel announces what fits it, as every IPsec gateway does: without this, a host
    // behind a firewall that drops ICMP would send segments the tunnel cannot carry.
    set_mss_clamp(tunnel, config::kMssClampAuto);
    s.tunnels_.push_back(Tunnel{t.name, add_interface(tunnel), t.reqid(false), t.reqid(true), t.local_subnets,
                                t.remote_subnets});
  }

  // Routes go in from least to most specific kind: configured, then connected networks, then the box's own
  // addresses, so that a configured route can never hide a connected network or steal the box's address.
  NextHopTable hops;
  unsigned v4_rules = 0, v4_long = 0, v6_rules = 0;
  auto count = [&](const config::IpPrefix& p) {
    if (p.address.is_v4()) {
      ++v4_rules;
      if (p.length > 24) ++v4_long;
    } else {
      ++v6_rules;
    }
  };
  for (const auto& route : config.routes) count(route.to);
  for (const auto& t : config.vpn.tunnels) {
    for (const auto& prefix : t.remote_subnets) count(prefix);
  }
  for (const auto& iface : s.interfaces_) {
    for (const auto& a : iface.addresses) {
      count(a.network());
      count(config::IpPrefix{a.address, static_cast<uint8_t>(a.address.is_v4() ? 32 : 128)});
    }
  }
  s.fib_.create(v4_rules, v4_long, v6_rules + static_cast<unsigned>(s.interfaces_.size()));

  auto install = [&](const config::IpPrefix& prefix, const NextHop& hop) {
    const uint32_t index = hops.intern(hop);
    if (prefix.address.is_v4()) {
      s.fib_.add_v4(prefix.address.v4_host_order(), prefix.length, index);
    } else {
      s.fib_.add_v6(prefix.address.bytes.data(), prefix.length, index);
    }
  };
  for (const auto& route : config.routes) {
    NextHop hop;
    if (route.blackhole) {
      hop.kind = NextHopKind::kBlackhole;
    } else {
      hop.iface = iface_index.at(route.interface);
      if (route.via) {
        hop.has_gateway = true;
        hop.gateway = *route.via;
      }
    }
    install(route.to, hop);
  }
  // A tunnel's remote networks lead into it, also where a configured route names the same prefix (the
  // loader refused overlaps with connected networks).
  for (const Tunnel& t : s.tunnels_) {
    for (const auto& prefix : t.remote_subnets)
      install(prefix, NextHop{NextHopKind::kForward, t.iface, false, {}});
  }
  for (const auto& iface : s.interfaces_) {
    for (const auto& a : iface.addresses)
      install(a.network(), NextHop{NextHopKind::kForward, iface.index, false, {}});
  }
  for (const auto& iface : s.interfaces_) {
    for (const auto& a : iface.addresses) {
      install(config::IpPrefix{a.address, static_cast<uint8_t>(a.address.is_v4() ? 32 : 128)},
              NextHop{NextHopKind::kLocal, iface.index, false, {}});
    }
  }
  s.next_hops_ = hops.take();

  auto compiled = policy::CompiledPolicy::compile(config, policy::zones_in_config_order(config));
  if (auto* errors = std::get_if<std::vector<policy::CompileError>>(&compiled)) {
    std::string message = "the policy does not compile:";
    for (const auto& e : *errors) message += " " + e.to_string() + ";";
    throw std::runtime_error(message);
  }
  s.policy_ = std::move(std::get<std::unique_ptr<policy::CompiledPolicy>>(compiled));

  std::vector<nat::NatInterface> nat_interfaces;
  for (const auto& iface : s.interfaces_) {
    nat::NatInterface& out = nat_interfaces.emplace_back();
    out.name = iface.name;
    out.zone = iface.zone;
    for (const auto& a : iface.addresses) {
      if (!a.address.is_v4()) continue;
      std::memcpy(&out.first_v4, a.address.bytes.data(), 4);
      break;
    }
  }
  std::vector<std::string> zone_names;
  for (const auto& zone : s.zones_) zone_names.push_back(zone.name);
  s.nat_ = nat::NatRules::compile(config.nat, nat_interfaces, zone_names);

  for (const auto& n : config.neighbours) {
    const Interface& iface = s.interfaces_[iface_index.at(n.interface)];
    s.static_neighbours_.push_back({iface.port, iface.vlan_id, n.address, to_ether(n.mac)});
  }
  return snapshot;
}

}  // namespace torwart::dataplane
