#pragma once
// The name of a route's origin from its rtm_protocol, as `ip route` users know it: which program put the
// route there. The consumer's precedence rule and `status` speak in these names.
#include <cstdint>
#include <string>

namespace torwart::controlplane {

// "kernel" (connected routes), "boot" (ip route without proto), "static", "dhcp", "ra", "zebra", "bgp", ...;
// "proto N" for a number Linux gives no name.
std::string origin_name(uint8_t protocol);

}  // namespace torwart::controlplane
