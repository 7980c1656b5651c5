// applayer_bench: the cost of the application layer (reassembly, identification, the HTTP/TLS/DNS/QUIC
// parsers and their EVE records) and of signature sets on top of it, per packet, next to the stateful path
// alone, in the same run, on the same real traffic: the frames of the given captures (both directions), each
// run with fresh connections.
//
// Every loop does what a worker does for a packet of a tracked connection: copy the frame into an mbuf,
// parse, look up or create the flow, track TCP state, free the mbuf; the "applayer" loop also runs
// stage_applayer, and each signature loop runs stage_applayer with a signature set attached to its snapshot.
// The ratios of their packet rates are the result, with Mpps, Gbit/s and TSC cycles per packet for each.
// For each signature set it also reports the set's build from scratch and from the on-disk cache: times,
// sizes and memory (benchmarks/README.md "Signatures (issue 7)").
#include <malloc.h>
#include <unistd.h>
#include <x86intrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <vector>

#include <fmt/format.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "dataplane/core/parse.hpp"
#include "dataplane/ids/ruleset.hpp"
#include "dataplane/inspect/capture_reader.hpp"
#include "dataplane/inspect/discarding_outputs.hpp"
#include "dataplane/inspect/track_frame.hpp"
#include "dataplane/pipeline/flow_log.hpp"
#include "dataplane/pipeline/report.hpp"
#include "dataplane/pipeline/stages.hpp"
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
        dataplane::MonitorFate::kTracked)
      continue;
    if (applayer) stage_applayer(ctx, burst);
    inspect::discard_forwarded(burst);
    if (burst.dropped_count > 0) rte_pktmbuf_free_bulk(burst.dropped.data(), burst.dropped_count);
  }
  result.cycles = rte_rdtsc() - start;
  return result;
}

// Between passes, neither timed nor counted by callgrind: every connection ends (its flow record is
// formatted) so that the next pass opens and identifies them again. Returns the EVE records of the pass.
[[gnu::noinline]] uint32_t end_pass(WorkerContext& ctx) {
  FlowEndLogger on_end(ctx);
  ctx.flows.end_all(on_end);
  return ctx.eve.drain([](std::string_view) {});
}

// ---- signature sets: their build, and the memory it takes ----

// A field of /proc/self/status in bytes (VmRSS, VmHWM).
uint64_t status_bytes(const std::string& field) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.starts_with(field + ":")) return std::stoull(line.substr(field.size() + 1)) * 1024;
  return 0;
}

// Resets VmHWM to the current RSS (Linux >= 4.0), so that the next VmHWM is the peak of what follows.
void reset_peak() {
  std::ofstream("/proc/self/clear_refs") << "5";
}

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

struct SetBuild {
  std::string name;
  std::shared_ptr<const ids::Ruleset> set;  // built from the cache: the one the loop runs
  nlohmann::json figures;
};

// Builds `sources` twice, as a first start and as a restart do: from scratch into an empty cache directory,
// then from that directory with a new DatabaseCache (no in-memory sharing). `keep_scratch` receives the
// first build when asked (the full set that the samples are taken from).
SetBuild build_set(const std::string& name, const ids::RulesetSources& sources,
                   std::shared_ptr<const ids::Ruleset>* keep_scratch = nullptr) {
  char pattern[] = "/tmp/torwart-ids-cache-XXXXXX";
  const std::filesystem::path cache_dir = ::mkdtemp(pattern);
  SetBuild out{name, nullptr, {}};
  const uint64_t rss_start = status_bytes("VmRSS");
  reset_peak();
  auto start = std::chrono::steady_clock::now();
  std::shared_ptr<const ids::Ruleset> scratch;
  {
    ids::DatabaseCache cache(cache_dir);
    scratch = ids::Ruleset::build(sources, cache);
  }
  const double scratch_ms = ms_since(start);
  const uint64_t scratch_peak = status_bytes("VmHWM");
  const ids::RulesetStats scratch_stats = scratch->stats();
  if (keep_scratch != nullptr) *keep_scratch = scratch;
  scratch.reset();
  ::malloc_trim(0);  // the compiler's freed heap back to the system: the RSS growth below is the set's own

  const uint64_t rss_before = status_bytes("VmRSS");
  reset_peak();
  start = std::chrono::steady_clock::now();
  {
    ids::DatabaseCache cache(cache_dir);
    out.set = ids::Ruleset::build(sources, cache);
  }
  const double cached_ms = ms_since(start);
  const uint64_t rss_after = status_bytes("VmRSS");
  const uint64_t cached_peak = status_bytes("VmHWM");
  std::filesystem::remove_all(cache_dir);

  const ids::RulesetStats& s = out.set->stats();
  const auto& report = out.set->report();
  out.figures = {
      {"rules_seen", report.rules_seen},
      {"rules_loaded", s.loaded},
      {"rules_skipped", report.skipped.size()},
      {"groups", s.groups},
      {"fast_patterns", s.fast_patterns},
      {"without_prefilter", s.without_prefilter},
      {"ip_only", s.ip_only},
      {"database_bytes", s.database_bytes},
      {"scratch",
       {{"total_ms", scratch_ms},
        {"parse_ms", scratch_stats.load_time.count()},
        {"compile_ms", scratch_stats.compile_time.count()},
        {"databases_compiled", scratch_stats.cache.misses},
        {"peak_rss_bytes", scratch_peak},
        {"peak_growth_bytes", scratch_peak - std::min(scratch_peak, rss_start)}}},
      {"cache",
       {{"total_ms", cached_ms},
        {"parse_ms", s.load_time.count()},
        {"compile_ms", s.compile_time.count()},
        {"databases_loaded", s.cache.hits},
        {"databases_compiled", s.cache.misses},
        {"peak_rss_bytes", cached_peak},
        {"peak_growth_bytes", cached_peak - std::min(cached_peak, rss_before)}}},
      {"rss_growth_bytes", rss_after > rss_before ? rss_after - rss_before : 0},
  };
  return out;
}

// `count` signatures of `full` that the engine runs, evenly spaced over the set in file order (signature
// k * loaded / count for k = 0 .. count-1), written one per line into `path`.
void write_sample(const ids::Ruleset& full, size_t count, const std::filesystem::path& path) {
  const auto& all = full.signatures();
  std::ofstream out(path);
  for (size_t k = 0; k < count; ++k) out << all[k * all.size() / count].source->text << "\n";
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

// ---- the loops ----

struct Lane {
  std::string name;
  bool applayer = false;
  std::shared_ptr<const ids::Ruleset> set;
  nlohmann::json build;  // the set's build figures
  std::unique_ptr<WorkerContext> ctx;
  LoopResult best;
  uint64_t first_pass_alerts = 0;
};

}  // namespace
}  // namespace torwart::bench

namespace {

int bench_main(int argc, char** argv) {
  using namespace torwart;
  using namespace torwart::bench;
  CLI::App app{
      "applayer_bench - the application layer's and signature sets' cost per packet next to the stateful\n"
      "path alone, on the frames of real captures, in the same run (benchmarks/README.md)."};
  std::vector<std::string> captures;
  unsigned runs = 5, passes = 20;
  bool json_output = false;
  std::string only;
  std::string signatures, classification;
  std::vector<size_t> samples;
  app.add_option("captures", captures, "pcap/pcapng files: the traffic mix")->required();
  app.add_option("--runs", runs, "timed runs per loop (the best is reported)")->capture_default_str();
  app.add_option("--passes", passes, "passes over all frames per run")->capture_default_str();
  app.add_flag("--json", json_output, "JSON output");
  app.add_option("--only", only,
                 "run one loop: stateful, applayer or a signature set's name (callgrind counts one loop)");
  app.add_option("--signatures", signatures, "a rule file or a directory of .rules files: a loop with it");
  app.add_option("--classification", classification,
                 "classification.config (default: the one in the --signatures directory, if any)");
  app.add_option(
         "--signature-sets", samples,
         "loops with N signatures sampled evenly from the --signatures set, besides the full set (0: the "
         "applayer loop, always run)")
      ->delimiter(',');
  CLI11_PARSE(app, argc, argv);
  if (!samples.empty() && signatures.empty()) {
    std::cerr << "applayer_bench: --signature-sets needs --signatures\n";
    return 2;
  }
  if (classification.empty() && std::filesystem::is_directory(signatures) &&
      std::filesystem::exists(signatures + "/classification.config"))
    classification = signatures + "/classification.config";

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
  rte_mempool* pool = platform::create_mbuf_pool("applayer_bench", 8191, dataplane::kMbufPrivSize);
  NeighbourTable neighbours(16);
  inspect::DiscardingTransmitter tx;
  inspect::DiscardingPuntSink punt;
  constexpr uint32_t kEveSlots = 1u << 15;
  EveRing eve(kEveSlots);  // drained after every pass: larger than the records of one

  std::vector<Lane> lanes;
  lanes.push_back({"stateful", false, nullptr, nullptr, {}, {}, 0});
  lanes.push_back({"applayer", true, nullptr, nullptr, {}, {}, 0});
  const uint64_t baseline_rss = status_bytes("VmRSS");
  if (!signatures.empty()) {
    ids::RulesetSources sources;
    sources.rule_files = {signatures};
    sources.classification_file = classification;
    std::shared_ptr<const ids::Ruleset> full;
    SetBuild all = build_set("all", sources, &full);
    std::sort(samples.begin(), samples.end());
    char pattern[] = "/tmp/torwart-ids-sample-XXXXXX";
    const std::filesystem::path sample_dir = ::mkdtemp(pattern);
    std::vector<SetBuild> builds;
    for (const size_t n : samples) {
      if (n == 0) continue;  // no signatures: the applayer loop
      if (n > full->signatures().size())
        throw std::runtime_error(
            fmt::format("--signature-sets: {} is not in 1..{}", n, full->signatures().size()));
      const std::filesystem::path file = sample_dir / fmt::format("sample-{}.rules", n);
      write_sample(*full, n, file);
      ids::RulesetSources sample = sources;
      sample.rule_files = {file.string()};
      builds.push_back(build_set(std::to_string(n), sample));
    }
    std::filesystem::remove_all(sample_dir);
    full.reset();
    builds.push_back(std::move(all));
    for (SetBuild& b : builds)
      lanes.push_back({"ids-" + b.name, true, std::move(b.set), std::move(b.figures), {}, {}, 0});
  }
  // One snapshot; each loop attaches its set before it runs, and has a worker context (flows, detector
  // state) of its own.
  const auto snapshot = dataplane::Snapshot::build(config, 1, config::config_digest(text), {{"lan", 0, {}}});
  for (Lane& lane : lanes) {
    lane.ctx = std::make_unique<WorkerContext>(0, pool, neighbours, tx, punt, eve, RateLimits{},
                                               FragmentLimits{}, flow_table_config(config),
                                               nat::NatTableConfig{}, inspection_limits(config));
    lane.ctx->snapshot = snapshot.get();
  }
  const uint64_t contexts_rss = status_bytes("VmRSS");
  if (!only.empty() &&
      std::none_of(lanes.begin(), lanes.end(), [&](const Lane& l) { return l.name == only; })) {
    std::cerr << "applayer_bench: --only " << only << ": no such loop\n";
    return 2;
  }

  // Runs interleave the loops (stateful, applayer, each set, then again) so that the machine's load hits all.
  uint64_t clock_ns = 1'000'000'000ull;
  uint32_t most_records = 0;
  for (unsigned run = 0; run < runs + 1; ++run) {  // the first run warms caches and is not counted
    for (Lane& lane : lanes) {
      if (!only.empty() && lane.name != only) continue;
      snapshot->attach_signatures(lane.set);
      LoopResult total;
      for (unsigned p = 0; p < passes; ++p) {
        const LoopResult r = run_pass(*lane.ctx, frames, lane.applayer, clock_ns);
        most_records = std::max(most_records, end_pass(*lane.ctx));
        if (run == 0 && p == 0) lane.first_pass_alerts = lane.ctx->detector.counters().alerts;
        total.packets += r.packets;
        total.bytes += r.bytes;
        total.cycles += r.cycles;
      }
      if (run == 0) continue;
      if (lane.best.cycles == 0 || total.cycles < lane.best.cycles) lane.best = total;
    }
  }
  if (most_records >= kEveSlots)
    std::cerr << "applayer_bench: warning: the EVE ring filled up in a pass; records were lost\n";

  const double hz = static_cast<double>(rte_get_tsc_hz());
  auto describe = [&](const Lane& lane) {
    const LoopResult& r = lane.best;
    const double seconds = static_cast<double>(r.cycles) / hz;
    nlohmann::json j = {{"packets", r.packets}};
    if (r.cycles == 0) return j;
    j["mpps"] = static_cast<double>(r.packets) / seconds / 1e6;
    j["gbit_per_s"] = static_cast<double>(r.bytes) * 8 / seconds / 1e9;
    j["cycles_per_packet"] = static_cast<double>(r.cycles) / static_cast<double>(r.packets);
    return j;
  };
  auto share = [](const Lane& lane, const Lane& of) {
    return lane.best.cycles == 0 || of.best.cycles == 0
               ? 0.0
               : static_cast<double>(of.best.cycles) / static_cast<double>(lane.best.cycles);
  };
  WorkerCounters counters;
  counters.inspection = lanes[1].ctx->inspector.counters();
  counters.reassembly = lanes[1].ctx->inspector.reassembly_counters();
  nlohmann::json out = {{"frames", frames.size()},
                        {"mean_frame_bytes", 0},
                        {"stateful", describe(lanes[0])},
                        {"applayer", describe(lanes[1])},
                        {"applayer_share_of_stateful_rate", share(lanes[1], lanes[0])},
                        {"app_layer_counters", app_layer_json(counters)},
                        {"signature_sets", nlohmann::json::array()},
                        {"rss_before_sets_bytes", baseline_rss},
                        {"rss_before_loops_bytes", contexts_rss},
                        {"peak_rss_bytes", 0}};
  uint64_t bytes = 0, packets = 0;
  for (const Lane& lane : lanes) bytes += lane.best.bytes, packets += lane.best.packets;
  out["mean_frame_bytes"] = static_cast<double>(bytes) / static_cast<double>(std::max<uint64_t>(packets, 1));
  for (size_t i = 2; i < lanes.size(); ++i) {
    const Lane& lane = lanes[i];
    const ids::DetectorCounters& c = lane.ctx->detector.counters();
    const uint64_t all_passes = uint64_t{runs + 1} * passes;
    nlohmann::json j = {{"name", lane.name},
                        {"build", lane.build},
                        {"loop", describe(lane)},
                        {"share_of_stateful_rate", share(lane, lanes[0])},
                        {"share_of_applayer_rate", share(lane, lanes[1])},
                        {"alerts_first_pass", lane.first_pass_alerts}};
    auto per_pass = [&](uint64_t n) { return static_cast<double>(n) / static_cast<double>(all_passes); };
    if (only.empty() || only == lane.name)  // means over every pass, the warm-up run's too
      j["detector_per_pass"] = {
          {"alerts", per_pass(c.alerts)},         {"scans", per_pass(c.scans)},
          {"candidates", per_pass(c.candidates)}, {"matches", per_pass(c.matches)},
          {"drops", per_pass(c.drops)},           {"scan_errors", per_pass(c.scan_errors)}};
    out["signature_sets"].push_back(std::move(j));
  }
  // The process's peak: VmHWM counts since the last reset (the last build), the builds' peaks before it.
  uint64_t peak = status_bytes("VmHWM");
  for (const Lane& lane : lanes)
    if (lane.set)
      peak = std::max({peak, lane.build["scratch"]["peak_rss_bytes"].get<uint64_t>(),
                       lane.build["cache"]["peak_rss_bytes"].get<uint64_t>()});
  out["peak_rss_bytes"] = peak;
  if (json_output) {
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << fmt::format(
      "{} frames from {} captures, {:.0f} bytes on average, best of {} runs x {} passes\n", frames.size(),
      captures.size(), out["mean_frame_bytes"].get<double>(), runs, passes);
  std::cout << fmt::format("{:10} {:>8} {:>10} {:>14} {:>11} {:>11} {:>7}\n", "loop", "Mpps", "Gbit/s",
                           "cycles/packet", "vs stateful", "vs applayer", "alerts");
  auto row = [&](const std::string& name, const nlohmann::json& r, double vs_stateful, double vs_app,
                 const std::string& alerts) {
    if (!r.contains("mpps")) return;
    auto percent = [](double ratio) {
      return ratio > 0 ? fmt::format("{:.1f}%", 100 * ratio) : std::string();
    };
    std::cout << fmt::format("{:10} {:8.3f} {:10.3f} {:14.0f} {:>11} {:>11} {:>7}\n", name,
                             r["mpps"].get<double>(), r["gbit_per_s"].get<double>(),
                             r["cycles_per_packet"].get<double>(), percent(vs_stateful), percent(vs_app),
                             alerts);
  };
  row("stateful", out["stateful"], 1.0, 0.0, "");
  row("applayer", out["applayer"], out["applayer_share_of_stateful_rate"].get<double>(), 1.0, "");
  for (const auto& s : out["signature_sets"])
    row(s["name"], s["loop"], s["share_of_stateful_rate"].get<double>(),
        s["share_of_applayer_rate"].get<double>(), std::to_string(s["alerts_first_pass"].get<uint64_t>()));
  if (!out["signature_sets"].empty()) {
    std::cout << "\n(alerts: in the first pass)\n";
    std::cout << fmt::format("{:10} {:>7} {:>7} {:>6} {:>9} {:>10} {:>10} {:>10} {:>9}\n", "set", "loaded",
                             "skipped", "groups", "db MiB", "scratch ms", "cache ms", "peak+ MiB",
                             "RSS+ MiB");
    constexpr double kMiB = 1024.0 * 1024.0;
    for (const auto& s : out["signature_sets"]) {
      const auto& b = s["build"];
      std::cout << fmt::format("{:10} {:7} {:7} {:6} {:9.1f} {:10.0f} {:10.0f} {:10.0f} {:9.1f}\n",
                               s["name"].get<std::string>(), b["rules_loaded"].get<uint64_t>(),
                               b["rules_skipped"].get<uint64_t>(), b["groups"].get<uint64_t>(),
                               static_cast<double>(b["database_bytes"].get<uint64_t>()) / kMiB,
                               b["scratch"]["total_ms"].get<double>(), b["cache"]["total_ms"].get<double>(),
                               static_cast<double>(b["scratch"]["peak_growth_bytes"].get<uint64_t>()) / kMiB,
                               static_cast<double>(b["rss_growth_bytes"].get<uint64_t>()) / kMiB);
    }
  }
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
