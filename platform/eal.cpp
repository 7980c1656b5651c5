#include "platform/eal.hpp"

#include <unistd.h>

#include <stdexcept>

#include <rte_eal.h>
#include <rte_errno.h>

namespace torwart::platform {
namespace {

bool g_started = false;

}  // namespace

std::string device_name(const config::Port& port) {
  switch (port.backend) {
    case config::PortBackend::kPci: return port.device;
    case config::PortBackend::kAfPacket: return "net_af_packet_" + port.name;
    case config::PortBackend::kPcap: return "net_pcap_" + port.name;
    case config::PortBackend::kTap: return "net_tap_" + port.name;
    case config::PortBackend::kNull: return "net_null_" + port.name;
    case config::PortBackend::kRing: return "net_ring_" + port.name;
  }
  return port.name;
}

EalRequest eal_request_for(const config::Config& config) {
  EalRequest request;
  const auto& d = config.dataplane;
  request.worker_lcores = d.workers;
  request.hugepages = d.hugepages;
  request.memory_mb = d.memory_mb;
  request.cpus = d.cpus;
  // af_packet sockets come in queue pairs: one per worker plus one for the control lcore's transmissions.
  const unsigned queue_pairs = d.workers + 1;
  for (const auto& port : config.ports) {
    const std::string name = device_name(port);
    switch (port.backend) {
      case config::PortBackend::kPci: request.pci.push_back(port.device); break;
      case config::PortBackend::kAfPacket:
        request.vdevs.push_back(name + ",iface=" + port.device + ",qpairs=" + std::to_string(queue_pairs) +
                                ",qdisc_bypass=1,framecnt=4096");
        break;
      case config::PortBackend::kPcap: request.vdevs.push_back(name + ",iface=" + port.device); break;
      case config::PortBackend::kTap:
        request.vdevs.push_back(name + ",iface=" + (port.device.empty() ? port.name : port.device));
        break;
      case config::PortBackend::kNull: request.vdevs.push_back(name); break;
      case config::PortBackend::kRing: request.vdevs.push_back(name); break;
    }
  }
  return request;
}

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
    throw std::runtime_error("DPDK EAL start-up failed (" + std::string(rte_strerror(rte_errno)) + "); arguments:" + joined);
  }
  g_started = true;
}

bool eal_started() { return g_started; }

}  // namespace torwart::platform
