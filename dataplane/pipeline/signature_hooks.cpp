#include "dataplane/pipeline/signature_hooks.hpp"

#include <netinet/in.h>

#include <rte_icmp.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "dataplane/eve/eve_address.hpp"
#include "dataplane/eve/eve_format.hpp"
#include "dataplane/ids/alert_record.hpp"
#include "dataplane/pipeline/flow_log.hpp"

namespace torwart::dataplane {
namespace {

// Suricata's flow:established: past the handshake, the closing states included (data may follow a FIN the
// other side sent); for UDP and other protocols, traffic seen both ways.
bool established_for_signatures(conntrack::FlowState s) {
  using S = conntrack::FlowState;
  return conntrack::is_established(s) || s == S::kTcpFinWait || s == S::kTcpCloseWait ||
         s == S::kTcpLastAck || s == S::kIcmpReplied;
}

config::IpAddress address_of(const conntrack::FlowTuple& t, const uint8_t* bytes) {
  config::IpAddress a;
  a.family = t.family == 6 ? config::Family::kIpv6 : config::Family::kIpv4;
  std::copy_n(bytes, t.family == 6 ? 16 : 4, a.bytes.begin());
  return a;
}

}  // namespace

ids::DetectTarget detect_target(const WorkerContext& ctx, const conntrack::Flow& flow,
                                applayer::Direction direction) {
  const conntrack::FlowTuple& t = flow.tuple[static_cast<unsigned>(direction)];
  ids::DetectTarget target;
  target.flow_id = flow.id;
  target.slot = ctx.flows.slot_of(flow);
  target.ip_proto = t.protocol;
  target.direction = direction;
  target.established = established_for_signatures(flow.state);
  target.monitor_only = ctx.monitoring;
  const applayer::AppProto proto = ctx.inspector.app_proto(flow, target.slot);
  if (proto != applayer::AppProto::kNone) target.app_proto = applayer::app_proto_name(proto);
  target.from = {address_of(t, t.source), t.source_port};
  target.to = {address_of(t, t.destination), t.destination_port};
  return target;
}

applayer::PacketVerdict packet_verdict_of(ids::DetectVerdict verdict) {
  switch (verdict) {
    case ids::DetectVerdict::kPass:
      return applayer::PacketVerdict::kPass;
    case ids::DetectVerdict::kDrop:
      return applayer::PacketVerdict::kDrop;
    case ids::DetectVerdict::kReject:
      return applayer::PacketVerdict::kReject;
  }
  return applayer::PacketVerdict::kDrop;
}

void AlertLog::alert(const ids::CompiledSignature& signature, bool blocked, const ids::DetectTarget& target) {
  char* slot = ctx_.eve.reserve();
  if (slot == nullptr) {
    ++ctx_.counters.eve_records_lost;
    return;
  }
  const conntrack::FlowTuple& t = flow_.tuple[static_cast<unsigned>(target.direction)];
  const bool ipv6 = t.family == 6;
  const config::Logging plain;
  const config::Logging& logging = ctx_.snapshot != nullptr ? ctx_.snapshot->source().logging : plain;
  char timestamp[40];
  const size_t ts_length = format_eve_timestamp(timestamp, sizeof timestamp, ctx_.now_ns);
  char src[INET6_ADDRSTRLEN] = {}, dst[INET6_ADDRSTRLEN] = {};
  format_eve_address(logging, ipv6, t.source, src, sizeof src);
  format_eve_address(logging, ipv6, t.destination, dst, sizeof dst);
  const bool ports = t.protocol == IPPROTO_TCP || t.protocol == IPPROTO_UDP;
  char community[kCommunityIdLength];
  const std::string_view community_text(community, flow_community_id(logging, flow_, community));
  const signatures::Signature& s = *signature.source;
  ids::AlertInfo info;
  info.blocked = blocked;
  info.gid = s.gid;
  info.signature_id = s.sid;
  info.rev = s.rev;
  info.signature = s.msg;
  info.category = signature.category;
  info.severity = signature.severity;
  info.app_proto = target.app_proto;
  // The box answers the sender of the matching data (Suricata's default reject, "rejectsrc").
  info.reject = signature.action == signatures::Action::reject;
  info.reject_target = target.direction == applayer::Direction::kToServer ? "to_client" : "to_server";
  info.reject_kind = t.protocol == IPPROTO_TCP ? "tcp-reset" : "icmp-prohib";
  info.metadata = s.metadata;
  info.target = s.target;
  info.src_ip = src;
  info.dest_ip = dst;
  info.src_port = t.source_port;
  info.dest_port = t.destination_port;
  info.ports = ports;
  auto write = [&](FixedJson& json) {
    char scratch[8];
    json.open_object().field("timestamp", std::string_view(timestamp, ts_length)).field("flow_id", flow_.id);
    if (ctx_.capture_packet > 0) json.field("pcap_cnt", ctx_.capture_packet);
    if (!ctx_.interface_name_override.empty())
      json.field("in_iface", ctx_.interface_name_override);
    else if (ctx_.snapshot != nullptr)
      json.field("in_iface", interface_towards(*ctx_.snapshot, ipv6, t.source));  // where the data came in
    json.field("event_type", std::string_view("alert")).field("src_ip", std::string_view(src));
    if (ports) json.field("src_port", uint64_t{t.source_port});
    json.field("dest_ip", std::string_view(dst));
    if (ports) json.field("dest_port", uint64_t{t.destination_port});
    json.field("proto", proto_name(t.protocol, scratch))
        .field("community_id", community_text)
        .field(
            "direction",
            std::string_view(target.direction == applayer::Direction::kToServer ? "to_server" : "to_client"));
    ids::write_alert(json, info);
    json.close_object();
    return json.ok();
  };
  FixedJson json(slot, EveRing::kMaxRecord);
  if (!write(json)) {
    // A rule's long metadata must not cost the alert: written again without it, and counted.
    ++ctx_.counters.alert_metadata_cut;
    info.metadata = {};
    json = FixedJson(slot, EveRing::kMaxRecord);
    if (!write(json)) {
      ++ctx_.counters.eve_records_lost;
      return;
    }
  }
  ctx_.eve.commit(static_cast<uint32_t>(json.size()));
}

ids::DetectVerdict run_packet_signatures(WorkerContext& ctx, rte_mbuf* m, const PacketMeta& meta,
                                         const conntrack::Flow& flow) {
  const ids::Ruleset& set = *ctx.snapshot->signatures();
  const auto direction = (meta.flags & meta_flag::kReplyDirection) ? applayer::Direction::kToClient
                                                                   : applayer::Direction::kToServer;
  ids::DetectTarget target = detect_target(ctx, flow, direction);
  std::span<const uint8_t> payload;
  if (meta.l4_present) {
    const uint32_t end =
        std::min<uint32_t>(uint32_t{meta.l3_offset} + meta.l3_length, rte_pktmbuf_data_len(m));
    uint32_t offset = meta.l4_offset;
    if (meta.ip_proto == IPPROTO_TCP) {
      const auto* tcp = rte_pktmbuf_mtod_offset(m, const rte_tcp_hdr*, meta.l4_offset);
      offset += (tcp->data_off >> 4) * 4u;
      target.tcp_flags = tcp->tcp_flags;
    } else if (meta.ip_proto == IPPROTO_UDP) {
      offset += sizeof(rte_udp_hdr);
    } else if (meta.ip_proto == IPPROTO_ICMP || meta.ip_proto == IPPROTO_ICMPV6) {
      const auto* icmp = rte_pktmbuf_mtod_offset(m, const rte_icmp_hdr*, meta.l4_offset);
      target.has_icmp = true;
      target.icmp_type = icmp->icmp_type;
      target.icmp_code = icmp->icmp_code;
      offset += sizeof(rte_icmp_hdr);
    }
    if (offset <= end) payload = {rte_pktmbuf_mtod_offset(m, const uint8_t*, offset), end - offset};
  }
  AlertLog log(ctx, flow);
  return ctx.detector.packet(set, target, payload, log, ctx.now_ns);
}

}  // namespace torwart::dataplane
