#pragma once
// The configuration translated into the platform's plain requests (EAL, ports, buffers), and the opened
// ports as the snapshot's bindings. The platform itself knows no configuration.
#include <string>
#include <vector>

#include "dataplane/snapshot/snapshot.hpp"
#include "platform/eal.hpp"
#include "platform/interface_addresses/interface_addresses.hpp"
#include "platform/kernel_twins.hpp"
#include "platform/mbuf_pool.hpp"
#include "platform/ports.hpp"
#include "rules/config/config.hpp"

namespace torwart::dataplane {

// The DPDK device name torwart gives the port (e.g. net_af_packet_lan).
std::string device_name(const config::Port& port);
// The EAL arguments for a live run of `config`, with a vdev per virtual port.
platform::EalRequest eal_request_for(const config::Config& config);
std::vector<platform::PortRequest> port_requests(const config::Config& config);
platform::QueueRequest queue_request(const config::Config& config);
platform::MbufDemand mbuf_demand(const config::Config& config);
std::vector<PortBinding> bindings_of(const std::vector<platform::OpenPort>& ports);
// A twin for each port with `kernel_twin`, with the MAC and id the opened port (same order) has.
std::vector<platform::TwinRequest> twin_requests(const config::Config& config,
                                                 const std::vector<platform::OpenPort>& ports);
// The port's own addresses (not its VLANs'), for its twin's kernel interface.
std::vector<platform::KernelAddress> kernel_addresses(const config::Port& port);

}  // namespace torwart::dataplane
