#include "benchmarks/measure.hpp"

#include <algorithm>

#include <rte_cycles.h>

#include "benchmarks/loops.hpp"

namespace torwart::bench {
namespace {

constexpr uint64_t kBurstsPerCheck = 1024;  // about 1-3 ms between two looks at the clock

}  // namespace

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

Sample measure(const LoopFn& loop, uint64_t packets, double seconds, uint64_t tsc_hz) {
  Sample sample;
  const uint64_t start = rte_rdtsc();
  if (packets > 0) {
    sample.packets = loop((packets + kBurst - 1) / kBurst);
  } else {
    const auto limit = static_cast<uint64_t>(seconds * static_cast<double>(tsc_hz));
    do {
      sample.packets += loop(kBurstsPerCheck);
    } while (rte_rdtsc() - start < limit);
  }
  sample.cycles = rte_rdtsc() - start;
  return sample;
}

double LoopResult::mpps(const Sample& s, uint64_t tsc_hz) const {
  return s.cycles == 0 ? 0
                       : static_cast<double>(s.packets) * static_cast<double>(tsc_hz) /
                             static_cast<double>(s.cycles) / 1e6;
}

double LoopResult::median_mpps(uint64_t tsc_hz) const {
  std::vector<double> values;
  for (const auto& s : samples) values.push_back(mpps(s, tsc_hz));
  return median(values);
}

double LoopResult::min_mpps(uint64_t tsc_hz) const {
  double best = 0;
  for (size_t i = 0; i < samples.size(); ++i)
    best = i == 0 ? mpps(samples[i], tsc_hz) : std::min(best, mpps(samples[i], tsc_hz));
  return best;
}

double LoopResult::max_mpps(uint64_t tsc_hz) const {
  double best = 0;
  for (const auto& s : samples) best = std::max(best, mpps(s, tsc_hz));
  return best;
}

double LoopResult::median_cycles_per_packet() const {
  std::vector<double> values;
  for (const auto& s : samples)
    values.push_back(s.packets == 0 ? 0 : static_cast<double>(s.cycles) / static_cast<double>(s.packets));
  return median(values);
}

std::optional<double> ProfileResult::ratio(uint64_t tsc_hz) const {
  if (!bare || !pipeline || bare->samples.size() != pipeline->samples.size()) return std::nullopt;
  std::vector<double> ratios;
  for (size_t i = 0; i < bare->samples.size(); ++i) {
    const double b = bare->mpps(bare->samples[i], tsc_hz);
    if (b > 0) ratios.push_back(pipeline->mpps(pipeline->samples[i], tsc_hz) / b);
  }
  return median(ratios);
}

}  // namespace torwart::bench
