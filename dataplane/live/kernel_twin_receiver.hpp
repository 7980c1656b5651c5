#pragma once
// The kernel -> wire half of the twins, on the control lcore: every frame a twin's kernel sends is checked
// (pipeline/kernel_frames.hpp). The box's ARP and IPv6 neighbour discovery leave its data port at once on
// the control queue; its IP packets go to the worker that owns their flow (the flow hash -> worker mapping of
// software distribution), which runs them through the pipeline from the zone `local`; the rest is dropped
// as kernel_frame_refused. One read of each twin per control-loop turn, in bursts.
#include <cstdint>
#include <vector>

#include "dataplane/core/parse.hpp"
#include "dataplane/live/shared_state.hpp"
#include "dataplane/pipeline/worker_context.hpp"
#include "platform/kernel_twins.hpp"

namespace torwart::dataplane::live {

struct KernelTwinTraffic {
  uint64_t frames_read = 0;
  uint64_t sent_to_wire = 0;       // ARP and neighbour discovery, out of the data port directly
  uint64_t handed_to_workers = 0;  // IP from the box, into its flow's worker's pipeline
};

class KernelTwinReceiver {
 public:
  // `control`: the slow path's context (its snapshot, counters, EVE ring and control transmit queue).
  KernelTwinReceiver(const std::vector<platform::OpenTwin>& twins, SharedState& shared,
                     WorkerContext& control);
  // Reads each twin once; returns how many frames it read.
  unsigned poll();
  const KernelTwinTraffic& traffic() const { return traffic_; }

 private:
  void poll_twin(const platform::OpenTwin& twin);

  std::vector<platform::OpenTwin> twins_;
  SharedState& shared_;
  WorkerContext& control_;
  KernelTwinTraffic traffic_;
};

}  // namespace torwart::dataplane::live
