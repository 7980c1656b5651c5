#pragma once
// What the box learned from the Linux tools on its kernel twins (a DHCP client, `ip addr`/`ip route`/`ip
// neigh`, later FRR), as the control plane's kernel mirror hands it to the fast path: plain values, one
// generation at a time. Which of it the fast path takes is effective_config.hpp's job.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rules/config/ip_address.hpp"

namespace torwart::learned {

struct LearnedAddress {
  std::string interface;  // the twin's name, which is its port's
  config::InterfaceAddress address;
  bool operator==(const LearnedAddress&) const = default;
};

struct LearnedRoute {
  config::IpPrefix to;
  std::optional<config::IpAddress> via;  // none: on-link
  std::string interface;
  uint32_t metric = 0;
  std::string origin;  // as `ip route` names rtm_protocol: "dhcp", "boot", "static", "kernel", "ra", ...
  bool operator==(const LearnedRoute&) const = default;
};

// Only permanent kernel entries travel (set on purpose by a person or a daemon): both sides learn dynamic
// neighbours from the same ARP/ND traffic on the wire, which the fast path copies to the twin.
struct LearnedNeighbour {
  std::string interface;
  config::IpAddress address;
  config::MacAddress mac;
  bool operator==(const LearnedNeighbour&) const = default;
};

struct LearnedState {
  // Grows with every state the control plane sends; 0 is "nothing learned yet" (a fresh fast path).
  uint64_t generation = 0;
  std::vector<LearnedAddress> addresses;
  std::vector<LearnedRoute> routes;
  std::vector<LearnedNeighbour> neighbours;
  bool operator==(const LearnedState&) const = default;
};

}  // namespace torwart::learned
