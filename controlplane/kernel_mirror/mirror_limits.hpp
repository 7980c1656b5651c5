#pragma once
// How much learned state the fast path's tables take from the kernel; what is beyond is refused and counted.
#include <cstddef>
#include <string>
#include <vector>

namespace torwart::controlplane {

struct MirrorLimits {
  size_t max_routes = 10000;
  size_t max_neighbours = 8192;
  size_t max_addresses_per_interface = 64;
};

// Throws std::invalid_argument for a zero limit or a watched name Linux could not give an interface (empty,
// 16 bytes or more, '/', whitespace or ':', "." and ".."), or a name given twice.
void check_mirror_settings(const std::vector<std::string>& watched_interfaces, const MirrorLimits& limits);

}  // namespace torwart::controlplane
