// The application layer inline: every packet of a TCP/UDP flow the policy let through is inspected before
// it is forwarded (applayer/inspector.hpp); a verdict from the policy's application rules drops or rejects
// it.
#include <netinet/in.h>

#include <rte_tcp.h>
#include <rte_udp.h>

#include "dataplane/app_hooks.hpp"
#include "dataplane/icmp_error.hpp"
#include "dataplane/packet_access.hpp"
#include "dataplane/stages.hpp"
#include "dataplane/tcp_reset.hpp"

namespace torwart::dataplane {
namespace {

constexpr uint16_t kNotInspected = meta_flag::kLocallyOriginated | meta_flag::kIcmpError;

// The packet as the inspector sees it; false when it carries nothing to inspect.
bool view_of(rte_mbuf* m, const PacketMeta& meta, const conntrack::Flow& flow, applayer::PacketView& view) {
  if (!meta.l4_present) return false;
  const uint32_t datagram_end = uint32_t{meta.l3_offset} + meta.l3_length;
  uint32_t payload_offset = meta.l4_offset;
  view.ip_proto = meta.ip_proto;
  if (meta.ip_proto == IPPROTO_TCP) {
    const auto* tcp = rte_pktmbuf_mtod_offset(m, const rte_tcp_hdr*, meta.l4_offset);
    payload_offset += (tcp->data_off >> 4) * 4u;
    view.tcp_flags = tcp->tcp_flags;
    view.tcp_seq = rte_be_to_cpu_32(tcp->sent_seq);
  } else {
    payload_offset += sizeof(rte_udp_hdr);
  }
  // Parse checked both headers against the datagram; the payload is read from the first segment only.
  const uint32_t end = std::min<uint32_t>(datagram_end, rte_pktmbuf_data_len(m));
  if (payload_offset > end) return false;
  view.direction = (meta.flags & meta_flag::kReplyDirection) ? applayer::Direction::kToClient
                                                             : applayer::Direction::kToServer;
  view.server_port = flow.original().destination_port;
  view.payload = {rte_pktmbuf_mtod_offset(m, const uint8_t*, payload_offset), end - payload_offset};
  return true;
}

}  // namespace

void stage_applayer(WorkerContext& ctx, Burst& burst) {
  if (ctx.snapshot == nullptr || !ctx.snapshot->source().inspection.enabled) return;
  uint16_t kept = 0;
  for (uint16_t i = 0; i < burst.count; ++i) {
    rte_mbuf* m = burst.pkts[i];
    PacketMeta& meta = meta_of(m);
    conntrack::Flow* flow = meta.flow;
    const bool transport = meta.ip_proto == IPPROTO_TCP || meta.ip_proto == IPPROTO_UDP;
    if (flow == nullptr || !transport || (meta.flags & kNotInspected)) {
      burst.pkts[kept++] = m;
      continue;
    }
    if (meta.flags & meta_flag::kFragment) {
      // Virtual reassembly forwards fragments as they are; their payload is not one contiguous stream piece.
      ++ctx.counters.app_skipped_fragments;
      burst.pkts[kept++] = m;
      continue;
    }
    const uint32_t slot = ctx.flows.slot_of(*flow);
    applayer::PacketView view;
    if (ctx.inspector.passes_uninspected(*flow, slot) || !view_of(m, meta, *flow, view)) {
      burst.pkts[kept++] = m;
      continue;
    }
    StageAppHooks hooks(ctx, &meta);
    switch (ctx.inspector.inspect(*flow, slot, view, hooks, ctx.now_ns)) {
      case applayer::PacketVerdict::kPass:
        burst.pkts[kept++] = m;
        break;
      case applayer::PacketVerdict::kDrop:
        burst.drop(m, DropReason::kPolicyDrop);
        break;
      case applayer::PacketVerdict::kReject:
        if (meta.ip_proto == IPPROTO_TCP)
          send_tcp_reset(ctx, burst, m);
        else
          send_icmp_error(ctx, burst, m, IcmpErrorKind::kAdministrativelyProhibited);
        burst.drop(m, DropReason::kPolicyReject);
        break;
      case applayer::PacketVerdict::kLimitDrop:
        burst.drop(m, DropReason::kInspectionLimit);
        break;
    }
  }
  burst.count = kept;
}

}  // namespace torwart::dataplane
