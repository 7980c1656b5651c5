#pragma once
// What the stages learn about a packet, kept in the mbuf's private area so that it travels with the packet
// when software distribution hands it to another worker.
#include <cstdint>

#include <rte_mbuf.h>

#include "dataplane/core/drop_reason.hpp"

namespace torwart::dataplane {

namespace conntrack {
struct Flow;
}  // namespace conntrack

enum class L3Kind : uint8_t { kNone = 0, kIpv4, kIpv6, kArp };

namespace meta_flag {
inline constexpr uint16_t kVlanTagged = 1 << 0;
inline constexpr uint16_t kIpv4Options = 1 << 1;
inline constexpr uint16_t kFragment = 1 << 2;       // any fragment, first or later
inline constexpr uint16_t kLaterFragment = 1 << 3;  // offset != 0: no L4 header in this packet
inline constexpr uint16_t kIpv6ExtHeaders = 1 << 4;
inline constexpr uint16_t kLocallyOriginated = 1 << 5;  // built or turned around by the box itself
inline constexpr uint16_t kIcmpError = 1 << 6;          // ICMP/ICMPv6 error message
inline constexpr uint16_t kDontFragment = 1 << 7;
inline constexpr uint16_t kL2Multicast = 1 << 8;         // broadcast or multicast destination MAC
inline constexpr uint16_t kAwaitingResolution = 1 << 9;  // punted because the next hop's MAC is unknown
// A fragment of a datagram that reassembly found complete and valid: it carries the first fragment's ports
// and the flow's full hash, and reassembly lets it pass (also when another worker handed it over).
inline constexpr uint16_t kReassembled = 1 << 10;
inline constexpr uint16_t kNewFlow = 1 << 11;  // no tracked flow yet: the policy decides
inline constexpr uint16_t kStateless = 1
                                       << 12;  // not trackable (e.g. ICMP other than echo): policy per packet
inline constexpr uint16_t kNoLog = 1 << 13;    // the deciding policy rule asked for no log record
inline constexpr uint16_t kPolicyRecheck = 1 << 14;  // flow decided under an older configuration: ask again
inline constexpr uint16_t kReplyDirection =
    1 << 15;  // a tracked flow's packet travelling responder -> originator
}  // namespace meta_flag

// PacketMeta::nat_flags: what NAT did to a packet before conntrack saw it (stage_nat.cpp).
namespace nat_flag {
inline constexpr uint8_t kSteered = 1 << 0;      // software distribution chose its worker by NAT steering
inline constexpr uint8_t kForwarded = 1 << 1;    // destination translated by a port forward
inline constexpr uint8_t kViaMapping = 1 << 2;   // destination translated back through a source-NAT mapping
inline constexpr uint8_t kIcmpInbound = 1 << 3;  // ICMP error to an external address, outer and quote done
inline constexpr uint8_t kDestinationTranslated = kForwarded | kViaMapping | kIcmpInbound;
}  // namespace nat_flag

inline constexpr uint16_t kNoInterface = 0xffff;
inline constexpr uint32_t kNoNextHop = 0xffffffff;
inline constexpr uint16_t kNoPolicyRuleInMeta = 0xffff;  // PacketMeta::policy_rule: default or undecided

struct PacketMeta {
  uint16_t l3_offset;  // from the start of the frame
  uint16_t l4_offset;  // valid when l4_present
  uint16_t l3_length;  // IP datagram length from the IP header (v4 total length, v6 40 + payload length)
  uint16_t vlan_id;    // 0 when untagged
  uint16_t flags;      // meta_flag::*
  uint16_t src_port;   // TCP/UDP ports, host order; ICMP: identifier for echo, else 0 (see kReassembled)
  uint16_t dst_port;   // ICMP: type << 8 | code
  uint16_t in_iface;   // logical interface (port or VLAN sub-interface) the packet arrived on
  uint16_t out_iface;
  L3Kind l3;
  uint8_t ip_proto;  // upper-layer protocol after IPv6 extension headers
  uint8_t l4_present;
  uint8_t ttl;
  DropReason drop_reason;
  uint8_t nat_flags;     // nat_flag::*
  uint16_t policy_rule;  // the policy rule that decided (rule index; 0xffff: default or undecided)
  // Punted by stage_forward because the input policy accepted it for the box's own services: the slow path
  // hands it to the kernel (KernelSink) instead of treating it as ARP, ND or a packet awaiting resolution.
  bool for_kernel;
  // Sent by the box's kernel on a port's twin (the control lcore checked its source): ingress takes the
  // port's interface without a MAC check, antispoof, local delivery, the SYN-flood gate, NAT and the TTL
  // decrement leave it alone, and the policy sees it coming from the zone `local`.
  bool from_kernel;
  uint32_t flow_hash;             // symmetric: both directions of a connection hash alike
  uint32_t next_hop;              // index into the snapshot's next-hop table
  uint16_t fragment_header;       // IPv6 fragments: offset of the fragment header from the start of the frame
  uint16_t nat_original_port;     // kForwarded / kViaMapping: the destination port the packet arrived with
  conntrack::Flow* flow;          // the tracked connection, once conntrack or policy found or created it
  uint32_t nat_original_address;  // ... and its destination address (network order)
  // The inner packet of an ESP packet the box decrypted (stage_esp_in): it arrived from the tunnel
  // interface in_iface, and ingress and esp_in leave it alone when another worker hands it over.
  bool decapsulated;
  // The tracked connection's EVE flow_id, kept apart from `flow` because a drop is logged at the end of the
  // burst, when the flow may have ended (its slot reused) meanwhile; 0: no tracked connection.
  uint64_t flow_id;
};
// The mbuf is two cache lines; its private area starts the third.
static_assert(sizeof(PacketMeta) <= 64, "packet metadata must stay within the cache line after the mbuf");

inline constexpr uint16_t kMbufPrivSize = RTE_ALIGN_CEIL(sizeof(PacketMeta), RTE_MBUF_PRIV_ALIGN);

inline PacketMeta& meta_of(rte_mbuf* m) {
  return *static_cast<PacketMeta*>(rte_mbuf_to_priv(m));
}

}  // namespace torwart::dataplane
