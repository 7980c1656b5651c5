#pragma once
// Gives the box's kernel routes on the twin interfaces over rtnetlink (libnl-route), all marked with one
// rtm_protocol so that they can be told from routes others set and replaced as a whole. At start-up and on
// reloads: never per packet.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace torwart::platform {

struct KernelRouteRequest {
  bool ipv6 = false;
  std::array<uint8_t, 16> destination{};  // network order; IPv4 uses the first 4
  uint8_t prefix_length = 0;
  bool has_gateway = false;
  std::array<uint8_t, 16> gateway{};
  std::string interface;
};

// Makes the main table's routes with `protocol` exactly `routes`: the old ones go, the new ones are added
// (gateways `onlink`: the fast path checked that they are on the port's link, and a port waiting for its
// DHCP lease has no connected network yet). Returns one sentence per route the kernel refused (the others
// stay); throws std::runtime_error when rtnetlink cannot be used at all.
std::vector<std::string> set_kernel_routes(const std::vector<KernelRouteRequest>& routes, uint8_t protocol);

}  // namespace torwart::platform
