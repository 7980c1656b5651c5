#include "rules/learned/effective_config.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace torwart::learned {
namespace {

bool link_local_v6(const config::IpAddress& address) {
  return !address.is_v4() && address.bytes[0] == 0xfe && (address.bytes[1] & 0xc0) == 0x80;
}

bool multicast(const config::IpAddress& address) {
  return address.is_v4() ? (address.bytes[0] & 0xf0) == 0xe0 : address.bytes[0] == 0xff;
}

config::Port* port_named(config::Config& config, const std::string& name) {
  for (auto& port : config.ports) {
    if (port.name == name) return &port;
  }
  return nullptr;
}

// The interface (port or VLAN) that owns `address`, or nullptr.
const std::string* owner_of(const config::Config& config, const config::IpAddress& address) {
  for (const auto& port : config.ports) {
    for (const auto& a : port.addresses) {
      if (a.address == address) return &port.name;
    }
    for (const auto& vlan : port.vlans) {
      for (const auto& a : vlan.addresses) {
        if (a.address == address) return &vlan.name;
      }
    }
  }
  return nullptr;
}

bool on_connected_network(const config::Port& port, const config::IpAddress& address) {
  return std::any_of(port.addresses.begin(), port.addresses.end(),
                     [&](const config::InterfaceAddress& a) { return a.network().contains(address); });
}

bool is_connected_route(const config::Port& port, const LearnedRoute& route) {
  return !route.via &&
         std::any_of(port.addresses.begin(), port.addresses.end(),
                     [&](const config::InterfaceAddress& a) { return a.network() == route.to; });
}

class Merge {
 public:
  Merge(const config::Config& configured, EffectiveConfig& out) : configured_(configured), out_(out) {}

  void take_addresses(const std::vector<LearnedAddress>& addresses) {
    for (const auto& learned : addresses) {
      if (link_local_v6(learned.address.address)) continue;  // the fast path derives its own from the MAC
      const std::string what = "address " + learned.address.to_string() + " on " + learned.interface;
      config::Port* port = port_named(out_.config, learned.interface);
      if (port == nullptr) {
        refuse(what, "no port is called " + learned.interface);
        continue;
      }
      if (!port->address_by_dhcp) {
        // torwart run gives the twin the configured addresses itself: those come back here and are no news.
        const bool configured = std::find(port->addresses.begin(), port->addresses.end(), learned.address) !=
                                port->addresses.end();
        if (!configured) refuse(what, "port " + port->name + " has its addresses from the configuration");
        continue;
      }
      if (const std::string* owner = owner_of(out_.config, learned.address.address)) {
        refuse(what, learned.address.address.to_string() + " is already the box's address on " + *owner);
        continue;
      }
      port->addresses.push_back(learned.address);
      ++out_.addresses_taken;
    }
  }

  void take_routes(std::vector<LearnedRoute> routes) {
    std::set<config::IpPrefix> configured;
    for (const auto& route : configured_.routes) configured.insert(route.to);
    std::set<config::IpPrefix> taken;
    std::stable_sort(routes.begin(), routes.end(),
                     [](const LearnedRoute& a, const LearnedRoute& b) { return a.metric < b.metric; });
    for (const auto& learned : routes) {
      if (multicast(learned.to.address) || (link_local_v6(learned.to.address) && learned.to.length >= 10))
        continue;  // the kernel's own multicast and link-local routes: the fast path has its own rules
      const config::Port* port = port_named(out_.config, learned.interface);
      const std::string what = describe(learned);
      if (port == nullptr) {
        refuse(what, "no port is called " + learned.interface);
        continue;
      }
      if (is_connected_route(*port, learned)) continue;  // the snapshot adds connected networks itself
      if (port->role == "mirror") {
        refuse(what, "port " + port->name + " is a mirror port and forwards nothing");
      } else if (configured.contains(learned.to)) {
        refuse(what, "the configuration routes " + learned.to.to_string());
      } else if (taken.contains(learned.to)) {
        refuse(what, "a route to " + learned.to.to_string() + " with a lower metric is taken");
      } else if (learned.via && link_local_v6(*learned.via)) {
        refuse(what, "gateways on link-local addresses are not supported yet");
      } else if (learned.via && !on_connected_network(*port, *learned.via)) {
        refuse(what, "gateway " + learned.via->to_string() + " is on no connected network of " + port->name);
      } else {
        taken.insert(learned.to);
        out_.config.routes.push_back({learned.to, learned.via, learned.interface, false, learned.origin});
        ++out_.routes_taken;
      }
    }
  }

  void take_neighbours(const std::vector<LearnedNeighbour>& neighbours) {
    std::set<config::IpAddress> pinned;
    for (const auto& n : configured_.neighbours) pinned.insert(n.address);
    for (const auto& learned : neighbours) {
      const std::string what = "neighbour " + learned.address.to_string() + " lladdr " +
                               learned.mac.to_string() + " on " + learned.interface;
      const config::Port* port = port_named(out_.config, learned.interface);
      if (port == nullptr) {
        refuse(what, "no port is called " + learned.interface);
      } else if (pinned.contains(learned.address)) {
        refuse(what, "the configuration pins " + learned.address.to_string());
      } else if (!on_connected_network(*port, learned.address)) {
        refuse(what, learned.address.to_string() + " is on no connected network of " + port->name);
      } else {
        pinned.insert(learned.address);
        out_.config.neighbours.push_back({learned.address, learned.mac, learned.interface});
        ++out_.neighbours_taken;
      }
    }
  }

 private:
  void refuse(const std::string& what, const std::string& reason) {
    out_.not_taken.push_back({what, reason});
  }

  const config::Config& configured_;
  EffectiveConfig& out_;
};

}  // namespace

std::string describe(const LearnedRoute& route) {
  std::string text = "route " + route.to.to_string();
  if (route.via) text += " via " + route.via->to_string();
  text += " dev " + route.interface;
  if (route.metric != 0) text += " metric " + std::to_string(route.metric);
  return text + " (" + route.origin + ")";
}

EffectiveConfig effective_config(const config::Config& configured, const LearnedState& learned) {
  EffectiveConfig out;
  out.config = configured;
  Merge merge(configured, out);
  // Addresses first: they make the connected networks that learned gateways and neighbours must sit on.
  merge.take_addresses(learned.addresses);
  merge.take_routes(learned.routes);
  merge.take_neighbours(learned.neighbours);
  return out;
}

}  // namespace torwart::learned
