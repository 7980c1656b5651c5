#include "dataplane/pipeline/worker_context.hpp"

namespace torwart::dataplane {
namespace {

std::array<TokenBucket, kDropReasonCount> make_buckets(const RateLimits& limits) {
  std::array<TokenBucket, kDropReasonCount> buckets{
      [&]<size_t... I>(std::index_sequence<I...>){return std::array<TokenBucket, kDropReasonCount>{
          ((void)I, TokenBucket(limits.drop_records_per_second_per_reason, limits.drop_record_burst))...};
}
(std::make_index_sequence<kDropReasonCount>{})
};  // namespace
return buckets;
}  // namespace torwart::dataplane

// One NAT record per flow slot, whatever the caller asked.
nat::NatTableConfig nat_table_config_for(nat::NatTableConfig nat, const conntrack::FlowTableConfig& flows) {
  nat.max_flows = flows.max_flows;
  return nat;
}

}  // namespace

conntrack::FlowTableConfig flow_table_config(const config::Config& config) {
  conntrack::FlowTableConfig table;
  table.max_flows = config.dataplane.flows_per_worker;
  return table;
}

nat::NatTableConfig nat_table_config(const config::Config& config) {
  nat::NatTableConfig table;
  table.workers = config.dataplane.workers;
  table.max_flows = config.dataplane.flows_per_worker;
  if (!config.nat.empty()) table.max_mappings = config.dataplane.flows_per_worker;
  return table;
}

applayer::InspectionLimits inspection_limits(const config::Config& config) {
  const config::Inspection& in = config.inspection;
  applayer::InspectionLimits limits;
  limits.sessions = in.sessions_per_worker;
  limits.reassembly.chunks = static_cast<uint32_t>(uint64_t{in.reassembly_mb} * 1024 * 1024 /
                                                   stream::StreamReassembler::kChunkBytes);
  limits.reassembly.max_held_per_stream = in.held_per_stream_kb * 1024u;
  limits.reassembly.depth = uint64_t{in.stream_depth_kb} * 1024;
  limits.on_limit = in.fail_closed ? applayer::LimitAction::kDrop : applayer::LimitAction::kPass;
  limits.identify_packets = static_cast<uint8_t>(in.identify_packets);
  limits.protocol.http_body_depth = in.http_body_depth_kb * 1024u;
  limits.protocol.inflaters = in.inflaters_per_worker;
  return limits;
}

applayer::InspectionLimits minimal_inspection_limits() {
  applayer::InspectionLimits limits;
  limits.sessions = 16;
  limits.reassembly.chunks = 64;
  limits.protocol.inflaters = 1;
  return limits;
}

WorkerContext::WorkerContext(unsigned id, rte_mempool* mbuf_pool, const NeighbourTable& neighbour_table,
                             Transmitter& tx, PuntSink& punt_sink, EveRing& eve_ring,
                             const RateLimits& limits, const FragmentLimits& fragment_limits,
                             const conntrack::FlowTableConfig& flow_table,
                             const nat::NatTableConfig& nat_table,
                             const applayer::InspectionLimits& inspection)
    : worker_id(id),
      pool(mbuf_pool),
      neighbours(neighbour_table),
      transmitter(tx),
      punt(punt_sink),
      eve(eve_ring),
      flows(flow_table, static_cast<uint16_t>(id)),
      synflood(flows.capacity(), flow_table.socket_id),
      fragments(fragment_limits),
      nat(nat_table_config_for(nat_table, flow_table), id),
      inspector(inspection, flows.capacity()),
      detector(id, flows.capacity()),
      icmp_errors(limits.icmp_errors_per_second, limits.icmp_error_burst),
      drop_records(make_buckets(limits)) {}

}  // namespace torwart::dataplane
