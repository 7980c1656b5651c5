#pragma once
// DPDK EAL start-up from a plain request: the same code on an appliance (hugepages, PCI NICs) and here (no
// hugepages, no PCI, virtual devices). The request is made from the configuration above the platform
// (dataplane/live/platform_requests.hpp).
#include <string>
#include <vector>

namespace torwart::platform {

struct EalRequest {
  unsigned worker_lcores = 0;      // 0: no worker lcores (replay, tools)
  std::vector<std::string> vdevs;  // --vdev arguments
  std::vector<std::string> pci;    // -a allow-list; empty: --no-pci
  bool hugepages = false;
  unsigned memory_mb = 512;
  std::vector<unsigned> cpus{0};
  std::string log_level = "*:warning";
};

std::vector<std::string> eal_arguments(const EalRequest& request);

// Starts the EAL once per process; throws std::runtime_error with DPDK's reason on failure.
void start_eal(const EalRequest& request);
bool eal_started();

// The CPUs this process may run on (sched_getaffinity, e.g. as narrowed by taskset), in ascending order.
// Tools that need one lcore take the first: never a fixed CPU 0 that competes with everything else there.
std::vector<unsigned> allowed_cpus();

}  // namespace torwart::platform
