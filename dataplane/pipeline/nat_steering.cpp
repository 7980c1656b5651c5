#include "dataplane/pipeline/nat_steering.hpp"

#include <nmmintrin.h>

#include <cstring>

#include "dataplane/conntrack/icmp_error_match.hpp"

namespace torwart::dataplane::nat {
namespace {

constexpr uint8_t kTcp = 6, kUdp = 17, kIcmp = 1;

// Whether `address` routes into a zone some source rule translates.
bool routes_inside(const Snapshot& snapshot, const NatRules& rules, uint32_t address) {
  const uint32_t hop = snapshot.fib().lookup_v4(rte_be_to_cpu_32(address));
  if (hop == kNoNextHop) return false;
  const NextHop& next = snapshot.next_hop(hop);
  if (next.kind != NextHopKind::kForward || next.iface == kNoInterface) return false;
  return rules.inside_zone(snapshot.interface(next.iface).zone);
}

// The owner of traffic to external:port, if NAT owns that port.
std::optional<unsigned> owner_of_external(const NatRules& rules, uint32_t external, uint8_t protocol,
                                          uint16_t port, unsigned workers) {
  if (protocol == kTcp || protocol == kUdp) {
    if (const Forward* forward = rules.forward_to(external, protocol, port))
      return address_hash(forward->server) % workers;
  }
  const PortRange range = rules.range_of(external);
  if (range.contains(port)) return slice_owner(range, port, workers);
  return std::nullopt;
}

}  // namespace

uint32_t address_hash(uint32_t address_network_order) {
  const uint32_t crc = _mm_crc32_u32(0x5a17c0deu, address_network_order);
  return static_cast<uint32_t>((static_cast<uint64_t>(crc) * 0x9e3779b97f4a7c15ull) >> 32);
}

std::optional<unsigned> steering_owner(const Snapshot& snapshot, const PacketMeta& meta, const rte_mbuf* m,
                                       unsigned workers) {
  const NatRules& rules = snapshot.nat();
  if (rules.empty() || meta.l3 != L3Kind::kIpv4 || workers <= 1) return std::nullopt;
  const uint8_t* ip = rte_pktmbuf_mtod_offset(m, const uint8_t*, meta.l3_offset);
  uint32_t source;
  uint32_t destination;
  std::memcpy(&source, ip + 12, 4);
  std::memcpy(&destination, ip + 16, 4);
  // Fragments are steered by addresses until reassembly has them all (the first fragment's ports would send
  // it elsewhere than the later ones); released fragments carry the ports and are steered again.
  const bool fragment_held = (meta.flags & meta_flag::kFragment) && !(meta.flags & meta_flag::kReassembled);
  const bool ports_known = !fragment_held && (meta.l4_present || (meta.flags & meta_flag::kReassembled));
  if (rules.is_external(destination)) {
    if ((meta.flags & meta_flag::kIcmpError) && !fragment_held) {
      conntrack::QuotedPacket quoted;
      if (!conntrack::quoted_packet_of(meta, m, quoted)) return std::nullopt;
      return owner_of_external(rules, destination, quoted.tuple.protocol, quoted.tuple.source_port, workers);
    }
    if (!ports_known) return std::nullopt;
    if (meta.ip_proto == kTcp || meta.ip_proto == kUdp)
      return owner_of_external(rules, destination, meta.ip_proto, meta.dst_port, workers);
    if (meta.ip_proto == kIcmp && (meta.dst_port >> 8) == 0)  // echo reply: the identifier we gave
      return owner_of_external(rules, destination, kIcmp, meta.src_port, workers);
    return std::nullopt;
  }
  const bool source_inside = routes_inside(snapshot, rules, source);
  const bool destination_inside = routes_inside(snapshot, rules, destination);
  // A forward's server answering an outside client, wherever the server lives (its zone need not be one a
  // source rule translates).
  if (!destination_inside && ports_known && (meta.ip_proto == kTcp || meta.ip_proto == kUdp) &&
      rules.forward_from(source, meta.ip_proto, meta.src_port) != nullptr) {
    return address_hash(source) % workers;
  }
  if (source_inside == destination_inside) return std::nullopt;
  return address_hash(source_inside ? source : destination) % workers;
}

std::optional<unsigned> box_packet_owner(const Snapshot& snapshot, const PacketMeta& meta, const rte_mbuf* m,
                                         unsigned workers) {
  const NatRules& rules = snapshot.nat();
  if (rules.empty() || meta.l3 != L3Kind::kIpv4 || workers <= 1) return std::nullopt;
  uint32_t source;
  std::memcpy(&source, rte_pktmbuf_mtod_offset(m, const uint8_t*, meta.l3_offset) + 12, 4);
  if (rules.is_external(source)) {
    if (!meta.l4_present || (meta.flags & meta_flag::kFragment)) return std::nullopt;
    if (meta.ip_proto == kTcp || meta.ip_proto == kUdp)
      return owner_of_external(rules, source, meta.ip_proto, meta.src_port, workers);
    if (meta.ip_proto == kIcmp && (meta.dst_port >> 8) == 8)  // echo request: replies carry its identifier
      return owner_of_external(rules, source, kIcmp, meta.src_port, workers);
    return std::nullopt;
  }
  return steering_owner(snapshot, meta, m, workers);
}

}  // namespace torwart::dataplane::nat
