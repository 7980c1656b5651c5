#include "dataplane/pipeline/counters.hpp"

namespace torwart::dataplane {

void WorkerCounters::add(const WorkerCounters& other) {
  for (size_t p = 0; p < ports.size(); ++p) {
    ports[p].rx_packets += other.ports[p].rx_packets;
    ports[p].rx_bytes += other.ports[p].rx_bytes;
    ports[p].tx_packets += other.ports[p].tx_packets;
    ports[p].tx_bytes += other.ports[p].tx_bytes;
    for (size_t r = 0; r < kDropReasonCount; ++r) ports[p].drops[r] += other.ports[p].drops[r];
  }
  icmp_errors_sent += other.icmp_errors_sent;
  icmp_errors_rate_limited += other.icmp_errors_rate_limited;
  tcp_resets_sent += other.tcp_resets_sent;
  drop_records_rate_limited += other.drop_records_rate_limited;
  eve_records_lost += other.eve_records_lost;
  packets_fragmented += other.packets_fragmented;
  fragments_created += other.fragments_created;
  flows_ended += other.flows_ended;
  policy_rechecks += other.policy_rechecks;
  flows_active += other.flows_active;
  flows_created += other.flows_created;
  flows_expired += other.flows_expired;
  flows_evicted += other.flows_evicted;
  flows_refused += other.flows_refused;
  punted += other.punted;
  handed_off += other.handed_off;
  datagrams_reassembled += other.datagrams_reassembled;
  fragments_held += other.fragments_held;
  fragments_resteered += other.fragments_resteered;
  esp_decrypted += other.esp_decrypted;
  esp_handed_off += other.esp_handed_off;
  esp_encrypted += other.esp_encrypted;
  syn_cookies_sent += other.syn_cookies_sent;
  syn_cookies_valid += other.syn_cookies_valid;
  syn_cookies_invalid += other.syn_cookies_invalid;
  syn_proxied_flows += other.syn_proxied_flows;
  half_open += other.half_open;
  nat_mappings_active += other.nat_mappings_active;
  nat_mappings_created += other.nat_mappings_created;
  nat_mapping_table_full += other.nat_mapping_table_full;
  nat_ports_exhausted_tcp += other.nat_ports_exhausted_tcp;
  nat_ports_exhausted_udp += other.nat_ports_exhausted_udp;
  nat_ports_exhausted_icmp += other.nat_ports_exhausted_icmp;
  nat_packets_translated += other.nat_packets_translated;
  nat_icmp_errors_translated += other.nat_icmp_errors_translated;
  nat_steered += other.nat_steered;
  app_policy_decisions += other.app_policy_decisions;
  app_skipped_fragments += other.app_skipped_fragments;
  mirrored_packets += other.mirrored_packets;
  mirrored_untracked += other.mirrored_untracked;
  alert_metadata_cut += other.alert_metadata_cut;
  applayer::InspectionCounters& i = inspection;
  const applayer::InspectionCounters& o = other.inspection;
  i.inspected_packets += o.inspected_packets;
  i.sessions_active += o.sessions_active;
  i.sessions_exhausted += o.sessions_exhausted;
  i.limit_passed += o.limit_passed;
  i.limit_dropped += o.limit_dropped;
  i.depth_reached += o.depth_reached;
  i.midstream_starts += o.midstream_starts;
  for (size_t p = 0; p < std::size(i.identified); ++p) {
    i.identified[p] += o.identified[p];
    i.packets_to_identify[p] += o.packets_to_identify[p];
  }
  i.verdict_drops += o.verdict_drops;
  i.verdict_rejects += o.verdict_rejects;
  i.blocked_packets += o.blocked_packets;
  i.anomalies += o.anomalies;
  reassembly.delivered_bytes += other.reassembly.delivered_bytes;
  reassembly.held_segments += other.reassembly.held_segments;
  reassembly.retransmitted_bytes += other.reassembly.retransmitted_bytes;
  reassembly.overlap_different += other.reassembly.overlap_different;
  reassembly.refused_limit += other.reassembly.refused_limit;
  reassembly.depth_reached += other.reassembly.depth_reached;
}

}  // namespace torwart::dataplane
