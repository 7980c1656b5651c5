#pragma once
// The fast path's side of the signature engine (dataplane/ids/): the moment's target (flow, direction,
// endpoints as the packets of that direction arrive at the box), EVE alert records into the worker's ring,
// and the packet signatures of one packet.
#include <rte_mbuf.h>

#include "dataplane/applayer/protocol.hpp"
#include "dataplane/core/packet_meta.hpp"
#include "dataplane/ids/detector.hpp"
#include "dataplane/pipeline/worker_context.hpp"

namespace torwart::dataplane {

ids::DetectTarget detect_target(const WorkerContext& ctx, const conntrack::Flow& flow,
                                applayer::Direction direction);

applayer::PacketVerdict packet_verdict_of(ids::DetectVerdict verdict);

// EVE `alert` records in Suricata's layout: src/dest are the sender and receiver of the data that matched.
class AlertLog final : public ids::AlertSink {
 public:
  AlertLog(WorkerContext& ctx, const conntrack::Flow& flow) : ctx_(ctx), flow_(flow) {}
  void alert(const ids::CompiledSignature& signature, bool blocked, const ids::DetectTarget& target) override;

 private:
  WorkerContext& ctx_;
  const conntrack::Flow& flow_;
};

// Packet signatures (and the header-only ones, once per flow direction) on packet `m` of `flow`.
ids::DetectVerdict run_packet_signatures(WorkerContext& ctx, rte_mbuf* m, const PacketMeta& meta,
                                         const conntrack::Flow& flow);

}  // namespace torwart::dataplane
