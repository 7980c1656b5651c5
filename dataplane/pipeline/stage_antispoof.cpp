#include "dataplane/core/packet_access.hpp"
#include "dataplane/pipeline/stages.hpp"

namespace torwart::dataplane {
namespace {

// The next hop the box would use to reach `source`, or kNoNextHop.
uint32_t reverse_lookup(const Fib& fib, rte_mbuf* m, const PacketMeta& meta, bool* exempt) {
  if (meta.l3 == L3Kind::kIpv4) {
    const uint32_t source = rte_be_to_cpu_32(ipv4_of(m, meta)->src_addr);
    // 0.0.0.0 (DHCP) and link-local sources never leave the link; forward refuses to route them.
    *exempt = source == 0 || is_ipv4_link_local(source);
    return *exempt ? kNoNextHop : fib.lookup_v4(source);
  }
  const uint8_t* source = ipv6_of(m, meta)->src_addr;
  static constexpr uint8_t kUnspecified[16] = {};
  *exempt = is_ipv6_link_local(source) || std::memcmp(source, kUnspecified, 16) == 0;
  return *exempt ? kNoNextHop : fib.lookup_v6(source);
}

}  // namespace

void stage_antispoof(WorkerContext& ctx, Burst& burst) {
  const Snapshot& snapshot = *ctx.snapshot;
  keep_if(burst, [&](rte_mbuf* m) {
    const PacketMeta& meta = meta_of(m);
    const uint16_t zone = snapshot.interface(meta.in_iface).zone;
    // The box's own source was checked against the port's addresses when its twin sent it.
    if (snapshot.zones()[zone].antispoof && !meta.from_kernel) {
      bool exempt = false;
      const uint32_t hop_index = reverse_lookup(snapshot.fib(), m, meta, &exempt);
      if (!exempt) {
        // The box's own address as a source, a blackholed source, or one that routes into another zone.
        const bool spoofed = hop_index == kNoNextHop ||
                             snapshot.next_hop(hop_index).kind != NextHopKind::kForward ||
                             snapshot.interface(snapshot.next_hop(hop_index).iface).zone != zone;
        if (spoofed) {
          burst.drop(m, DropReason::kSpoofedSource);
          return false;
        }
      }
    }
    return true;
  });
}

}  // namespace torwart::dataplane
