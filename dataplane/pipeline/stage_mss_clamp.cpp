#include <netinet/in.h>

#include <algorithm>

#include <rte_tcp.h>

#include "dataplane/core/packet_access.hpp"
#include "dataplane/pipeline/stages.hpp"

namespace torwart::dataplane {
namespace {

constexpr uint8_t kOptionEnd = 0;
constexpr uint8_t kOptionNop = 1;
constexpr uint8_t kOptionMss = 2;

// The lower of the two interfaces' clamps for this family; 0 when neither clamps.
uint16_t clamp_for(const Interface& in, const Interface& out, bool v4) {
  const uint16_t a = v4 ? in.mss_clamp_v4 : in.mss_clamp_v6;
  const uint16_t b = v4 ? out.mss_clamp_v4 : out.mss_clamp_v6;
  if (a == 0) return b;
  if (b == 0) return a;
  return std::min(a, b);
}

// Lowers the MSS option of a SYN to `clamp`. Options are walked within the header length parse validated;
// a malformed option list ends the walk without touching anything. SYNs are rare and short, so the TCP
// checksum is recomputed whole rather than adjusted (the option may sit at an odd offset).
void clamp_syn(rte_mbuf* m, const PacketMeta& meta, uint16_t clamp) {
  uint8_t* tcp = l4_of(m, meta);
  const unsigned header_length = (tcp[12] >> 4) * 4u;
  for (unsigned i = sizeof(rte_tcp_hdr); i < header_length;) {
    const uint8_t kind = tcp[i];
    if (kind == kOptionEnd) return;
    if (kind == kOptionNop) {
      ++i;
      continue;
    }
    if (i + 1 >= header_length || tcp[i + 1] < 2 || i + tcp[i + 1] > header_length) return;
    if (kind == kOptionMss && tcp[i + 1] == 4) {
      if ((tcp[i + 2] << 8 | tcp[i + 3]) <= clamp) return;
      tcp[i + 2] = static_cast<uint8_t>(clamp >> 8);
      tcp[i + 3] = static_cast<uint8_t>(clamp);
      auto* header = reinterpret_cast<rte_tcp_hdr*>(tcp);
      header->cksum = 0;
      header->cksum = meta.l3 == L3Kind::kIpv4 ? rte_ipv4_udptcp_cksum(ipv4_of(m, meta), tcp)
                                               : rte_ipv6_udptcp_cksum(ipv6_of(m, meta), tcp);
      return;
    }
    i += tcp[i + 1];
  }
}

}  // namespace

void stage_mss_clamp(WorkerContext& ctx, Burst& burst) {
  const Snapshot& snapshot = *ctx.snapshot;
  for (uint16_t i = 0; i < burst.count; ++i) {
    rte_mbuf* m = burst.pkts[i];
    const PacketMeta& meta = meta_of(m);
    if (meta.ip_proto != IPPROTO_TCP || !meta.l4_present) continue;
    if ((l4_of(m, meta)[13] & RTE_TCP_SYN_FLAG) == 0) continue;
    const uint16_t clamp = clamp_for(snapshot.interface(meta.in_iface), snapshot.interface(meta.out_iface),
                                     meta.l3 == L3Kind::kIpv4);
    if (clamp != 0) clamp_syn(m, meta, clamp);
  }
}

}  // namespace torwart::dataplane
