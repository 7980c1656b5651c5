#include "dataplane/pipeline/pipeline.hpp"

#include <algorithm>

#include "dataplane/conntrack/icmp_error_match.hpp"

#include "dataplane/eve/eve_format.hpp"
#include "dataplane/pipeline/nat_steering.hpp"
#include "dataplane/pipeline/stages.hpp"

namespace torwart::dataplane {
namespace {

// The policy rule behind a policy drop, for the record ("default" for the default verdict).
std::string_view policy_rule_name(const WorkerContext& ctx, const PacketMeta& meta) {
  if (ctx.snapshot == nullptr) return {};
  if (meta.drop_reason != DropReason::kPolicyDrop && meta.drop_reason != DropReason::kPolicyReject) return {};
  const auto& rules = ctx.snapshot->source().policy.rules;
  return meta.policy_rule < rules.size() ? std::string_view(rules[meta.policy_rule].name) : "default";
}

void log_drop(WorkerContext& ctx, rte_mbuf* m, const PacketMeta& meta) {
  if (meta.flags & meta_flag::kNoLog) return;  // the deciding policy rule said `log: false`
  if (!ctx.drop_records[static_cast<unsigned>(meta.drop_reason)].take(ctx.now_ns)) {
    ++ctx.counters.drop_records_rate_limited;
    return;
  }
  char* slot = ctx.eve.reserve();
  if (slot == nullptr) {
    ++ctx.counters.eve_records_lost;
    return;
  }
  std::string_view iface;
  if (meta.in_iface != kNoInterface && !is_decode_failure(meta.drop_reason) && ctx.snapshot != nullptr)
    iface = ctx.snapshot->interface(meta.in_iface).name;
  else if (ctx.snapshot != nullptr && m->port < kMaxPorts)
    iface = ctx.snapshot->port_name(m->port);
  const size_t length =
      format_drop_record(slot, EveRing::kMaxRecord, m, meta, ctx.now_ns, iface, policy_rule_name(ctx, meta),
                         ctx.snapshot != nullptr ? ctx.snapshot->source().logging : config::Logging{});
  if (length == 0) {
    ++ctx.counters.eve_records_lost;
    return;
  }
  ctx.eve.commit(static_cast<uint32_t>(length));
}

}  // namespace

void pipeline_receive(WorkerContext& ctx, Burst& burst, const ParseOptions& options) {
  for (uint16_t i = 0; i < burst.count; ++i) {
    rte_mbuf* m = burst.pkts[i];
    PortCounters& port = ctx.counters.ports[m->port < kMaxPorts ? m->port : 0];
    ++port.rx_packets;
    port.rx_bytes += rte_pktmbuf_pkt_len(m);
  }
  stage_parse(burst, options);
  for (uint16_t i = 0; i < burst.count; ++i) {
    PacketMeta& meta = meta_of(burst.pkts[i]);
    meta.in_iface = kNoInterface;
    // An ICMP error belongs to the connection it quotes: software distribution and fragment re-steering
    // must take it to that connection's worker, not to the one its own addresses hash to.
    if (meta.flags & meta_flag::kIcmpError)
      meta.flow_hash = conntrack::icmp_error_flow_hash(meta, burst.pkts[i]);
  }
  pipeline_finish(ctx, burst);
}

namespace {

void publish_flow_counters(WorkerContext& ctx) {
  const conntrack::ConntrackCounters& table = ctx.flows.counters();
  ctx.counters.flows_active = table.size;
  ctx.counters.flows_created = table.created;
  ctx.counters.flows_expired = table.expired;
  ctx.counters.flows_evicted = table.evicted;
  ctx.counters.flows_refused = table.refused;
  ctx.counters.half_open = ctx.synflood.half_open_total();
  const nat::NatCounters& nat = ctx.nat.counters();
  ctx.counters.nat_mappings_active = nat.mappings_active;
  ctx.counters.nat_mappings_created = nat.mappings_created;
  ctx.counters.nat_mapping_table_full = nat.mapping_table_full;
  ctx.counters.nat_packets_translated = nat.packets_translated;
  ctx.counters.nat_icmp_errors_translated = nat.icmp_errors_translated;
  ctx.counters.nat_ports_exhausted_tcp = nat.ports_exhausted[static_cast<unsigned>(nat::ProtoClass::kTcp)];
  ctx.counters.nat_ports_exhausted_udp = nat.ports_exhausted[static_cast<unsigned>(nat::ProtoClass::kUdp)];
  ctx.counters.nat_ports_exhausted_icmp = nat.ports_exhausted[static_cast<unsigned>(nat::ProtoClass::kIcmp)];
  ctx.counters.inspection = ctx.inspector.counters();
  ctx.counters.reassembly = ctx.inspector.reassembly_counters();
}

constexpr size_t kReleasedJoin = stage_index("nat_destination");
constexpr size_t kGeneratedJoin = stage_index("esp_out");
static_assert(kReleasedJoin == stage_index("reassembly") + 1,
              "released fragments go on right after reassembly");
static_assert(kGeneratedJoin < kStages.size() && kStages.back().name == "output");

void run_stages(WorkerContext& ctx, Burst& burst, size_t first, size_t end) {
  for (size_t i = first; i < end; ++i) kStages[i].run(ctx, burst);
}

// Everything after reassembly; released fragments join here.
void process_from_route(WorkerContext& ctx, Burst& burst) {
  run_stages(ctx, burst, kReleasedJoin, kStages.size());
  publish_flow_counters(ctx);
  // Generated packets run the last stages in bursts of their own.
  for (uint16_t start = 0; start < burst.generated_count; start += kMaxBurst) {
    Burst generated;
    generated.count = std::min<uint16_t>(kMaxBurst, static_cast<uint16_t>(burst.generated_count - start));
    std::copy_n(burst.generated.begin() + start, generated.count, generated.pkts.begin());
    run_stages(ctx, generated, kGeneratedJoin, kStages.size());
    pipeline_finish(ctx, generated);
  }
  burst.generated_count = 0;
  pipeline_finish(ctx, burst);
}

// Fragments of complete datagrams, in release order. Live, their flow (hashed with ports now) may belong to
// another worker than the one their addresses led to: that worker gets them, so that a flow's packets,
// fragmented or not, all meet on one worker.
void process_released(WorkerContext& ctx) {
  FragmentTable& table = ctx.fragments;
  rte_mbuf** ready = table.ready();
  const uint32_t n = table.ready_count();
  Burst local;
  for (uint32_t i = 0; i < n;) {
    const unsigned owner = ctx.steering != nullptr ? flow_owner(ctx, ready[i]) : ctx.worker_id;
    if (owner == ctx.worker_id) {
      local.pkts[local.count++] = ready[i++];
      if (local.count == kMaxBurst) {
        process_from_route(ctx, local);
        local.count = 0;
      }
      continue;
    }
    rte_mbuf* run[kMaxBurst];
    uint16_t run_length = 0;
    while (i < n && run_length < kMaxBurst && flow_owner(ctx, ready[i]) == owner) {
      run[run_length++] = ready[i++];
    }
    ctx.counters.fragments_resteered += hand_over(ctx, owner, run, run_length);
  }
  if (local.count > 0) process_from_route(ctx, local);
  table.clear_ready();
}

}  // namespace

unsigned flow_owner(const WorkerContext& ctx, rte_mbuf* m) {
  const PacketMeta& meta = meta_of(m);
  if (auto owner = nat::steering_owner(*ctx.snapshot, meta, m, ctx.steering->worker_count())) return *owner;
  return ctx.steering->owner(meta.flow_hash);
}

uint16_t hand_over(WorkerContext& ctx, unsigned owner, rte_mbuf** packets, uint16_t count) {
  const uint16_t sent = ctx.steering->hand_off(owner, packets, count);
  if (sent == count) return sent;
  Burst refused;
  for (uint16_t i = sent; i < count; ++i) refused.drop(packets[i], DropReason::kDistributionQueueFull);
  pipeline_finish(ctx, refused);
  return sent;
}

void pipeline_process(WorkerContext& ctx, Burst& burst) {
  run_stages(ctx, burst, 0, kReleasedJoin);
  process_from_route(ctx, burst);
  if (ctx.fragments.ready_count() > 0) process_released(ctx);
}

void pipeline_finish(WorkerContext& ctx, Burst& burst) {
  for (uint16_t i = 0; i < burst.dropped_count; ++i) {
    rte_mbuf* m = burst.dropped[i];
    const PacketMeta& meta = meta_of(m);
    ++ctx.counters.ports[m->port < kMaxPorts ? m->port : 0].drops[static_cast<unsigned>(meta.drop_reason)];
    log_drop(ctx, m, meta);
  }
  if (burst.dropped_count > 0) rte_pktmbuf_free_bulk(burst.dropped.data(), burst.dropped_count);
  if (burst.punted_count > 0) {
    const uint16_t taken = ctx.punt.punt(burst.punted.data(), burst.punted_count);
    ctx.counters.punted += taken;
    for (uint16_t i = taken; i < burst.punted_count; ++i) {
      rte_mbuf* m = burst.punted[i];
      meta_of(m).drop_reason = DropReason::kSlowPathQueueFull;
      ++ctx.counters.ports[m->port < kMaxPorts ? m->port : 0]
            .drops[static_cast<unsigned>(DropReason::kSlowPathQueueFull)];
      rte_pktmbuf_free(m);
    }
  }
  burst.reset_side_lists();
}

std::string pipeline_description() {
  std::string text =
      "receive, on the worker that polled the queue:\n"
      "  parse            Ethernet, VLAN, IPv4/IPv6, transport headers checked; flow hash\n"
      "  distribution     to the flow's worker: symmetric RSS, or flow hash / NAT steering over rings\n"
      "process, on the flow's worker, in this order:\n";
  for (const Stage& stage : kStages) {
    std::string name(stage.name);
    name.resize(std::max<size_t>(name.size() + 1, 17), ' ');
    text += "  " + name + std::string(stage.summary) + "\n";
  }
  text += "then: generated packets from " + std::string(kStages[kGeneratedJoin].name) +
          " on; drops counted, logged and freed; punts to the slow path\n";
  return text;
}

}  // namespace torwart::dataplane
