#pragma once
// Gives a kernel interface of this network namespace its addresses over rtnetlink (libnl-route), so that
// the kernel accepts packets for them. Used at start-up and on reloads for the ports' kernel twins: never per
// packet.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace torwart::platform {

struct KernelAddress {
  bool ipv6 = false;
  std::array<uint8_t, 16> bytes{};  // network order; IPv4 uses the first 4
  uint8_t prefix_length = 0;
};

// Adds each address to `interface` (an address it already has is left as it is; IPv6 ones are kept while
// the link is down). Throws std::runtime_error naming the interface, the address and the kernel's reason.
void add_kernel_addresses(const std::string& interface, const std::vector<KernelAddress>& addresses);
// Removes each address from `interface` (one it does not have is no error: the goal is its absence).
void remove_kernel_addresses(const std::string& interface, const std::vector<KernelAddress>& addresses);

// The fast path copies the ARP and neighbour advertisements that reach the box to the twin, also the
// replies to its own solicitations; Linux ignores such unsolicited answers by default. This makes the twin's
// kernel take them (arp_accept, and accept_untracked_na where the kernel has it), so that what the fast path
// resolves the box's kernel knows too. Throws std::runtime_error naming the setting when /proc/sys refuses
// it.
void share_neighbours_with_kernel(const std::string& twin);

// An af_packet port's device is still a kernel interface, and the kernel's IP stack would take the frames
// for the box's addresses there too (they are local on the twin), past the fast path's policy. This keeps
// it out: strict reverse-path filtering (the box's networks route to the twins), no ARP replies, no IPv6.
// The frames still reach the af_packet socket, which sees them before the IP stack. Throws
// std::runtime_error naming the setting when /proc/sys refuses it.
void keep_kernel_stack_off(const std::string& device);

}  // namespace torwart::platform
