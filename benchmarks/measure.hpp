#pragma once
// Timing of the loops with the TSC, and the numbers derived from it.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "benchmarks/traffic.hpp"

namespace torwart::bench {

struct Sample {
  uint64_t packets = 0;
  uint64_t cycles = 0;  // TSC cycles from before the first burst to after the last
};

struct RunPlan {
  uint64_t packets = 0;  // > 0: every run is exactly this many packets (rounded up to whole bursts)
  double seconds = 1.0;  // otherwise every run lasts this long
  unsigned runs = 5;
  double warmup_seconds = 0.5;
};

// Runs `bursts` iterations of a loop and returns the packets it received.
using LoopFn = std::function<uint64_t(uint64_t bursts)>;

Sample measure(const LoopFn& loop, uint64_t packets, double seconds, uint64_t tsc_hz);

struct LoopResult {
  std::string name;  // "bare" or "pipeline"
  std::vector<Sample> samples;
  std::optional<double> instructions_per_packet;  // from callgrind, given on the command line

  double mpps(const Sample& s, uint64_t tsc_hz) const;
  // Medians over the runs.
  double median_mpps(uint64_t tsc_hz) const;
  double median_cycles_per_packet() const;
  double min_mpps(uint64_t tsc_hz) const;
  double max_mpps(uint64_t tsc_hz) const;
};

struct ProfileResult {
  Profile profile = Profile::k64;
  double mean_wire_bytes = 0;
  std::optional<LoopResult> bare, pipeline;
  // Pipeline packets sent / received over all its runs, and what happened to the rest.
  double forwarded_fraction = 0;
  std::vector<std::pair<std::string, uint64_t>> drops;
  std::vector<std::pair<std::string, uint64_t>> tx_by_port;

  // Median over the interleaved runs of pipeline Mpps / bare Mpps.
  std::optional<double> ratio(uint64_t tsc_hz) const;
};

double median(std::vector<double> values);

}  // namespace torwart::bench
