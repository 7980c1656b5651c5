#include "controlplane/kernel_mirror/mirror_limits.hpp"

#include <net/if.h>

#include <algorithm>
#include <set>
#include <stdexcept>

namespace torwart::controlplane {
namespace {

bool valid_interface_name(const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ || name == "." || name == "..") return false;
  // The kernel's dev_valid_name() refuses '/', ':' and whitespace; so do we, before watching for it.
  return std::none_of(name.begin(), name.end(),
                      [](unsigned char c) { return c == '/' || c == ':' || c <= ' ' || c == 0x7f; });
}

}  // namespace

void check_mirror_settings(const std::vector<std::string>& watched_interfaces, const MirrorLimits& limits) {
  if (limits.max_routes == 0 || limits.max_neighbours == 0 || limits.max_addresses_per_interface == 0)
    throw std::invalid_argument("kernel mirror limits must be at least 1");
  std::set<std::string> seen;
  for (const std::string& name : watched_interfaces) {
    if (!valid_interface_name(name)) throw std::invalid_argument("not an interface name: \"" + name + "\"");
    if (!seen.insert(name).second) throw std::invalid_argument("interface watched twice: " + name);
  }
}

}  // namespace torwart::controlplane
