#pragma once
// Wall-clock nanoseconds from the TSC, without a syscall per read: calibrated once at start.
#include <time.h>

#include <cstdint>

#include <rte_cycles.h>

namespace torwart::platform {

// Calibrate only after the EAL has started: before that DPDK does not know the TSC frequency.
class TscClock {
 public:
  void calibrate() {
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    base_tsc_ = rte_rdtsc();
    base_ns_ = static_cast<uint64_t>(now.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(now.tv_nsec);
    hz_ = rte_get_tsc_hz();
    if (hz_ == 0) hz_ = 1;
  }
  uint64_t now_ns() const {
    const uint64_t cycles = rte_rdtsc() - base_tsc_;
    return base_ns_ + cycles / hz_ * 1'000'000'000ull + (cycles % hz_) * 1'000'000'000ull / hz_;
  }
  uint64_t hz() const { return hz_; }

 private:
  uint64_t base_tsc_ = 0;
  uint64_t base_ns_ = 0;
  uint64_t hz_ = 1;
};

}  // namespace torwart::platform
