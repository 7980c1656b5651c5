#pragma once
// EVE `flow` records for connections that end (timeout, eviction, policy change), for flows whose deciding
// policy rule asked for logging (BSI R12: when, which interface, what).
#include "dataplane/conntrack/flow_end_callback.hpp"
#include "dataplane/pipeline/worker_context.hpp"

namespace torwart::dataplane {

// The interface the snapshot routes `address` to (the flow's interfaces are not stored per flow).
std::string_view interface_towards(const Snapshot& snapshot, bool ipv6, const uint8_t* address);

class FlowEndLogger {
 public:
  explicit FlowEndLogger(WorkerContext& ctx) : ctx_(ctx) {}
  void operator()(const conntrack::Flow& flow, conntrack::FlowEndReason reason);

 private:
  void log(const conntrack::Flow& flow, conntrack::FlowEndReason reason);
  WorkerContext& ctx_;
};

}  // namespace torwart::dataplane
