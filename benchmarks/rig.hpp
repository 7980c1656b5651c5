#pragma once
// Everything the loops run on: the EAL, three net_null ports named after the default configuration's ports
// (lan, kdn, inet), the packet pool, and one worker's pipeline state on the default configuration's
// snapshot with its static neighbours installed, as `torwart run` would set it up for one worker.
#include <memory>
#include <vector>

#include "benchmarks/loops.hpp"
#include "dataplane/core/eve_ring.hpp"
#include "dataplane/pipeline/slow_path.hpp"
#include "dataplane/routing/neighbour_table.hpp"
#include "dataplane/snapshot/snapshot.hpp"
#include "platform/clock.hpp"
#include "platform/ports.hpp"
#include "rules/config/config.hpp"

namespace torwart::bench {

struct RigOptions {
  bool hugepages = false;
  unsigned cpu = 0;
  unsigned memory_mb = 256;
  // The policy: `policy_rules` - 1 rules that the traffic never matches (host sources and single services,
  // as a provider's rule base looks), then one rule accepting everything the benchmark sends.
  unsigned policy_rules = 1;
  unsigned flow_table = 131072;  // flows_per_worker
  // Source NAT (masquerade) on inet for the LAN: the half of the traffic that goes to the Internet is
  // translated, the half to the KDN is not (SNAT cost).
  bool nat = false;
};

class Rig {
 public:
  // Starts the EAL (once per process); throws std::runtime_error when anything cannot be set up.
  explicit Rig(const RigOptions& options);
  ~Rig();
  Rig(const Rig&) = delete;
  Rig& operator=(const Rig&) = delete;

  BareLoop bare_loop(Traffic& traffic) const;
  PipelineLoop pipeline_loop(Traffic& traffic);
  // The worker's counters: rx and tx per port, drops by reason.
  const dataplane::WorkerCounters& counters() const { return worker_->counters; }
  void reset_counters() { worker_->counters = {}; }
  const dataplane::Snapshot& snapshot() const { return *snapshot_; }
  const dataplane::conntrack::FlowTable& flows() const { return worker_->flows; }
  const platform::TscClock& clock() const { return clock_; }

 private:
  class NoPunt final : public dataplane::PuntSink {
   public:
    uint16_t punt(rte_mbuf**, uint16_t) override { return 0; }  // punted packets count as drops
  };

  config::Config config_;
  std::vector<platform::OpenPort> ports_;
  std::unique_ptr<dataplane::Snapshot> snapshot_;
  std::unique_ptr<dataplane::NeighbourTable> neighbours_;
  NullPortTransmitter transmitter_;
  NoPunt no_punt_;
  dataplane::EveRing worker_eve_, slow_eve_;
  std::unique_ptr<dataplane::WorkerContext> worker_, slow_context_;
  std::unique_ptr<dataplane::SlowPath> slow_path_;
  platform::TscClock clock_;
  uint16_t lan_ = 0, kdn_ = 0;
};

}  // namespace torwart::bench
