#include "dataplane/inspect/inspect.hpp"

#include "dataplane/inspect/capture_reader.hpp"
#include "dataplane/inspect/discarding_outputs.hpp"
#include "dataplane/inspect/track_frame.hpp"

#include <array>
#include <filesystem>
#include <fstream>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dataplane/pipeline/flow_log.hpp"
#include "dataplane/pipeline/pipeline.hpp"
#include "dataplane/pipeline/report.hpp"
#include "dataplane/pipeline/signature_loader.hpp"
#include "dataplane/pipeline/stages.hpp"
#include "platform/mbuf_pool.hpp"
#include "rules/config/config_digest.hpp"

namespace torwart::dataplane::inspect {
namespace {

constexpr unsigned kMbufs = 4095;
constexpr unsigned kExpiryBudget = 32;

std::vector<PortBinding> bindings_of(const config::Config& config) {
  std::vector<PortBinding> bindings;
  for (size_t i = 0; i < config.ports.size(); ++i)
    bindings.push_back({config.ports[i].name, static_cast<uint16_t>(i), rte_ether_addr{}});
  return bindings;
}

}  // namespace

InspectSummary run_inspect(const InspectOptions& options) {
  CaptureReader capture(options.capture);
  std::filesystem::create_directories(options.out_dir);
  static rte_mempool* pool = platform::create_mbuf_pool("torwart_inspect", kMbufs, kMbufPrivSize);
  std::shared_ptr<Snapshot> snapshot = Snapshot::build(
      options.config, 1, config::config_digest(options.config_text), bindings_of(options.config));
  snapshot->attach_signatures(options.signatures);
  NeighbourTable neighbours(16);
  DiscardingTransmitter transmitter;
  DiscardingPuntSink punts;
  EveRing eve_ring;
  applayer::InspectionLimits limits = inspection_limits(options.config);
  if (!options.ips) limits.on_limit = applayer::LimitAction::kPass;  // an IDS never drops
  WorkerContext ctx(0, pool, neighbours, transmitter, punts, eve_ring, RateLimits{}, FragmentLimits{},
                    flow_table_config(options.config), nat::NatTableConfig{}, limits);
  ctx.snapshot = snapshot.get();
  const std::string capture_name = std::filesystem::path(options.capture).filename().string();
  ctx.interface_name_override = capture_name;

  const std::string eve_path = options.out_dir + "/eve.json";
  std::filesystem::remove(eve_path);
  EveFile eve(eve_path, options.config.name);
  auto drain = [&] { eve_ring.drain([&](std::string_view line) { eve.write(line); }); };

  ParseOptions parse_options;
  parse_options.verify_ipv4_checksum = options.verify_checksums;
  parse_options.check_source_addresses = false;
  InspectSummary summary;
  std::array<uint64_t, kDropReasonCount> malformed_by_reason{};
  FlowEndLogger on_end(ctx);
  uint64_t first_ns = 0, now = 0;
  std::vector<uint8_t> frame(RTE_MBUF_DEFAULT_DATAROOM);
  for (;;) {
    uint32_t length = 0;
    const int got = capture.next(frame.data(), static_cast<uint32_t>(frame.size()), length, now);
    if (got < 0) break;
    if (summary.packets++ == 0) first_ns = now;
    if (got == 0) {
      ++summary.not_ip;
      continue;
    }
    ctx.now_ns = now;
    ctx.capture_packet = summary.packets;
    ctx.flows.expire(now, kExpiryBudget, on_end);
    Burst burst;
    const TrackedFrame tracked =
        track_frame(ctx, {frame.data(), length}, parse_options, options.midstream, on_end, burst);
    switch (tracked.fate) {
      case MonitorFate::kTracked:
        break;
      case MonitorFate::kMalformed:
        ++summary.malformed;
        ++malformed_by_reason[static_cast<unsigned>(tracked.malformed_reason)];
        continue;
      case MonitorFate::kFragment:
        ++summary.fragments;
        continue;
      case MonitorFate::kNoHandshake:
        ++summary.not_tracked;
        continue;
      case MonitorFate::kUntrackable:
      case MonitorFate::kTableFull:
        continue;
    }
    if (tracked.new_flow) ++summary.flows;
    stage_applayer(ctx, burst);
    summary.dropped += burst.dropped_count;
    discard_forwarded(burst);
    pipeline_finish(ctx, burst);  // logs and frees what --ips dropped
    drain();
  }
  ctx.flows.end_all(on_end);
  drain();
  WorkerCounters total = ctx.counters;
  total.inspection = ctx.inspector.counters();
  total.reassembly = ctx.inspector.reassembly_counters();
  eve.write(stats_record(*snapshot, total, now, (now - first_ns) / 1'000'000'000ull));
  eve.flush();
  nlohmann::json counters = {{"packets", summary.packets},     {"flows", summary.flows},
                             {"not_ip", summary.not_ip},       {"not_tracked", summary.not_tracked},
                             {"malformed", summary.malformed}, {"fragments", summary.fragments},
                             {"dropped", summary.dropped},     {"app_layer", app_layer_json(total)}};
  nlohmann::json reasons = nlohmann::json::object();
  for (unsigned r = 0; r < kDropReasonCount; ++r) {
    if (malformed_by_reason[r] > 0)
      reasons[std::string(drop_reason_name(static_cast<DropReason>(r)))] = malformed_by_reason[r];
  }
  counters["malformed_by_reason"] = reasons;
  summary.capture_damage = capture.damage();
  if (!summary.capture_damage.empty()) counters["damaged_capture"] = summary.capture_damage;
  if (options.signatures != nullptr)
    counters["signatures"] =
        SignatureLoader::engine_counters(ctx.detector.counters(), ctx.detector.regex_limit_hits());
  std::ofstream(options.out_dir + "/counters.json") << counters.dump(2) << "\n";
  return summary;
}

}  // namespace torwart::dataplane::inspect
