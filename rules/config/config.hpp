#pragma once
// The appliance configuration as one validated, self-contained value. The YAML format is described in
// rules/config/FORMAT.md; load.hpp turns text into this or into a list of errors.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rules/config/ip_address.hpp"

namespace torwart::config {

inline constexpr unsigned kMssClampAuto = 0xffffffff;

enum class PortBackend { kPci, kAfPacket, kPcap, kTap, kNull, kRing };
enum class Distribution { kAuto, kRss, kSoftware };

struct Dataplane {
  unsigned workers = 1;
  std::vector<unsigned> cpus{0};  // workers are pinned round-robin; the main lcore runs on cpus[0]
  bool hugepages = false;
  unsigned memory_mb = 512;
  unsigned mbufs = 32767;
  unsigned burst = 32;
  unsigned rx_descriptors = 1024;
  unsigned tx_descriptors = 1024;
  Distribution distribution = Distribution::kAuto;
  std::string control_socket = "/run/torwart/control.sock";
  unsigned stats_interval_s = 10;
  unsigned idle_sleep_us = 50;  // workers sleep this long after many empty polls; 0 = busy-poll always
};

struct Zone {
  std::string name;
  bool antispoof = true;  // reverse-path check: the source must route back into this zone
};

struct Vlan {
  uint16_t id = 0;
  std::string name;
  std::string zone;
  std::vector<InterfaceAddress> addresses;
  unsigned mtu = 0;  // 0: the parent port's
};

struct Port {
  std::string name;
  std::string role;
  std::string zone;
  PortBackend backend = PortBackend::kNull;
  std::string device;  // interface name, PCI address or file, by backend
  std::optional<MacAddress> mac;
  unsigned mtu = 1500;
  // TCP MSS clamping for SYNs forwarded through this port: 0 off, kMssClampAuto = MTU - 40 (v4) / - 60 (v6).
  unsigned mss_clamp = 0;
  std::vector<InterfaceAddress> addresses;
  std::vector<Vlan> vlans;
};

struct Route {
  IpPrefix to;
  std::optional<IpAddress> via;       // absent: directly connected on `interface`
  std::string interface;              // optional when `via` is on a connected network
  bool blackhole = false;
};

struct Neighbour {
  IpAddress address;
  MacAddress mac;
  std::string interface;  // optional: found from the connected networks
};

struct Config {
  unsigned format = 1;
  std::string name;
  Dataplane dataplane;
  std::vector<Zone> zones;
  std::vector<Port> ports;
  std::vector<Route> routes;
  std::vector<Neighbour> neighbours;
};

const char* to_string(PortBackend backend);

}  // namespace torwart::config
