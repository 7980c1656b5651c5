#include <array>

#include "dataplane/pipeline/l2_header.hpp"
#include "dataplane/pipeline/stages.hpp"

namespace torwart::dataplane {
namespace {

// Gateways this burst has already resolved, by next hop and egress interface. The packets of a burst mostly
// leave through a few gateways, so one table lookup serves all of a gateway's packets. Only resolved
// gateways are remembered; on-link destinations (no gateway) are looked up one by one.
class ResolvedGateways {
 public:
  bool find(uint32_t next_hop, uint16_t out_iface, rte_ether_addr* mac) const {
    const Slot& slot = slots_[next_hop % kSlots];
    if (slot.next_hop != next_hop || slot.out_iface != out_iface) return false;
    *mac = slot.mac;
    return true;
  }
  void remember(uint32_t next_hop, uint16_t out_iface, const rte_ether_addr& mac) {
    slots_[next_hop % kSlots] = Slot{next_hop, out_iface, mac};
  }

 private:
  static constexpr unsigned kSlots = 8;
  struct Slot {
    uint32_t next_hop = kNoNextHop;
    uint16_t out_iface = kNoInterface;
    rte_ether_addr mac{};
  };
  std::array<Slot, kSlots> slots_{};
};

}  // namespace

void stage_l2_rewrite(WorkerContext& ctx, Burst& burst) {
  const Snapshot& snapshot = *ctx.snapshot;
  ResolvedGateways gateways;
  keep_if(burst, [&](rte_mbuf* m) {
    PacketMeta& meta = meta_of(m);
    const NextHop& hop = snapshot.next_hop(meta.next_hop);
    const Interface& out = snapshot.interface(meta.out_iface);
    rte_ether_addr mac;
    if (!hop.has_gateway || !gateways.find(meta.next_hop, meta.out_iface, &mac)) {
      const NeighbourKey key = NeighbourKey::make(out.port, out.vlan_id, resolution_target(m, meta, hop));
      if (!ctx.neighbours.lookup(key, &mac)) {
        meta.flags |= meta_flag::kAwaitingResolution;
        burst.punt(m);  // the slow path asks for the MAC and holds the packet until the answer comes
        return false;
      }
      if (hop.has_gateway) gateways.remember(meta.next_hop, meta.out_iface, mac);
    }
    if (!write_l2_header(m, meta, out, mac)) {
      burst.drop(m, DropReason::kTruncatedEthernet);
      return false;
    }
    return true;
  });
}

}  // namespace torwart::dataplane
