#pragma once
// The configuration the fast path runs: the configuration file's, plus what was learned from the kernel
// twins where the file leaves room. The precedence (README.md, "Precedence"):
//   - The file wins. Its routes, addresses and static neighbours are taken as they are; a learned route to a
//     prefix the file routes, a learned address on a port with configured addresses, a learned neighbour the
//     file pins are not taken.
//   - A port with `addresses: dhcp` takes its addresses from its twin (IPv6 link-local ones aside: the fast
//     path derives its own), and with them its connected networks and NAT address.
//   - Learned routes (the DHCP client's default route, `ip route`, routing daemons) are added for prefixes
//     the file does not route, through a port whose connected networks hold their gateway; of two for one
//     prefix the lower metric wins.
// Nothing learned can make the result invalid: what does not fit is left out and listed with the reason.
#include <string>
#include <vector>

#include "rules/config/config.hpp"
#include "rules/learned/learned_state.hpp"

namespace torwart::learned {

struct NotTaken {
  std::string what;    // e.g. "route 10.9.0.0/16 via 10.200.0.7 dev kdn (boot)"
  std::string reason;  // e.g. "the configuration routes 10.9.0.0/16"
  bool operator==(const NotTaken&) const = default;
};

struct EffectiveConfig {
  config::Config config;  // learned routes carry their origin (config::Route::origin)
  unsigned addresses_taken = 0;
  unsigned routes_taken = 0;
  unsigned neighbours_taken = 0;
  std::vector<NotTaken> not_taken;
};

EffectiveConfig effective_config(const config::Config& configured, const LearnedState& learned);

// "route 10.9.0.0/16 via 10.200.0.7 dev kdn (boot)": how status and refusals name a learned route.
std::string describe(const LearnedRoute& route);

}  // namespace torwart::learned
