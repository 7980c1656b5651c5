#pragma once
// DPDK EAL start-up from the configuration: the same code on an appliance (hugepages, PCI NICs) and here
// (no hugepages, no PCI, virtual devices), chosen by `dataplane.hugepages` and the ports' backends.
#include <string>
#include <vector>

#include "rules/config/config.hpp"

namespace torwart::platform {

struct EalRequest {
  unsigned worker_lcores = 0;        // 0: no worker lcores (replay, tools)
  std::vector<std::string> vdevs;    // --vdev arguments
  std::vector<std::string> pci;      // -a allow-list; empty: --no-pci
  bool hugepages = false;
  unsigned memory_mb = 512;
  std::vector<unsigned> cpus{0};
  std::string log_level = "*:warning";
};

// The EAL arguments for a live run of `config`, with a vdev per virtual port.
EalRequest eal_request_for(const config::Config& config);
std::vector<std::string> eal_arguments(const EalRequest& request);

// Starts the EAL once per process; throws std::runtime_error with DPDK's reason on failure.
void start_eal(const EalRequest& request);
bool eal_started();

// The DPDK device name torwart gives the port (e.g. net_af_packet_lan).
std::string device_name(const config::Port& port);

}  // namespace torwart::platform
