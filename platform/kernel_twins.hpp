#pragma once
// A port's kernel twin: a DPDK net_tap device whose kernel interface carries the port's name, MAC and MTU
// (VPP linux-cp, Grout). The box's own services bind to the port's addresses on it; frames for them leave
// the fast path through its transmit queue, and what the kernel sends comes back on its receive queue.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <rte_ether.h>
#include <rte_mempool.h>

namespace torwart::platform {

struct TwinRequest {
  std::string interface;  // the kernel interface to create (the port's name)
  uint16_t data_port = 0;
  unsigned mtu = 1500;
  rte_ether_addr mac{};  // the data port's, so the kernel's frames need no rewriting
};

struct OpenTwin {
  std::string interface;
  uint16_t data_port = 0;
  uint16_t twin_port = 0;  // one receive and one transmit queue, both the control lcore's
};

// The devargs of a twin's net_tap vdev (kept apart for the unit tests: DPDK parses this string).
std::string twin_devargs(const TwinRequest& twin);
// Creates, configures and starts each twin in the calling process's network namespace. Throws
// std::runtime_error naming the interface and DPDK's reason.
std::vector<OpenTwin> open_twins(const std::vector<TwinRequest>& twins, unsigned rx_descriptors,
                                 unsigned tx_descriptors, rte_mempool* pool);
// Brings each twin's kernel link up or down with its data port's link (called on the control lcore's tick).
void follow_data_links(const std::vector<OpenTwin>& twins);
void close_twins(const std::vector<OpenTwin>& twins);

}  // namespace torwart::platform
