#pragma once
// The `nat` section compiled for the fast path (part of every Snapshot): interfaces resolved to indices and
// their first IPv4 address, zones to indices. IPv4 only: IPv6 is routed without translation. Lookups are
// linear; configurations hold a handful of rules.
#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/nat/port_slice.hpp"
#include "rules/config/config.hpp"

namespace torwart::dataplane::nat {

// Protocols NAT translates, each with its own port (or echo identifier) space.
enum class ProtoClass : uint8_t { kTcp = 0, kUdp = 1, kIcmp = 2 };
inline constexpr unsigned kProtoClasses = 3;
// False for IP protocols NAT does not translate (they pass untranslated, see README).
bool proto_class_of(uint8_t ip_proto, ProtoClass& out);

struct SourceRule {
  std::string name;
  uint16_t out_iface = 0;
  uint32_t external = 0;  // network order
  PortRange ports;
  std::vector<uint16_t> from_zones;  // empty: any zone
};

struct Forward {
  std::string name;
  uint16_t in_iface = 0;
  uint32_t public_address = 0;  // network order
  uint8_t protocol = 0;
  uint16_t port = 0;    // host order
  uint32_t server = 0;  // network order
  uint16_t server_port = 0;
};

// What compile() needs to know about an interface.
struct NatInterface {
  std::string name;
  uint16_t zone = 0;
  uint32_t first_v4 = 0;  // network order, 0 without IPv4
};

class NatRules {
 public:
  static NatRules compile(const config::Nat& nat, const std::vector<NatInterface>& interfaces,
                          const std::vector<std::string>& zone_names);

  bool empty() const { return source_.empty() && forwards_.empty(); }
  const std::vector<SourceRule>& source() const { return source_; }
  const std::vector<Forward>& forwards() const { return forwards_; }

  // The first source rule for a connection from `from_zone` leaving through `out_iface`.
  const SourceRule* source_rule(uint16_t from_zone, uint16_t out_iface) const;
  // The forward of `port` (TCP/UDP) on public address `address`.
  const Forward* forward_to(uint32_t address, uint8_t protocol, uint16_t port) const;
  // The forward whose server is server:port (its replies' source), whatever its public side.
  const Forward* forward_from(uint32_t server, uint8_t protocol, uint16_t port) const;
  // An address NAT translates to: a source rule's external address or a forward's public address.
  bool is_external(uint32_t address) const;
  // The port range of a source rule on `address`; without one (an address used by forwards only, for
  // hairpinning) the default range.
  PortRange range_of(uint32_t address) const;
  // Zones whose hosts are source-NATed by some rule ("inside"); a rule for any zone makes every zone inside
  // but the zone of its out interface.
  bool inside_zone(uint16_t zone) const { return zone < inside_.size() && inside_[zone]; }
  uint32_t interface_address(uint16_t iface) const {
    return iface < interface_v4_.size() ? interface_v4_[iface] : 0;
  }

 private:
  std::vector<SourceRule> source_;
  std::vector<Forward> forwards_;
  std::vector<uint32_t> externals_;
  std::vector<bool> inside_;
  std::vector<uint32_t> interface_v4_;
};

}  // namespace torwart::dataplane::nat
