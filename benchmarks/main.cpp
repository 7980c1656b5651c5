// torwart_bench: the forwarding pipeline on one worker next to a bare rx/tx-burst loop, both on net_null
// ports in the same process, on preloaded traffic. See benchmarks/README.md for what each loop includes.
#include <cstdio>
#include <iostream>
#include <map>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "benchmarks/loops.hpp"
#include "benchmarks/measure.hpp"
#include "benchmarks/report.hpp"
#include "benchmarks/rig.hpp"
#include "dataplane/core/drop_reason.hpp"

namespace torwart::bench {
namespace {

struct Options {
  RigOptions rig;
  RunPlan plan;
  std::string profile = "all";
  std::string only = "both";
  unsigned frames = 4096;
  TrafficShape shape;
  bool json = false;
  std::map<std::string, double> ipp;  // "64/bare" -> instructions per packet
};

// Counters of the pipeline runs: how much was forwarded, where to, and why the rest was dropped.
void summarise_counters(const Rig& rig, ProfileResult& result) {
  const auto& counters = rig.counters();
  uint64_t rx = 0, tx = 0;
  std::array<uint64_t, dataplane::kDropReasonCount> drops{};
  for (const uint16_t port : rig.snapshot().ports()) {
    const auto& p = counters.ports[port];
    rx += p.rx_packets;
    tx += p.tx_packets;
    if (p.tx_packets > 0) result.tx_by_port.emplace_back(rig.snapshot().port_name(port), p.tx_packets);
    for (unsigned r = 0; r < dataplane::kDropReasonCount; ++r) drops[r] += p.drops[r];
  }
  for (unsigned r = 0; r < dataplane::kDropReasonCount; ++r) {
    if (drops[r] > 0)
      result.drops.emplace_back(dataplane::drop_reason_name(static_cast<dataplane::DropReason>(r)), drops[r]);
  }
  result.forwarded_fraction = rx == 0 ? 0 : static_cast<double>(tx) / static_cast<double>(rx);
}

ProfileResult run_profile(Rig& rig, Profile profile, const Options& options) {
  Traffic traffic(profile, options.frames, options.shape);
  BareLoop bare = rig.bare_loop(traffic);
  PipelineLoop pipeline = rig.pipeline_loop(traffic);
  const LoopFn run_bare = [&](uint64_t bursts) { return torwart_bench_bare_loop(&bare, bursts); };
  const LoopFn run_pipeline = [&](uint64_t bursts) { return torwart_bench_pipeline_loop(&pipeline, bursts); };
  const bool want_bare = options.only != "pipeline", want_pipeline = options.only != "bare";
  const uint64_t hz = rig.clock().hz();

  ProfileResult result;
  result.profile = profile;
  result.mean_wire_bytes = traffic.mean_wire_bytes();
  if (want_bare) result.bare = LoopResult{.name = "bare"};
  if (want_pipeline) result.pipeline = LoopResult{.name = "pipeline"};
  if (options.plan.warmup_seconds > 0) {
    if (want_bare) measure(run_bare, 0, options.plan.warmup_seconds, hz);
    if (want_pipeline) measure(run_pipeline, 0, options.plan.warmup_seconds, hz);
  }
  rig.reset_counters();
  // Interleaved, so that a neighbour's load on the shared machine hits both loops alike.
  for (unsigned run = 0; run < options.plan.runs; ++run) {
    if (want_bare)
      result.bare->samples.push_back(measure(run_bare, options.plan.packets, options.plan.seconds, hz));
    if (want_pipeline)
      result.pipeline->samples.push_back(
          measure(run_pipeline, options.plan.packets, options.plan.seconds, hz));
  }
  if (want_pipeline) summarise_counters(rig, result);
  for (auto* loop : {&result.bare, &result.pipeline}) {
    if (!*loop) continue;
    const auto it = options.ipp.find(std::string(profile_name(profile)) + "/" + (*loop)->name);
    if (it != options.ipp.end()) (*loop)->instructions_per_packet = it->second;
  }
  return result;
}

// Flows in the preloaded traffic: one per distinct frame (rounded up to whole mix periods for imix).
std::string traffic_flows(const Options& options) {
  return options.profile == "64" ? std::to_string(options.frames) : fmt::format("~{}", options.frames);
}

int run(const Options& options) {
  Rig rig(options.rig);
  std::vector<Profile> profiles;
  if (options.profile != "imix") profiles.push_back(Profile::k64);
  if (options.profile != "64") profiles.push_back(Profile::kImix);
  std::vector<ProfileResult> results;
  results.reserve(profiles.size());
  for (const Profile profile : profiles) results.push_back(run_profile(rig, profile, options));
  RunDescription description =
      describe_run(options.rig.hugepages, rig.clock().hz(), options.plan, options.frames);
  description.scenario =
      fmt::format("{} policy rules, {} {}, flow table of {}{}", options.rig.policy_rules,
                  options.shape.new_flow_per_packet ? "a new flow per packet"
                                                    : fmt::format("{} flows", traffic_flows(options)),
                  options.shape.tcp_syn ? "TCP SYNs" : "UDP", options.rig.flow_table,
                  options.rig.nat ? ", source NAT on inet (half the flows translated)" : "");
  description.bytes_per_flow =
      static_cast<double>(rig.flows().memory_bytes()) / static_cast<double>(rig.flows().capacity());
  if (options.json) {
    std::cout << to_json(description, results).dump(2) << "\n";
  } else {
    print_table(std::cout, description, results);
  }
  for (const auto& result : results) {
    if (result.pipeline && result.forwarded_fraction < 1.0) {
      std::cerr << "warning: the pipeline did not forward every packet of profile "
                << profile_name(result.profile) << "; the measurement includes drops\n";
    }
  }
  return 0;
}

}  // namespace
}  // namespace torwart::bench

namespace {

int bench_main(int argc, char** argv) {
  using torwart::bench::Options;
  Options options;
  CLI::App app{"torwart_bench: forwarding pipeline vs bare rx/tx loop on net_null ports, preloaded traffic"};
  app.add_flag("--hugepages", options.rig.hugepages, "2 MB hugepages (EAL --in-memory); default --no-huge");
  app.add_option("--packets", options.plan.packets,
                 "packets per run (whole bursts of 32); default: timed runs");
  app.add_option("--seconds", options.plan.seconds, "seconds per run when --packets is not given")
      ->check(CLI::PositiveNumber);
  app.add_option("--runs", options.plan.runs, "runs per loop and profile; the median is reported")
      ->check(CLI::Range(1u, 1000u));
  app.add_option("--warmup", options.plan.warmup_seconds,
                 "seconds of warm-up per loop and profile (0: none)");
  app.add_option("--profile", options.profile, "64, imix or all")
      ->check(CLI::IsMember({"64", "imix", "all"}));
  app.add_option("--only", options.only, "bare, pipeline or both")
      ->check(CLI::IsMember({"bare", "pipeline", "both"}));
  app.add_option("--frames", options.frames, "distinct preloaded frames per profile")
      ->check(CLI::Range(1u, 1u << 20));
  app.add_option("--policy-rules", options.rig.policy_rules,
                 "policy rules: N-1 the traffic never matches, then one that accepts it (default 1)")
      ->check(CLI::Range(1u, 100000u));
  app.add_option("--flow-table", options.rig.flow_table, "connection-tracking table size (flows_per_worker)")
      ->check(CLI::Range(1024u, 1u << 24));
  app.add_flag("--nat", options.rig.nat, "source NAT (masquerade) on inet for the LAN: the SNAT cost");
  app.add_flag("--tcp-syn", options.shape.tcp_syn, "send TCP SYNs instead of UDP datagrams");
  app.add_flag("--new-flows", options.shape.new_flow_per_packet,
               "give every packet ports of its own, so that each opens a connection (set-up rate)");
  app.add_option("--cpu", options.rig.cpu, "CPU the loops run on");
  app.add_option("--memory-mb", options.rig.memory_mb, "EAL memory (-m)");
  std::vector<std::string> ipp;
  app.add_option("--ipp", ipp,
                 "instructions per packet from callgrind, e.g. --ipp 64/bare=123 (shown in the table)");
  app.add_flag("--json", options.json, "print JSON instead of the table");
  CLI11_PARSE(app, argc, argv);
  for (const auto& item : ipp) {
    const size_t equals = item.find('=');
    if (equals == std::string::npos) {
      std::fprintf(stderr, "torwart_bench: --ipp %s: expected PROFILE/LOOP=VALUE\n", item.c_str());
      return 2;
    }
    options.ipp[item.substr(0, equals)] = std::stod(item.substr(equals + 1));
  }
  try {
    return torwart::bench::run(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "torwart_bench: %s\n", e.what());
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return bench_main(argc, argv);
  } catch (const std::exception& e) {  // e.g. from CLI11 before parsing completes
    std::fprintf(stderr, "torwart_bench: %s\n", e.what());
    return 1;
  }
}
