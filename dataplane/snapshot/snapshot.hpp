#pragma once
// The immutable, versioned configuration the workers run on. Built by the control lcore from a validated
// Config, published with one atomic pointer store, and freed only after every worker has passed a
// quiescent state (rte_rcu_qsbr), so that a worker never sees a half-built or freed snapshot.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <rte_ether.h>

#include "dataplane/core/packet_meta.hpp"
#include "dataplane/ids/ruleset.hpp"
#include "dataplane/nat/nat_rules.hpp"
#include "dataplane/routing/fib.hpp"
#include "rules/config/config.hpp"
#include "rules/policy/compiled_policy.hpp"

namespace torwart::dataplane {

inline constexpr uint16_t kMaxPorts = 32;
inline constexpr uint16_t kMaxVlanId = 4095;

struct Interface {
  std::string name;
  uint16_t index = 0;
  uint16_t port = 0;     // DPDK port id
  uint16_t vlan_id = 0;  // 0: the untagged interface of the port
  uint16_t mtu = 1500;
  uint16_t zone = 0;
  // Largest TCP MSS a SYN through this interface may announce; 0: no clamping.
  uint16_t mss_clamp_v4 = 0;
  uint16_t mss_clamp_v6 = 0;
  rte_ether_addr mac{};
  std::vector<config::InterfaceAddress> addresses;
  // Source addresses for packets the box itself sends from this interface (ICMP errors, ARP, ND).
  uint32_t source_v4 = 0;  // host order, 0 when the interface has no IPv4 address
  bool has_v4 = false;
  std::array<uint8_t, 16> source_v6{};
  bool has_v6 = false;
  std::array<uint8_t, 16> link_local_v6{};  // EUI-64 from the MAC, for neighbour discovery
  // `addresses: dhcp`: DHCP server messages are handed to the twin's client, and its messages leave as they
  // are (kernel_frames.hpp), as ARP does.
  bool dhcp_client = false;
  // A VPN tunnel's interface (Snapshot::tunnels()): no port, no addresses; packets routed to it are
  // encrypted by stage_esp_out, and the tunnel's decrypted packets arrive from it.
  uint16_t tunnel = kNoTunnel;
  static constexpr uint16_t kNoTunnel = 0xffff;
  static constexpr uint16_t kNoPort = 0xffff;  // `port` of a tunnel interface
  bool is_tunnel() const { return tunnel != kNoTunnel; }
};

// A tunnel of the `vpn` section as the workers use it. Its SAs are charon's (dataplane/ipsec's SA table),
// found by the reqid of the tunnel's CHILD_SA of each family (config::VpnTunnel::reqid).
struct Tunnel {
  std::string name;
  uint16_t iface = kNoInterface;  // its interface, in the zone vpn-<name>
  uint32_t reqid_v4 = 0;
  uint32_t reqid_v6 = 0;
  std::vector<config::IpPrefix> local_subnets;  // outbound sources, inbound destinations
  std::vector<config::IpPrefix>
      remote_subnets;  // outbound destinations (routed into the tunnel), inbound sources
  uint32_t reqid(bool ipv6) const { return ipv6 ? reqid_v6 : reqid_v4; }
};

// The bytes ESP in tunnel mode adds at most (outer IPv4 or IPv6 header, UDP for NAT traversal, ESP header,
// 8-byte IV, up to 3 bytes of padding, the trailer and the 16-byte AES-GCM tag): a tunnel's MTU is its
// uplink's minus this, so that its packets leave the uplink unfragmented.
inline constexpr uint16_t kEspOverheadV4 = 20 + 8 + 8 + 8 + 3 + 2 + 16;
inline constexpr uint16_t kEspOverheadV6 = kEspOverheadV4 + 20;

struct Zone {
  std::string name;
  bool antispoof = true;
};

enum class NextHopKind : uint8_t { kForward, kLocal, kBlackhole };

struct NextHop {
  NextHopKind kind = NextHopKind::kForward;
  uint16_t iface = kNoInterface;
  bool has_gateway = false;
  config::IpAddress gateway;  // next hop to resolve; without one, the destination itself is on-link
  bool operator==(const NextHop&) const = default;
};

struct PortBinding {
  std::string name;   // configuration port name
  uint16_t port = 0;  // DPDK port id (replay: the port's index in the configuration)
  rte_ether_addr device_mac{};
};

struct StaticNeighbour {
  uint16_t port = 0;
  uint16_t vlan_id = 0;
  config::IpAddress address;
  rte_ether_addr mac{};
};

class Snapshot {
 public:
  // Throws std::runtime_error naming what could not be built (e.g. out of DPDK memory).
  static std::unique_ptr<Snapshot> build(const config::Config& config, uint64_t version, std::string digest,
                                         const std::vector<PortBinding>& ports);

  uint64_t version() const { return version_; }
  // Changes with every snapshot installed, also when what the kernel twins taught the box changed under the
  // same configuration version: known connections are asked the policy again when it differs from theirs.
  uint32_t epoch() const { return epoch_ != 0 ? epoch_ : static_cast<uint32_t>(version_); }
  void set_epoch(uint32_t epoch) { epoch_ = epoch; }
  const std::string& digest() const { return digest_; }
  const config::Config& source() const { return source_; }

  const std::vector<Interface>& interfaces() const { return interfaces_; }
  const Interface& interface(uint16_t index) const { return interfaces_[index]; }
  const std::vector<Zone>& zones() const { return zones_; }
  const std::vector<NextHop>& next_hops() const { return next_hops_; }
  const NextHop& next_hop(uint32_t index) const { return next_hops_[index]; }
  // The route ends at one of the box's own addresses (its input policy, the zone `local`, decides).
  bool for_the_box(uint32_t next_hop_index) const {
    return next_hops_[next_hop_index].kind == NextHopKind::kLocal;
  }
  const std::vector<StaticNeighbour>& static_neighbours() const { return static_neighbours_; }
  const std::vector<Tunnel>& tunnels() const { return tunnels_; }
  // The tunnel whose CHILD_SA has `reqid` (an inbound SA's), and whether that is its IPv6 one; null if none.
  const Tunnel* tunnel_of_reqid(uint32_t reqid, bool& ipv6) const {
    for (const Tunnel& t : tunnels_) {
      if (t.reqid_v4 == reqid || t.reqid_v6 == reqid) {
        ipv6 = t.reqid_v6 == reqid;
        return &t;
      }
    }
    return nullptr;
  }
  const Fib& fib() const { return fib_; }
  const policy::CompiledPolicy& policy() const { return *policy_; }
  const nat::NatRules& nat() const { return nat_; }
  // The signature set of this configuration's `ids` section (nullptr: no signatures). Built beside the
  // running one and attached before the snapshot is installed; never changed after.
  const ids::Ruleset* signatures() const { return signatures_.get(); }
  std::shared_ptr<const ids::Ruleset> shared_signatures() const { return signatures_; }
  void attach_signatures(std::shared_ptr<const ids::Ruleset> set) { signatures_ = std::move(set); }

  // The logical interface a frame arriving on (port, vlan) belongs to, or kNoInterface.
  uint16_t interface_of(uint16_t port, uint16_t vlan_id) const {
    if (port >= kMaxPorts) return kNoInterface;
    return vlan_id == 0 ? untagged_[port] : tagged_lookup(port, vlan_id);
  }
  const std::vector<uint16_t>& ports() const { return port_ids_; }
  // Ports with role `mirror`: their frames are copies to inspect, never to forward (stage_mirror.cpp).
  bool mirror_port(uint16_t port) const { return port < kMaxPorts && mirror_[port]; }
  bool has_mirror_ports() const { return has_mirror_; }
  const std::string& port_name(uint16_t port) const { return port_names_[port]; }

 private:
  uint16_t tagged_lookup(uint16_t port, uint16_t vlan_id) const;

  uint64_t version_ = 0;
  uint32_t epoch_ = 0;
  std::string digest_;
  config::Config source_;
  std::vector<Interface> interfaces_;
  std::vector<Zone> zones_;
  std::vector<NextHop> next_hops_;
  std::vector<StaticNeighbour> static_neighbours_;
  std::vector<Tunnel> tunnels_;
  std::array<uint16_t, kMaxPorts> untagged_{};
  std::vector<std::vector<uint16_t>> tagged_;  // per port: vlan id -> interface, dense only where configured
  std::vector<uint16_t> port_ids_;
  std::array<std::string, kMaxPorts> port_names_;
  std::array<bool, kMaxPorts> mirror_{};
  bool has_mirror_ = false;
  Fib fib_;
  std::unique_ptr<policy::CompiledPolicy> policy_;
  nat::NatRules nat_;
  std::shared_ptr<const ids::Ruleset> signatures_;
};

}  // namespace torwart::dataplane
