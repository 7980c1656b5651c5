#include "dataplane/pipeline/report.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "dataplane/eve/eve_format.hpp"

namespace torwart::dataplane {
namespace {

nlohmann::json drops_json(const std::array<uint64_t, kDropReasonCount>& drops) {
  nlohmann::json out = nlohmann::json::object();
  for (unsigned r = 1; r < kDropReasonCount; ++r) {
    if (drops[r] != 0) out[std::string(drop_reason_name(static_cast<DropReason>(r)))] = drops[r];
  }
  return out;
}

}  // namespace

nlohmann::json counters_json(const Snapshot& snapshot, const WorkerCounters& total) {
  nlohmann::json ports = nlohmann::json::object();
  std::array<uint64_t, kDropReasonCount> all_drops{};
  uint64_t rx = 0, tx = 0, rx_bytes = 0, tx_bytes = 0;
  for (const uint16_t port : snapshot.ports()) {
    const PortCounters& c = total.ports[port];
    ports[snapshot.port_name(port)] = {{"rx_packets", c.rx_packets},
                                       {"rx_bytes", c.rx_bytes},
                                       {"tx_packets", c.tx_packets},
                                       {"tx_bytes", c.tx_bytes},
                                       {"drops", drops_json(c.drops)}};
    for (unsigned r = 0; r < kDropReasonCount; ++r) all_drops[r] += c.drops[r];
    rx += c.rx_packets;
    tx += c.tx_packets;
    rx_bytes += c.rx_bytes;
    tx_bytes += c.tx_bytes;
  }
  uint64_t dropped = 0;
  for (uint64_t d : all_drops) dropped += d;
  return {{"config_version", snapshot.version()},
          {"ports", ports},
          {"totals",
           {{"rx_packets", rx},
            {"rx_bytes", rx_bytes},
            {"tx_packets", tx},
            {"tx_bytes", tx_bytes},
            {"dropped", dropped}}},
          {"drops", drops_json(all_drops)},
          {"icmp_errors_sent", total.icmp_errors_sent},
          {"icmp_errors_rate_limited", total.icmp_errors_rate_limited},
          {"tcp_resets_sent", total.tcp_resets_sent},
          {"drop_records_rate_limited", total.drop_records_rate_limited},
          {"eve_records_lost", total.eve_records_lost},
          {"packets_fragmented", total.packets_fragmented},
          {"fragments_created", total.fragments_created},
          {"punted_to_slow_path", total.punted},
          {"handed_off_between_workers", total.handed_off},
          {"datagrams_reassembled", total.datagrams_reassembled},
          {"fragments_held", total.fragments_held},
          {"fragments_resteered", total.fragments_resteered},
          {"ipsec",
           {{"decrypted", total.esp_decrypted},
            {"handed_to_inner_flow_worker", total.esp_handed_off},
            {"encrypted", total.esp_encrypted}}},
          {"syn_flood",
           {{"cookies_sent", total.syn_cookies_sent},
            {"cookies_valid", total.syn_cookies_valid},
            {"cookies_invalid", total.syn_cookies_invalid},
            {"proxied_flows", total.syn_proxied_flows},
            {"half_open", total.half_open}}},
          {"flows",
           {{"active", total.flows_active},
            {"created", total.flows_created},
            {"ended", total.flows_ended},
            {"expired", total.flows_expired},
            {"evicted", total.flows_evicted},
            {"refused", total.flows_refused},
            {"policy_rechecks", total.policy_rechecks}}},
          {"nat",
           {{"mappings_active", total.nat_mappings_active},
            {"mappings_created", total.nat_mappings_created},
            {"mapping_table_full", total.nat_mapping_table_full},
            {"ports_exhausted",
             {{"tcp", total.nat_ports_exhausted_tcp},
              {"udp", total.nat_ports_exhausted_udp},
              {"icmp", total.nat_ports_exhausted_icmp}}},
            {"packets_translated", total.nat_packets_translated},
            {"icmp_errors_translated", total.nat_icmp_errors_translated},
            {"steered_by_nat", total.nat_steered}}},
          {"app_layer", app_layer_json(total)}};
}

nlohmann::json app_layer_json(const WorkerCounters& total) {
  const applayer::InspectionCounters& i = total.inspection;
  nlohmann::json identified = nlohmann::json::object();
  nlohmann::json packets = nlohmann::json::object();
  for (unsigned p = 1; p < static_cast<unsigned>(applayer::AppProto::kCount); ++p) {
    if (i.identified[p] == 0) continue;
    const std::string name(applayer::app_proto_name(static_cast<applayer::AppProto>(p)));
    identified[name] = i.identified[p];
    // Data packets of both directions it took, on average (Suricata counts no such thing; nDPI does).
    packets[name] = static_cast<double>(i.packets_to_identify[p]) / static_cast<double>(i.identified[p]);
  }
  return {{"inspected_packets", i.inspected_packets},
          {"sessions_active", i.sessions_active},
          {"sessions_exhausted", i.sessions_exhausted},
          {"limit_passed", i.limit_passed},
          {"limit_dropped", i.limit_dropped},
          {"depth_reached", i.depth_reached},
          {"midstream_starts", i.midstream_starts},
          {"skipped_fragments", total.app_skipped_fragments},
          {"mirrored_packets", total.mirrored_packets},
          {"mirrored_untracked", total.mirrored_untracked},
          {"alert_metadata_cut", total.alert_metadata_cut},
          {"identified", identified},
          {"packets_to_identify", packets},
          {"policy_decisions", total.app_policy_decisions},
          {"verdict_drops", i.verdict_drops},
          {"verdict_rejects", i.verdict_rejects},
          {"blocked_packets", i.blocked_packets},
          {"parser_anomalies", i.anomalies},
          {"reassembly",
           {{"delivered_bytes", total.reassembly.delivered_bytes},
            {"held_segments", total.reassembly.held_segments},
            {"retransmitted_bytes", total.reassembly.retransmitted_bytes},
            {"overlap_different", total.reassembly.overlap_different},
            {"refused_limit", total.reassembly.refused_limit}}}};
}

std::string stats_record(const Snapshot& snapshot, const WorkerCounters& total, uint64_t unix_ns,
                         uint64_t uptime_s) {
  char timestamp[40];
  const size_t length = format_eve_timestamp(timestamp, sizeof timestamp, unix_ns);
  const nlohmann::json counters = counters_json(snapshot, total);
  uint64_t invalid = 0;
  std::array<uint64_t, kDropReasonCount> drops{};
  for (const uint16_t port : snapshot.ports()) {
    for (unsigned r = 0; r < kDropReasonCount; ++r) drops[r] += total.ports[port].drops[r];
  }
  for (unsigned r = 0; r < kDropReasonCount; ++r) {
    if (is_decode_failure(static_cast<DropReason>(r))) invalid += drops[r];
  }
  nlohmann::json record = {
      {"timestamp", std::string(timestamp, length)},
      {"event_type", "stats"},
      {"stats",
       {{"uptime", uptime_s},
        {"decoder",
         {{"pkts", counters["totals"]["rx_packets"]},
          {"bytes", counters["totals"]["rx_bytes"]},
          {"invalid", invalid}}},
        {"ips", {{"blocked", counters["totals"]["dropped"]}, {"drop_reason", counters["drops"]}}},
        {"torwart", counters}}}};
  return record.dump();
}

EveFile::EveFile(const std::string& path, std::string_view host) : host_(host) {
  file_ = std::fopen(path.c_str(), "a");
  if (file_ == nullptr) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
}

EveFile::~EveFile() {
  if (file_ != nullptr) std::fclose(file_);
}

void EveFile::write(std::string_view line) {
  const EveHost::Parts parts = host_.split(line);
  if (std::fwrite(parts.head.data(), 1, parts.head.size(), file_) != parts.head.size() ||
      std::fwrite(parts.tail.data(), 1, parts.tail.size(), file_) != parts.tail.size() ||
      std::fputc('\n', file_) == EOF)
    ++write_errors_;
}

void EveFile::flush() {
  if (std::fflush(file_) != 0) ++write_errors_;
}

}  // namespace torwart::dataplane
