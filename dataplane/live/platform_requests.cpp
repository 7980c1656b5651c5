#include "dataplane/live/platform_requests.hpp"

namespace torwart::dataplane {

std::string device_name(const config::Port& port) {
  switch (port.backend) {
    case config::PortBackend::kPci:
      return port.device;
    case config::PortBackend::kAfPacket:
      return "net_af_packet_" + port.name;
    case config::PortBackend::kPcap:
      return "net_pcap_" + port.name;
    case config::PortBackend::kTap:
      return "net_tap_" + port.name;
    case config::PortBackend::kNull:
      return "net_null_" + port.name;
    case config::PortBackend::kRing:
      return "net_ring_" + port.name;
  }
  return port.name;
}

platform::EalRequest eal_request_for(const config::Config& config) {
  platform::EalRequest request;
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
      case config::PortBackend::kPci:
        request.pci.push_back(port.device);
        break;
      case config::PortBackend::kAfPacket:
        request.vdevs.push_back(name + ",iface=" + port.device + ",qpairs=" + std::to_string(queue_pairs) +
                                ",qdisc_bypass=1,framecnt=4096");
        break;
      case config::PortBackend::kPcap:
        request.vdevs.push_back(name + ",iface=" + port.device);
        break;
      case config::PortBackend::kTap:
        request.vdevs.push_back(name + ",iface=" + (port.device.empty() ? port.name : port.device));
        break;
      case config::PortBackend::kNull:
        request.vdevs.push_back(name);
        break;
      case config::PortBackend::kRing:
        request.vdevs.push_back(name);
        break;
    }
  }
  return request;
}

std::vector<platform::PortRequest> port_requests(const config::Config& config) {
  std::vector<platform::PortRequest> requests;
  for (const auto& port : config.ports) {
    platform::PortRequest request;
    request.name = port.name;
    request.device_name = device_name(port);
    request.device = port.device;
    request.mtu = port.mtu;
    if (port.mac) request.mac = port.mac->bytes;
    switch (config.dataplane.distribution) {
      case config::Distribution::kRss:
        request.rss = platform::RssChoice::kRequired;
        break;
      case config::Distribution::kSoftware:
        request.rss = platform::RssChoice::kNever;
        break;
      case config::Distribution::kAuto:
        // Virtual devices spread frames unevenly or not at all: software distribution sorts their flows.
        request.rss = port.backend == config::PortBackend::kPci ? platform::RssChoice::kPrefer
                                                                : platform::RssChoice::kNever;
        break;
    }
    requests.push_back(std::move(request));
  }
  return requests;
}

platform::QueueRequest queue_request(const config::Config& config) {
  return {config.dataplane.workers, config.dataplane.rx_descriptors, config.dataplane.tx_descriptors};
}

platform::MbufDemand mbuf_demand(const config::Config& config) {
  platform::MbufDemand demand{static_cast<unsigned>(config.ports.size()), config.dataplane.workers,
                              config.dataplane.rx_descriptors, config.dataplane.tx_descriptors};
  for (const auto& port : config.ports) demand.kernel_twins += port.kernel_twin ? 1 : 0;
  return demand;
}

std::vector<PortBinding> bindings_of(const std::vector<platform::OpenPort>& ports) {
  std::vector<PortBinding> bindings;
  for (const auto& p : ports) bindings.push_back({p.name, p.port_id, p.mac});
  return bindings;
}

std::vector<platform::TwinRequest> twin_requests(const config::Config& config,
                                                 const std::vector<platform::OpenPort>& ports) {
  std::vector<platform::TwinRequest> requests;
  for (size_t i = 0; i < config.ports.size() && i < ports.size(); ++i) {
    const auto& port = config.ports[i];
    if (port.kernel_twin) requests.push_back({port.name, ports[i].port_id, port.mtu, ports[i].mac});
  }
  return requests;
}

std::vector<platform::KernelAddress> kernel_addresses(const config::Port& port) {
  std::vector<platform::KernelAddress> addresses;
  for (const auto& a : port.addresses)
    addresses.push_back({!a.address.is_v4(), a.address.bytes, a.prefix_length});
  return addresses;
}

}  // namespace torwart::dataplane
