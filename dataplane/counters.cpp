#include "dataplane/counters.hpp"

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
}

}  // namespace torwart::dataplane
