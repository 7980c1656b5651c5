#include "dataplane/eve/eve_format.hpp"

#include <arpa/inet.h>

#include <cstdio>
#include <ctime>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "dataplane/core/fixed_json.hpp"
#include "dataplane/eve/eve_address.hpp"

namespace torwart::dataplane {
std::string_view proto_name(uint8_t proto, char* scratch) {
  switch (proto) {
    case IPPROTO_TCP:
      return "TCP";
    case IPPROTO_UDP:
      return "UDP";
    case IPPROTO_ICMP:
      return "ICMP";
    case IPPROTO_ICMPV6:
      return "IPv6-ICMP";
    default: {
      const int n = std::snprintf(scratch, 8, "%u", proto);
      return std::string_view(scratch, static_cast<size_t>(n));
    }
  }
}

size_t format_eve_timestamp(char* out, size_t capacity, uint64_t unix_ns) {
  const time_t seconds = static_cast<time_t>(unix_ns / 1'000'000'000ull);
  const unsigned micros = static_cast<unsigned>((unix_ns / 1000) % 1'000'000);
  tm utc{};
  gmtime_r(&seconds, &utc);
  const int n = std::snprintf(out, capacity, "%04d-%02d-%02dT%02d:%02d:%02d.%06u+0000", utc.tm_year + 1900,
                              utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, micros);
  return n > 0 && static_cast<size_t>(n) < capacity ? static_cast<size_t>(n) : 0;
}

size_t format_drop_record(char* out, size_t capacity, const rte_mbuf* m, const PacketMeta& meta,
                          uint64_t unix_ns, std::string_view in_iface, std::string_view policy_rule,
                          const config::Logging& logging) {
  char timestamp[40];
  const size_t ts_length = format_eve_timestamp(timestamp, sizeof timestamp, unix_ns);
  FixedJson json(out, capacity);
  json.open_object().field("timestamp", std::string_view(timestamp, ts_length));
  if (meta.flow_id != 0) json.field("flow_id", meta.flow_id);
  if (!in_iface.empty()) json.field("in_iface", in_iface);
  json.field("event_type", std::string_view("drop"));

  const auto* frame = rte_pktmbuf_mtod(m, const uint8_t*);
  const bool is_ip =
      (meta.l3 == L3Kind::kIpv4 || meta.l3 == L3Kind::kIpv6) && !is_decode_failure(meta.drop_reason);
  uint8_t tos = 0, ttl = 0;
  uint16_t ipid = 0;
  if (is_ip) {
    char src[INET6_ADDRSTRLEN] = {}, dst[INET6_ADDRSTRLEN] = {};
    if (meta.l3 == L3Kind::kIpv4) {
      const auto* ip = reinterpret_cast<const rte_ipv4_hdr*>(frame + meta.l3_offset);
      format_eve_address(logging, false, reinterpret_cast<const uint8_t*>(&ip->src_addr), src, sizeof src);
      format_eve_address(logging, false, reinterpret_cast<const uint8_t*>(&ip->dst_addr), dst, sizeof dst);
      tos = ip->type_of_service;
      ttl = ip->time_to_live;
      ipid = rte_be_to_cpu_16(ip->packet_id);
    } else {
      const auto* ip = reinterpret_cast<const rte_ipv6_hdr*>(frame + meta.l3_offset);
      format_eve_address(logging, true, ip->src_addr, src, sizeof src);
      format_eve_address(logging, true, ip->dst_addr, dst, sizeof dst);
      tos = static_cast<uint8_t>(rte_be_to_cpu_32(ip->vtc_flow) >> 20);
      ttl = ip->hop_limits;
    }
    const bool has_ports = meta.l4_present && (meta.ip_proto == IPPROTO_TCP || meta.ip_proto == IPPROTO_UDP);
    json.field("src_ip", std::string_view(src));
    if (has_ports) json.field("src_port", uint64_t{meta.src_port});
    json.field("dest_ip", std::string_view(dst));
    if (has_ports) json.field("dest_port", uint64_t{meta.dst_port});
    char scratch[8];
    json.field("proto", proto_name(meta.ip_proto, scratch));
    const bool is_icmp = meta.ip_proto == IPPROTO_ICMP || meta.ip_proto == IPPROTO_ICMPV6;
    if (is_icmp && meta.l4_present) {
      json.field("icmp_type", uint64_t{static_cast<uint8_t>(meta.dst_port >> 8)});
      json.field("icmp_code", uint64_t{static_cast<uint8_t>(meta.dst_port)});
    }
  }
  json.open_object("drop").field("len", uint64_t{rte_pktmbuf_pkt_len(m)});
  if (is_ip) {
    json.field("tos", uint64_t{tos}).field("ttl", uint64_t{ttl}).field("ipid", uint64_t{ipid});
    if (meta.ip_proto == IPPROTO_TCP && meta.l4_present) {
      const auto* tcp = reinterpret_cast<const rte_tcp_hdr*>(frame + meta.l4_offset);
      json.field("tcpseq", uint64_t{rte_be_to_cpu_32(tcp->sent_seq)})
          .field("tcpack", uint64_t{rte_be_to_cpu_32(tcp->recv_ack)})
          .field("tcpwin", uint64_t{rte_be_to_cpu_16(tcp->rx_win)});
      if (tcp->tcp_flags & RTE_TCP_SYN_FLAG) json.field("syn", true);
      if (tcp->tcp_flags & RTE_TCP_ACK_FLAG) json.field("ack", true);
      if (tcp->tcp_flags & RTE_TCP_PSH_FLAG) json.field("psh", true);
      if (tcp->tcp_flags & RTE_TCP_RST_FLAG) json.field("rst", true);
      if (tcp->tcp_flags & RTE_TCP_URG_FLAG) json.field("urg", true);
      if (tcp->tcp_flags & RTE_TCP_FIN_FLAG) json.field("fin", true);
    }
  }
  json.field("reason", drop_reason_name(meta.drop_reason));
  if (!policy_rule.empty()) json.field("policy_rule", policy_rule);
  json.close_object();
  json.close_object();
  return json.ok() ? json.size() : 0;
}

size_t format_flow_record(char* out, size_t capacity, const FlowRecord& flow, uint64_t unix_ns) {
  char timestamp[40], start[40], end[40];
  const size_t ts_length = format_eve_timestamp(timestamp, sizeof timestamp, unix_ns);
  const size_t start_length = format_eve_timestamp(start, sizeof start, flow.start_ns);
  const size_t end_length = format_eve_timestamp(end, sizeof end, flow.end_ns);
  char src[INET6_ADDRSTRLEN] = {}, dst[INET6_ADDRSTRLEN] = {};
  inet_ntop(flow.ipv6 ? AF_INET6 : AF_INET, flow.src, src, sizeof src);
  inet_ntop(flow.ipv6 ? AF_INET6 : AF_INET, flow.dst, dst, sizeof dst);
  char scratch[8];
  const bool has_ports = flow.protocol == IPPROTO_TCP || flow.protocol == IPPROTO_UDP;
  FixedJson json(out, capacity);
  json.open_object()
      .field("timestamp", std::string_view(timestamp, ts_length))
      .field("flow_id", flow.flow_id)
      .field("in_iface", flow.in_iface)
      .field("event_type", std::string_view("flow"))
      .field("src_ip", std::string_view(src));
  if (has_ports) json.field("src_port", uint64_t{flow.src_port});
  json.field("dest_ip", std::string_view(dst));
  if (has_ports) json.field("dest_port", uint64_t{flow.dst_port});
  json.field("proto", proto_name(flow.protocol, scratch));
  if (flow.protocol == IPPROTO_ICMP || flow.protocol == IPPROTO_ICMPV6) {
    json.field("icmp_type", uint64_t{flow.icmp_type}).field("icmp_code", uint64_t{flow.icmp_code});
    if (flow.icmp_response) {
      json.field("response_icmp_type", uint64_t{flow.response_icmp_type})
          .field("response_icmp_code", uint64_t{flow.response_icmp_code});
    }
  }
  if (!flow.community_id.empty()) json.field("community_id", flow.community_id);
  if (!flow.app_proto.empty()) json.field("app_proto", flow.app_proto);
  json.open_object("flow")
      .field("pkts_toserver", flow.packets_to_server)
      .field("pkts_toclient", flow.packets_to_client)
      .field("bytes_toserver", flow.bytes_to_server)
      .field("bytes_toclient", flow.bytes_to_client)
      .field("start", std::string_view(start, start_length))
      .field("end", std::string_view(end, end_length))
      .field("age", uint64_t{(flow.end_ns - flow.start_ns) / 1'000'000'000u})
      .field("state", flow.state)
      .field("reason", flow.reason)
      .field("alerted", flow.alerted)
      .field("action", flow.action);
  if (flow.app_anomaly) json.field("anomaly", true);
  json.close_object();
  if (!flow.tcp_state.empty()) json.open_object("tcp").field("state", flow.tcp_state).close_object();
  json.open_object("policy").field("rule", flow.rule).field("out_iface", flow.out_iface).close_object();
  if (flow.nat) {
    char nat_src[INET_ADDRSTRLEN] = {}, nat_dst[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, flow.nat_src, nat_src, sizeof nat_src);
    inet_ntop(AF_INET, flow.nat_dst, nat_dst, sizeof nat_dst);
    json.open_object("nat").field("src_ip", std::string_view(nat_src));
    if (has_ports) json.field("src_port", uint64_t{flow.nat_src_port});
    json.field("dest_ip", std::string_view(nat_dst));
    if (has_ports) json.field("dest_port", uint64_t{flow.nat_dst_port});
    json.close_object();
  }
  json.close_object();
  return json.ok() ? json.size() : 0;
}

}  // namespace torwart::dataplane
