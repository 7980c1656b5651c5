#pragma once
// The live KernelSink: packets the input policy accepted for the box leave on the kernel twin of the port
// they arrived on (platform/kernel_twins.hpp). Used on the control lcore only (reaches() also on workers):
// deliver() gathers per twin, flush() sends once per control-loop turn.
#include <array>
#include <cstdint>
#include <vector>

#include <rte_mbuf.h>

#include "dataplane/pipeline/worker_context.hpp"
#include "platform/kernel_twins.hpp"

namespace torwart::dataplane::live {

struct KernelTwinCounters {
  uint64_t delivered = 0;
  uint64_t dropped_queue_full = 0;  // the tap's queue (the kernel's socket buffer) took no more
  uint64_t dropped_no_twin = 0;     // a packet from a port without a twin (stage_local lets none through)
};

class KernelTwinSink final : public KernelSink {
 public:
  KernelTwinSink(const std::vector<platform::OpenTwin>& twins, uint16_t port_count);
  bool reaches(uint16_t port) const override { return port < twin_of_.size() && twin_of_[port] != kNoTwin; }
  void deliver(rte_mbuf* m) override;
  // Sends what deliver() gathered; what a twin's queue does not take is freed and counted.
  void flush();
  const KernelTwinCounters& counters() const { return counters_; }

 private:
  static constexpr uint16_t kNoTwin = UINT16_MAX;
  static constexpr uint16_t kBatch = 32;
  struct Pending {
    uint16_t twin_port = 0;
    uint16_t count = 0;
    std::array<rte_mbuf*, kBatch> packets{};
  };
  void send(Pending& pending);

  std::vector<uint16_t> twin_of_;  // data port id -> index into pending_
  std::vector<Pending> pending_;
  KernelTwinCounters counters_;
};

}  // namespace torwart::dataplane::live
