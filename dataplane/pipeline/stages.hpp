#pragma once
// The fast path's stages, and kStages: the one statement of the order they run in (pipeline.cpp runs that
// table; `torwart pipeline` prints it). Each stage takes the packets that are still going on, keeps them in
// order in burst.pkts (keep_if, core/burst.hpp), and moves the rest to burst's side lists.
#include <array>
#include <cstddef>
#include <string_view>

#include "dataplane/core/burst.hpp"
#include "dataplane/pipeline/worker_context.hpp"

namespace torwart::dataplane {

// Port + VLAN -> logical interface; destination MAC check; ARP and neighbour discovery to the slow path.
void stage_ingress(WorkerContext& ctx, Burst& burst);
// IPsec inbound: ESP to the box is checked (anti-replay, integrity) and decrypted with charon's SAs, and the
// inner packet, within its tunnel's networks, goes on as arriving from the tunnel's interface (zone
// vpn-<name>), on the worker of its own flow (stage_esp_in.cpp).
void stage_esp_in(WorkerContext& ctx, Burst& burst);
// Reverse-path check per zone: the source must route back into the zone it came from.
void stage_antispoof(WorkerContext& ctx, Burst& burst);
// Virtual reassembly: holds fragments until their datagram is complete and valid, then queues them in offset
// order on ctx.fragments' ready list with the flow's ports and hash (pipeline.cpp runs them on from route);
// drops overlapping, oversized, tiny, too many and timed-out ones. Anything else passes untouched.
void stage_reassembly(WorkerContext& ctx, Burst& burst);
// NAT, first half (IPv4): packets to an external address are translated back - a port forward to its server,
// a source-NAT mapping to its inside host, an ICMP error's outer destination and quote - so that routing,
// local delivery, conntrack and policy see inside addresses (the policy matches the translated destination).
void stage_nat_destination(WorkerContext& ctx, Burst& burst);
// Longest-prefix match on the destination: next hop, egress interface, or the box itself.
void stage_route(WorkerContext& ctx, Burst& burst);
// Packets for the box: answers echo requests in place (policed, local_policer.hpp); the rest goes on to
// conntrack and the input policy (`to: [local]` rules) where the box's services can be reached
// (ctx.kernel), and is dropped as local_unhandled where they cannot.
void stage_local(WorkerContext& ctx, Burst& burst);
// Known connections: tracked (TCP state, windows); ICMP errors must quote one; the rest is new.
void stage_conntrack(WorkerContext& ctx, Burst& burst);
// New connections (and untrackable packets) are decided by the policy: accept creates the flow; drop and
// reject (TCP RST / ICMP administratively prohibited) end them. After a reload, known flows are asked again.
void stage_policy(WorkerContext& ctx, Burst& burst);
// NAT, second half: a flow's first packet decides its translation (source NAT mapping, forward, hairpin);
// the source of every packet of a translated flow is rewritten (originator: to the mapping; a forward's
// server: to the public address). Unsolicited packets through a mapping and exhausted ports are dropped.
void stage_nat(WorkerContext& ctx, Burst& burst);
// The application layer, inline: reassembly, identification, parsers; the policy's application rules may
// drop or reject a flow's packet once its facts are known, and the signatures run on packets, streams and
// the parsers' buffers (stage_applayer.cpp).
void stage_applayer(WorkerContext& ctx, Burst& burst);
// Copies from mirror ports: tracked, inspected (alerts only) and discarded (stage_mirror.cpp).
void stage_mirror(WorkerContext& ctx, Burst& burst);
// Packets for the box that the input policy accepted go to the slow path, which hands them to the kernel;
// for the rest: TTL/hop limit and MTU: ICMP time exceeded, fragmentation needed, packet too big.
void stage_forward(WorkerContext& ctx, Burst& burst);
// TCP MSS clamping: SYNs through an interface with `mss_clamp` announce at most its value.
void stage_mss_clamp(WorkerContext& ctx, Burst& burst);
// IPsec outbound: packets routed into a tunnel are encrypted with its newest outbound SA and routed to the
// peer out of the uplink (stage_esp_out.cpp).
void stage_esp_out(WorkerContext& ctx, Burst& burst);
// Next hop's MAC from the neighbour table; unresolved packets go to the slow path, which holds them.
void stage_l2_rewrite(WorkerContext& ctx, Burst& burst);
// Groups packets per egress port and hands them to the transmitter.
void stage_output(WorkerContext& ctx, Burst& burst);

struct Stage {
  std::string_view name;
  void (*run)(WorkerContext& ctx, Burst& burst);
  std::string_view summary;  // one line for `torwart pipeline`
};

// Every burst a worker processes runs these in this order. Fragments that reassembly releases join at
// nat_destination; the packets the stages generate (ICMP errors, resets, SYN-proxy segments) run from
// esp_out on.
inline constexpr std::array kStages{
    Stage{"mirror", stage_mirror, "frames from mirror ports: tracked, inspected (alerts only), discarded"},
    Stage{"ingress", stage_ingress,
          "port + VLAN to interface, destination MAC, ARP/ND (policed) to the slow path"},
    Stage{"esp_in", stage_esp_in,
          "ESP to the box: anti-replay, decrypted; the inner packet comes from the tunnel (vpn-<name>)"},
    Stage{"antispoof", stage_antispoof, "the source must route back into the zone it came from"},
    Stage{"reassembly", stage_reassembly, "fragments held until their datagram is complete and valid"},
    Stage{"nat_destination", stage_nat_destination, "NAT, first half: external destinations translated back"},
    Stage{"route", stage_route, "longest-prefix match: next hop, egress interface, or the box itself"},
    Stage{"local", stage_local,
          "packets for the box: echo answered (policed); the rest to the input policy, or dropped"},
    Stage{"conntrack", stage_conntrack, "known connections tracked (TCP state, windows, ICMP errors)"},
    Stage{"policy", stage_policy, "new connections decided: accept, drop, reject; SYN-flood gate"},
    Stage{"nat", stage_nat, "NAT, second half: a flow's translation decided, sources rewritten"},
    Stage{"applayer", stage_applayer, "reassembly, identification, parsers, application rules, signatures"},
    Stage{"forward", stage_forward,
          "accepted packets for the box to its kernel; TTL/hop limit, MTU, ICMP errors"},
    Stage{"mss_clamp", stage_mss_clamp, "SYNs through an interface with mss_clamp announce at most it"},
    Stage{"esp_out", stage_esp_out, "packets routed into a tunnel: encrypted, routed to its peer"},
    Stage{"l2_rewrite", stage_l2_rewrite, "next hop's MAC; unresolved packets wait in the slow path"},
    Stage{"output", stage_output, "packets grouped per egress port and transmitted"},
};

constexpr size_t stage_index(std::string_view name) {
  for (size_t i = 0; i < kStages.size(); ++i)
    if (kStages[i].name == name) return i;
  return kStages.size();
}

}  // namespace torwart::dataplane
