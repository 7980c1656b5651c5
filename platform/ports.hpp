#pragma once
// Opens, configures and starts ports on their backends. Each worker owns a disjoint set of receive queues and
// one transmit queue per port; transmit queue `workers` belongs to the control lcore.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <rte_ether.h>
#include <rte_mempool.h>

namespace torwart::platform {

enum class RssChoice : uint8_t {
  kNever,     // software distribution
  kPrefer,    // RSS where the device offers a symmetric 40-byte key, software otherwise
  kRequired,  // RSS or refuse the port
};

struct PortRequest {
  std::string name;         // the configuration's name, in messages
  std::string device_name;  // the DPDK device (PCI address or vdev name)
  std::string device;       // what backs it (interface, file, PCI address), in messages
  unsigned mtu = 1500;
  std::optional<std::array<uint8_t, 6>> mac;  // absent: the device's own
  RssChoice rss = RssChoice::kNever;
};

struct QueueRequest {
  unsigned workers = 1;
  unsigned rx_descriptors = 1024;
  unsigned tx_descriptors = 1024;
};

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
std::vector<OpenPort> open_ports(const std::vector<PortRequest>& ports, const QueueRequest& queues,
                                 rte_mempool* pool);
void stop_ports(const std::vector<OpenPort>& ports);
PortStatus port_status(uint16_t port_id);

}  // namespace torwart::platform
