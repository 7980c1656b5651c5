// The application layer and the signatures inline: every packet of a flow the policy let through is
// inspected before it is forwarded: TCP/UDP by the application layer (applayer/inspector.hpp), whose parsers
// hand their buffers to the signature engine, then every packet by the packet signatures (ids/detector.hpp).
// A verdict from the policy's application rules or from a drop/reject signature drops or rejects it.
#include <netinet/in.h>

#include <rte_tcp.h>
#include <rte_udp.h>

#include "dataplane/core/packet_access.hpp"
#include "dataplane/pipeline/app_hooks.hpp"
#include "dataplane/pipeline/icmp_error.hpp"
#include "dataplane/pipeline/signature_hooks.hpp"
#include "dataplane/pipeline/stages.hpp"
#include "dataplane/pipeline/tcp_reset.hpp"

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
  if (ctx.snapshot == nullptr) return;
  const bool inspection = ctx.snapshot->source().inspection.enabled;
  const bool signatures = ctx.snapshot->signatures() != nullptr;
  if (!inspection && !signatures) return;
  keep_if(burst, [&](rte_mbuf* m) {
    PacketMeta& meta = meta_of(m);
    conntrack::Flow* flow = meta.flow;
    const bool transport = meta.ip_proto == IPPROTO_TCP || meta.ip_proto == IPPROTO_UDP;
    if (flow == nullptr || (meta.flags & kNotInspected) || (!transport && !signatures)) {
      return true;
    }
    if (meta.flags & meta_flag::kFragment) {
      // Virtual reassembly forwards fragments as they are; their payload is not one contiguous stream piece.
      ++ctx.counters.app_skipped_fragments;
      return true;
    }
    const uint32_t slot = ctx.flows.slot_of(*flow);
    applayer::PacketVerdict verdict = applayer::PacketVerdict::kPass;
    bool by_signature = false;
    applayer::PacketView view;
    if (inspection && transport && !ctx.inspector.passes_uninspected(*flow, slot) &&
        view_of(m, meta, *flow, view)) {
      StageAppHooks hooks(ctx, &meta);
      verdict = ctx.inspector.inspect(*flow, slot, view, hooks, ctx.now_ns);
      by_signature = hooks.signature_verdict();
    }
    if (signatures && verdict == applayer::PacketVerdict::kPass) {
      const ids::DetectVerdict v = run_packet_signatures(ctx, m, meta, *flow);
      if (v != ids::DetectVerdict::kPass) {
        verdict = packet_verdict_of(v);
        by_signature = true;
        ctx.inspector.block(*flow, slot);  // a signature's drop ends the flow
      }
    }
    switch (verdict) {
      case applayer::PacketVerdict::kPass:
        return true;
      case applayer::PacketVerdict::kDrop:
        burst.drop(m, by_signature ? DropReason::kSignatureDrop : DropReason::kPolicyDrop);
        break;
      case applayer::PacketVerdict::kReject:
        if (meta.ip_proto == IPPROTO_TCP)
          send_tcp_reset(ctx, burst, m);
        else
          send_icmp_error(ctx, burst, m, IcmpErrorKind::kAdministrativelyProhibited);
        burst.drop(m, by_signature ? DropReason::kSignatureReject : DropReason::kPolicyReject);
        break;
      case applayer::PacketVerdict::kLimitDrop:
        burst.drop(m, DropReason::kInspectionLimit);
        break;
    }
    return false;
  });
}

}  // namespace torwart::dataplane
