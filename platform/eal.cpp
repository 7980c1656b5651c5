#include "platform/eal.hpp"

#include <sched.h>
#include <unistd.h>

#include <stdexcept>

#include <rte_eal.h>
#include <rte_errno.h>

namespace torwart::platform {
namespace {

bool g_started = false;

}  // namespace

std::vector<std::string> eal_arguments(const EalRequest& request) {
  std::vector<std::string> args{"torwart"};
  // The main lcore (control) shares the first CPU; workers go round-robin over the configured CPUs.
  std::string lcores = "0@" + std::to_string(request.cpus.at(0));
  for (unsigned w = 0; w < request.worker_lcores; ++w) {
    lcores += "," + std::to_string(w + 1) + "@" + std::to_string(request.cpus[w % request.cpus.size()]);
  }
  args.push_back("--lcores=" + lcores);
  if (request.hugepages) {
    args.push_back("--in-memory");
  } else {
    args.push_back("--no-huge");
    args.push_back("--no-shconf");
  }
  args.push_back("-m");
  args.push_back(std::to_string(request.memory_mb));
  if (request.pci.empty()) {
    args.push_back("--no-pci");
  } else {
    for (const auto& address : request.pci) args.push_back("--allow=" + address);
  }
  for (const auto& vdev : request.vdevs) args.push_back("--vdev=" + vdev);
  args.push_back("--no-telemetry");  // torwart reports through its own control socket
  args.push_back("--log-level=" + request.log_level);
  return args;
}

void start_eal(const EalRequest& request) {
  if (g_started) throw std::runtime_error("the DPDK EAL can start only once per process");
  std::vector<std::string> args = eal_arguments(request);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (rte_eal_init(static_cast<int>(args.size()), argv.data()) < 0) {
    std::string joined;
    for (const auto& a : args) joined += " " + a;
    throw std::runtime_error("DPDK EAL start-up failed (" + std::string(rte_strerror(rte_errno)) +
                             "); arguments:" + joined);
  }
  g_started = true;
}

bool eal_started() {
  return g_started;
}

std::vector<unsigned> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<unsigned> cpus;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    for (unsigned cpu = 0; cpu < CPU_SETSIZE; ++cpu)
      if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  }
  if (cpus.empty()) cpus.push_back(0);
  return cpus;
}

}  // namespace torwart::platform
