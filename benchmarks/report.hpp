#pragma once
// The results as a Markdown table (pasted into benchmarks/README.md) or as JSON.
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "benchmarks/measure.hpp"

namespace torwart::bench {

struct RunDescription {
  std::string date;  // UTC, ISO 8601
  std::string cpu;   // model name from /proc/cpuinfo
  bool hugepages = false;
  uint64_t tsc_hz = 0;
  RunPlan plan;
  unsigned frames = 0;   // distinct preloaded frames per profile
  std::string scenario;  // policy rules, flows, traffic shape
  // Bytes the worker's flow table takes per flow it can hold (entries plus index).
  double bytes_per_flow = 0;
};

RunDescription describe_run(bool hugepages, uint64_t tsc_hz, const RunPlan& plan, unsigned frames);

void print_table(std::ostream& out, const RunDescription& run, const std::vector<ProfileResult>& results);
nlohmann::json to_json(const RunDescription& run, const std::vector<ProfileResult>& results);

}  // namespace torwart::bench
