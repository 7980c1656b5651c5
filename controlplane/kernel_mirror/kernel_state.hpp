#pragma once
// What the kernel holds on the twin interfaces, as the mirror hands it to its consumer: addresses, main-table
// routes and neighbours, each tied to a twin by name (an ifindex changes when a twin is recreated; its name
// is what the fast path's port is called).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "rules/config/ip_address.hpp"

namespace torwart::controlplane {

struct KernelAddress {
  std::string interface;
  config::InterfaceAddress address;  // the host address and its on-link prefix length
  auto operator<=>(const KernelAddress&) const = default;
};

struct KernelRoute {
  config::IpPrefix destination;
  std::optional<config::IpAddress> gateway;  // none for a connected (on-link) route
  std::string interface;
  uint32_t metric = 0;
  uint32_t table = 254;
  uint8_t protocol = 0;  // rtm_protocol as the kernel sent it
  std::string
      origin;  // its name: "kernel", "boot", "static", "dhcp", "ra", "zebra", "bgp", ... (origin_name)
  auto operator<=>(const KernelRoute&) const = default;
};

enum class NeighbourState : uint8_t {
  kIncomplete,
  kReachable,
  kStale,
  kDelay,
  kProbe,
  kFailed,
  kNoArp,
  kPermanent,
  kNone,
};
const char* neighbour_state_name(NeighbourState state);

struct KernelNeighbour {
  std::string interface;
  config::IpAddress address;
  std::optional<config::MacAddress> mac;  // absent while incomplete or failed
  NeighbourState state = NeighbourState::kNone;
  auto operator<=>(const KernelNeighbour&) const = default;
};

// Keys are what identifies an entry in the kernel: a NEWROUTE for the same key replaces the entry.
using RouteKey = std::tuple<config::IpPrefix, uint32_t>;  // destination, metric (main table only)
using AddressKey = std::tuple<std::string, config::InterfaceAddress>;
using NeighbourKey = std::tuple<std::string, config::IpAddress>;

struct KernelState {
  std::vector<std::string> interfaces;  // the watched twins that exist now
  std::map<AddressKey, KernelAddress> addresses;
  std::map<RouteKey, KernelRoute> routes;
  std::map<NeighbourKey, KernelNeighbour> neighbours;
  bool operator==(const KernelState&) const = default;
};

}  // namespace torwart::controlplane
