#pragma once
// Opens, configures and starts the configured ports on their backends. Each worker owns a disjoint set of
// receive queues and one transmit queue per port; transmit queue `workers` belongs to the control lcore.
#include <cstdint>
#include <string>
#include <vector>

#include <rte_ether.h>
#include <rte_mempool.h>

#include "dataplane/snapshot.hpp"
#include "rules/config/config.hpp"

namespace torwart::platform {

struct OpenPort {
  std::string name;
  uint16_t port_id = 0;
  uint16_t rx_queues = 0;
  uint16_t tx_queues = 0;
  bool symmetric_rss = false;  // both directions of a flow reach the same queue index on every port
  rte_ether_addr mac{};
  std::string driver;
};

struct PortStatus {
  bool link_up = false;
  uint32_t speed_mbps = 0;
  uint64_t rx_missed = 0;  // dropped by the device because no descriptor was free
  uint64_t rx_errors = 0;
  uint64_t tx_errors = 0;
};

// Throws std::runtime_error naming the port and DPDK's reason.
std::vector<OpenPort> open_ports(const config::Config& config, rte_mempool* pool);
void stop_ports(const std::vector<OpenPort>& ports);
PortStatus port_status(uint16_t port_id);
std::vector<dataplane::PortBinding> bindings_of(const std::vector<OpenPort>& ports);

}  // namespace torwart::platform
