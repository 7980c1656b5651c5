#include "dataplane/l2_header.hpp"
#include "dataplane/stages.hpp"

namespace torwart::dataplane {

void stage_l2_rewrite(WorkerContext& ctx, Burst& burst) {
  const Snapshot& snapshot = *ctx.snapshot;
  uint16_t kept = 0;
  for (uint16_t i = 0; i < burst.count; ++i) {
    rte_mbuf* m = burst.pkts[i];
    PacketMeta& meta = meta_of(m);
    const NextHop& hop = snapshot.next_hop(meta.next_hop);
    const Interface& out = snapshot.interface(meta.out_iface);
    const NeighbourKey key = NeighbourKey::make(out.port, out.vlan_id, resolution_target(m, meta, hop));
    rte_ether_addr mac;
    if (!ctx.neighbours.lookup(key, &mac)) {
      meta.flags |= meta_flag::kAwaitingResolution;
      burst.punt(m);  // the slow path asks for the MAC and holds the packet until the answer comes
      continue;
    }
    if (!write_l2_header(m, meta, out, mac)) {
      burst.drop(m, DropReason::kTruncatedEthernet);
      continue;
    }
    burst.pkts[kept++] = m;
  }
  burst.count = kept;
}

}  // namespace torwart::dataplane
