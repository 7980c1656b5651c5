#include "dataplane/core/packet_access.hpp"
#include "dataplane/pipeline/icmp_error.hpp"
#include "dataplane/pipeline/stages.hpp"

namespace torwart::dataplane {

void stage_route(WorkerContext& ctx, Burst& burst) {
  const Snapshot& snapshot = *ctx.snapshot;
  keep_if(burst, [&](rte_mbuf* m) {
    PacketMeta& meta = meta_of(m);
    uint32_t hop = kNoNextHop;
    if (meta.l3 == L3Kind::kIpv4) {
      const uint32_t destination = rte_be_to_cpu_32(ipv4_of(m, meta)->dst_addr);
      // The box does not route multicast or broadcast, and runs no local service that listens for it.
      if (is_ipv4_multicast_or_broadcast(destination)) {
        burst.drop(m, DropReason::kLocalUnhandled);
        return false;
      }
      hop = snapshot.fib().lookup_v4(destination);
    } else {
      const uint8_t* destination = ipv6_of(m, meta)->dst_addr;
      if (is_ipv6_multicast(destination)) {
        burst.drop(m, DropReason::kLocalUnhandled);
        return false;
      }
      hop = snapshot.fib().lookup_v6(destination);
    }
    if (hop == kNoNextHop) {
      // An error about the box's own packet would be addressed to the box: only the input path leads there.
      if (!meta.from_kernel) send_icmp_error(ctx, burst, m, IcmpErrorKind::kNoRoute);
      burst.drop(m, DropReason::kNoRoute);
      return false;
    }
    const NextHop& next = snapshot.next_hop(hop);
    if (next.kind == NextHopKind::kBlackhole) {
      burst.drop(m, DropReason::kNoRoute);  // silently, as a blackhole route is meant to
      return false;
    }
    meta.next_hop = hop;
    meta.out_iface = next.iface;
    return true;
  });
}

}  // namespace torwart::dataplane
