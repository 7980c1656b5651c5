#include "benchmarks/report.hpp"

#include <ctime>
#include <fstream>

#include <fmt/format.h>

namespace torwart::bench {
namespace {

// The stateful path (conntrack and policy always run) against the bare loop: the stateful-filtering issue's
// target.
constexpr double kTargetRatio = 0.50;

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

double gbps(double mpps, double bytes_per_packet) {
  return mpps * 1e6 * bytes_per_packet * 8 / 1e9;
}

std::string ipp_text(const LoopResult& loop) {
  return loop.instructions_per_packet ? fmt::format("{:.0f}", *loop.instructions_per_packet) : "–";
}

void print_row(std::ostream& out, const RunDescription& run, const ProfileResult& result,
               const LoopResult& loop, const std::string& versus) {
  const double mpps = loop.median_mpps(run.tsc_hz);
  out << fmt::format(
      "| {} | {} | {:.2f} ({:.2f}–{:.2f}) | {:.2f} | {:.2f} | {:.1f} | {} | {} |\n",
      profile_name(result.profile), loop.name == "bare" ? "bare rx/tx loop" : "forwarding pipeline", mpps,
      loop.min_mpps(run.tsc_hz), loop.max_mpps(run.tsc_hz),
      gbps(mpps, result.mean_wire_bytes + kL1OverheadBytes), gbps(mpps, result.mean_wire_bytes),
      loop.median_cycles_per_packet(), ipp_text(loop), versus);
}

nlohmann::json loop_json(const RunDescription& run, const ProfileResult& result, const LoopResult& loop) {
  nlohmann::json j;
  const double mpps = loop.median_mpps(run.tsc_hz);
  j["mpps"] = mpps;
  j["mpps_min"] = loop.min_mpps(run.tsc_hz);
  j["mpps_max"] = loop.max_mpps(run.tsc_hz);
  j["gbps_l1"] = gbps(mpps, result.mean_wire_bytes + kL1OverheadBytes);
  j["gbps_l2"] = gbps(mpps, result.mean_wire_bytes);
  j["tsc_cycles_per_packet"] = loop.median_cycles_per_packet();
  if (loop.instructions_per_packet) j["instructions_per_packet"] = *loop.instructions_per_packet;
  uint64_t packets = 0;
  for (const auto& s : loop.samples) {
    j["runs"].push_back({{"packets", s.packets}, {"tsc_cycles", s.cycles}});
    packets += s.packets;
  }
  j["packets"] = packets;
  return j;
}

}  // namespace

RunDescription describe_run(bool hugepages, uint64_t tsc_hz, const RunPlan& plan, unsigned frames) {
  RunDescription run;
  char date[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  run.date = date;
  run.cpu = cpu_model();
  run.hugepages = hugepages;
  run.tsc_hz = tsc_hz;
  run.plan = plan;
  run.frames = frames;
  return run;
}

void print_table(std::ostream& out, const RunDescription& run, const std::vector<ProfileResult>& results) {
  out << fmt::format(
      "torwart_bench {} | {} | TSC {:.3f} GHz | {} | {} runs of {} | median (min–max) per run\n\n", run.date,
      run.cpu, static_cast<double>(run.tsc_hz) / 1e9, run.hugepages ? "2 MB hugepages" : "no hugepages",
      run.plan.runs,
      run.plan.packets > 0 ? fmt::format("{} packets", run.plan.packets)
                           : fmt::format("{:.1f} s", run.plan.seconds));
  if (!run.scenario.empty())
    out << fmt::format("scenario: {}; flow table {:.1f} bytes per flow\n\n", run.scenario,
                       run.bytes_per_flow);
  out << "| profile | loop | Mpps | Gbit/s L1 | Gbit/s L2 | TSC cycles/pkt | instr/pkt | vs bare |\n";
  out << "|---|---|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& result : results) {
    if (result.bare) print_row(out, run, result, *result.bare, "100 %");
    if (result.pipeline) {
      const auto ratio = result.ratio(run.tsc_hz);
      const std::string versus =
          ratio ? fmt::format("**{:.0f} %** {}", *ratio * 100,
                              *ratio >= kTargetRatio ? "(≥ 50 %: met)" : "(< 50 %: not met)")
                : "–";
      print_row(out, run, result, *result.pipeline, versus);
    }
  }
  out << "\n";
  for (const auto& result : results) {
    if (!result.pipeline) continue;
    out << fmt::format("{}: mean frame {:.1f} B on the wire; pipeline forwarded {:.4f} % of what it received",
                       profile_name(result.profile), result.mean_wire_bytes, result.forwarded_fraction * 100);
    for (const auto& [port, packets] : result.tx_by_port) out << fmt::format("; {} {}", port, packets);
    for (const auto& [reason, packets] : result.drops) out << fmt::format("; dropped {} {}", reason, packets);
    out << "\n";
  }
}

nlohmann::json to_json(const RunDescription& run, const std::vector<ProfileResult>& results) {
  nlohmann::json j;
  j["date"] = run.date;
  j["cpu"] = run.cpu;
  j["hugepages"] = run.hugepages;
  j["tsc_hz"] = run.tsc_hz;
  j["runs"] = run.plan.runs;
  j["seconds_per_run"] = run.plan.seconds;
  j["packets_per_run"] = run.plan.packets;
  j["frames"] = run.frames;
  j["scenario"] = run.scenario;
  j["bytes_per_flow"] = run.bytes_per_flow;
  for (const auto& result : results) {
    nlohmann::json p;
    p["profile"] = profile_name(result.profile);
    p["mean_wire_bytes"] = result.mean_wire_bytes;
    if (result.bare) p["bare"] = loop_json(run, result, *result.bare);
    if (result.pipeline) {
      p["pipeline"] = loop_json(run, result, *result.pipeline);
      p["pipeline"]["forwarded_fraction"] = result.forwarded_fraction;
      for (const auto& [reason, packets] : result.drops) p["pipeline"]["drops"][reason] = packets;
      for (const auto& [port, packets] : result.tx_by_port) p["pipeline"]["tx"][port] = packets;
    }
    if (const auto ratio = result.ratio(run.tsc_hz)) p["ratio"] = *ratio;
    j["profiles"].push_back(p);
  }
  return j;
}

}  // namespace torwart::bench
