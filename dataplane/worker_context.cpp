#include "dataplane/worker_context.hpp"

namespace torwart::dataplane {
namespace {

std::array<TokenBucket, kDropReasonCount> make_buckets(const RateLimits& limits) {
  std::array<TokenBucket, kDropReasonCount> buckets{
      [&]<size_t... I>(std::index_sequence<I...>) {
        return std::array<TokenBucket, kDropReasonCount>{
            ((void)I, TokenBucket(limits.drop_records_per_second_per_reason, limits.drop_record_burst))...};
      }(std::make_index_sequence<kDropReasonCount>{})};
  return buckets;
}

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

WorkerContext::WorkerContext(unsigned id, rte_mempool* mbuf_pool, const NeighbourTable& neighbour_table,
                             Transmitter& tx, PuntSink& punt_sink, EveRing& eve_ring,
                             const RateLimits& limits, const FragmentLimits& fragment_limits,
                             const conntrack::FlowTableConfig& flow_table,
                             const nat::NatTableConfig& nat_table)
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
      icmp_errors(limits.icmp_errors_per_second, limits.icmp_error_burst),
      drop_records(make_buckets(limits)) {}

}  // namespace torwart::dataplane
