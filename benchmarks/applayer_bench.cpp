// applayer_bench: the cost of the application layer (reassembly, identification, the HTTP/TLS/DNS/QUIC
// parsers and their EVE records) per packet, next to the stateful path alone, in the same run, on the same
// real traffic: the frames of the given captures (both directions), each run with fresh connections.
//
// Both loops do what a worker does for a packet of a tracked connection: copy the frame into an mbuf, parse,
// look up or create the flow, track TCP state, free the mbuf; the "applayer" loop also runs stage_applayer.
// The ratio of their packet rates is the result, with Mpps, Gbit/s and TSC cycles per packet for each.
#include <x86intrin.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <vector>

#include <fmt/format.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "dataplane/flow_log.hpp"
#include "dataplane/inspect/capture_reader.hpp"
#include "dataplane/inspect/discarding_outputs.hpp"
#include "dataplane/inspect/track_frame.hpp"
#include "dataplane/parse.hpp"
#include "dataplane/report.hpp"
#include "dataplane/stages.hpp"
#include "platform/eal.hpp"
#include "platform/mbuf_pool.hpp"
#include "rules/config/config_digest.hpp"
#include "rules/config/load.hpp"

namespace torwart::bench {
namespace {

using namespace torwart::dataplane;

struct Frame {
  std::vector<uint8_t> bytes;
};

std::vector<Frame> load(const std::vector<std::string>& captures) {
  std::vector<Frame> frames;
  std::vector<uint8_t> buffer(RTE_MBUF_DEFAULT_DATAROOM);
  for (const auto& path : captures) {
    inspect::CaptureReader reader(path);
    uint32_t length = 0;
    uint64_t ts = 0;
    for (int got;
         (got = reader.next(buffer.data(), static_cast<uint32_t>(buffer.size()), length, ts)) >= 0;) {
      if (got == 1) frames.push_back({{buffer.begin(), buffer.begin() + length}});
    }
  }
  return frames;
}

struct LoopResult {
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t cycles = 0;
};

// One pass over every frame as a worker would see it.
[[gnu::noinline]] LoopResult run_pass(WorkerContext& ctx, const std::vector<Frame>& frames, bool applayer,
                                      uint64_t& clock_ns) {
  LoopResult result;
  FlowEndLogger on_end(ctx);
  ParseOptions parse_options;
  parse_options.verify_ipv4_checksum = false;
  parse_options.check_source_addresses = false;
  const uint64_t start = rte_rdtsc();
  for (const Frame& f : frames) {
    clock_ns += 1000;  // 1 us per packet: no flow times out within a pass
    ctx.now_ns = clock_ns;
    Burst burst;
    ++result.packets;
    result.bytes += f.bytes.size();
    if (inspect::track_frame(ctx, f.bytes, parse_options, true, on_end, burst).fate !=
        inspect::FrameFate::kTracked)
      continue;
    if (applayer) stage_applayer(ctx, burst);
    inspect::discard_forwarded(burst);
    if (burst.dropped_count > 0) rte_pktmbuf_free_bulk(burst.dropped.data(), burst.dropped_count);
  }
  result.cycles = rte_rdtsc() - start;
  return result;
}

// Between passes, neither timed nor counted by callgrind: every connection ends (its flow record is
// formatted) so that the next pass opens and identifies them again.
[[gnu::noinline]] void end_pass(WorkerContext& ctx) {
  FlowEndLogger on_end(ctx);
  ctx.flows.end_all(on_end);
  ctx.eve.drain([](std::string_view) {});
}

}  // namespace
}  // namespace torwart::bench

namespace {

int bench_main(int argc, char** argv) {
  using namespace torwart;
  using namespace torwart::bench;
  CLI::App app{
      "applayer_bench - the application layer's cost per packet next to the stateful path alone, on\n"
      "the frames of real captures, in the same run (benchmarks/README.md)."};
  std::vector<std::string> captures;
  unsigned runs = 5, passes = 20;
  bool json_output = false;
  std::string only = "both";
  app.add_option("captures", captures, "pcap/pcapng files: the traffic mix")->required();
  app.add_option("--runs", runs, "timed runs per loop (the best is reported)")->capture_default_str();
  app.add_option("--passes", passes, "passes over all frames per run")->capture_default_str();
  app.add_flag("--json", json_output, "JSON output");
  app.add_option("--only", only, "stateful, applayer or both (callgrind counts one loop at a time)")
      ->check(CLI::IsMember({"stateful", "applayer", "both"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  platform::EalRequest eal;
  eal.memory_mb = 512;
  platform::start_eal(eal);
  const std::vector<Frame> frames = load(captures);
  if (frames.empty()) {
    std::cerr << "applayer_bench: no frames in the captures\n";
    return 2;
  }
  const std::string text = "zones: [{name: lan}]\nports: [{name: lan, zone: lan, backend: null}]\n";
  auto loaded = config::load_config_text(text, "bench");
  config::Config config = std::get<config::Config>(loaded);
  config.dataplane.flows_per_worker = 65536;
  config.inspection.sessions_per_worker = 16384;
  const auto snapshot = dataplane::Snapshot::build(config, 1, config::config_digest(text), {{"lan", 0, {}}});
  rte_mempool* pool = platform::create_mbuf_pool("applayer_bench", 8191);
  NeighbourTable neighbours(16);
  inspect::DiscardingTransmitter tx;
  inspect::DiscardingPuntSink punt;
  EveRing eve;
  WorkerContext ctx(0, pool, neighbours, tx, punt, eve, RateLimits{}, FragmentLimits{},
                    flow_table_config(config), nat::NatTableConfig{}, inspection_limits(config));
  ctx.snapshot = snapshot.get();

  uint64_t clock_ns = 1'000'000'000ull;
  LoopResult best[2];
  for (unsigned run = 0; run < runs + 1; ++run) {  // the first run warms caches and is not counted
    for (int with_app = 0; with_app < 2; ++with_app) {
      if ((only == "stateful" && with_app == 1) || (only == "applayer" && with_app == 0)) continue;
      LoopResult total;
      for (unsigned p = 0; p < passes; ++p) {
        const LoopResult r = run_pass(ctx, frames, with_app == 1, clock_ns);
        end_pass(ctx);
        total.packets += r.packets;
        total.bytes += r.bytes;
        total.cycles += r.cycles;
      }
      if (run == 0) continue;
      if (best[with_app].cycles == 0 || total.cycles < best[with_app].cycles) best[with_app] = total;
    }
  }
  const double hz = static_cast<double>(rte_get_tsc_hz());
  auto describe = [&](const LoopResult& r) {
    const double seconds = static_cast<double>(r.cycles) / hz;
    return nlohmann::json{
        {"packets", r.packets},
        {"mpps", static_cast<double>(r.packets) / seconds / 1e6},
        {"gbit_per_s", static_cast<double>(r.bytes) * 8 / seconds / 1e9},
        {"cycles_per_packet", static_cast<double>(r.cycles) / static_cast<double>(r.packets)}};
  };
  WorkerCounters counters;
  counters.inspection = ctx.inspector.counters();
  counters.reassembly = ctx.inspector.reassembly_counters();
  nlohmann::json out = {{"frames", frames.size()},
                        {"mean_frame_bytes", 0},
                        {"stateful", describe(best[0])},
                        {"applayer", describe(best[1])},
                        {"applayer_share_of_stateful_rate",
                         static_cast<double>(best[0].cycles) / static_cast<double>(best[1].cycles)},
                        {"app_layer_counters", app_layer_json(counters)}};
  const LoopResult& any = best[0].packets > 0 ? best[0] : best[1];
  out["mean_frame_bytes"] = static_cast<double>(any.bytes) / static_cast<double>(any.packets);
  if (json_output) {
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << fmt::format(
      "{} frames from {} captures, {:.0f} bytes on average, best of {} runs x {} passes\n", frames.size(),
      captures.size(), out["mean_frame_bytes"].get<double>(), runs, passes);
  std::cout << fmt::format("{:10} {:>8} {:>10} {:>14}\n", "loop", "Mpps", "Gbit/s", "cycles/packet");
  for (const char* name : {"stateful", "applayer"}) {
    const auto& r = out[name];
    std::cout << fmt::format("{:10} {:8.3f} {:10.3f} {:14.0f}\n", name, r["mpps"].get<double>(),
                             r["gbit_per_s"].get<double>(), r["cycles_per_packet"].get<double>());
  }
  std::cout << fmt::format("applayer rate / stateful rate: {:.1f} %\n",
                           100 * out["applayer_share_of_stateful_rate"].get<double>());
  std::cout << "identified (flows, over all passes): " << out["app_layer_counters"]["identified"].dump()
            << "\n";
  std::cout << "data packets to identify (mean): " << out["app_layer_counters"]["packets_to_identify"].dump()
            << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return bench_main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "applayer_bench: " << e.what() << "\n";
    return 1;
  }
}
