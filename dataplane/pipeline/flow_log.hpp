#pragma once
// EVE `flow` records for connections that end (timeout, eviction, policy change), for flows whose deciding
// policy rule asked for logging (BSI R12: when, which interface, what).
#include "dataplane/conntrack/flow_end_callback.hpp"
#include "dataplane/eve/community_id.hpp"
#include "dataplane/pipeline/worker_context.hpp"

namespace torwart::dataplane {

// The interface the snapshot routes `address` to (the flow's interfaces are not stored per flow).
std::string_view interface_towards(const Snapshot& snapshot, bool ipv6, const uint8_t* address);

// The Community ID of `flow` (EVE `community_id` of its flow, alert and application records), from its
// original direction as the box saw it arrive, over `source` and `destination`: that direction's addresses
// as the records log them. With logging.pseudonymise those are the pseudonyms: an id over the real
// addresses would undo the pseudonymisation for anyone who tries the few addresses a town hall's networks
// hold (ports and protocol are in the record), so the id then joins the records of torwart boxes that share
// the key, not those of other sensors.
size_t flow_community_id(const conntrack::Flow& flow, const uint8_t* source, const uint8_t* destination,
                         char (&out)[kCommunityIdLength]);
// The same, pseudonymising the original direction's addresses as `logging` says.
size_t flow_community_id(const config::Logging& logging, const conntrack::Flow& flow,
                         char (&out)[kCommunityIdLength]);

class FlowEndLogger {
 public:
  explicit FlowEndLogger(WorkerContext& ctx) : ctx_(ctx) {}
  void operator()(const conntrack::Flow& flow, conntrack::FlowEndReason reason);

 private:
  void log(const conntrack::Flow& flow, conntrack::FlowEndReason reason);
  WorkerContext& ctx_;
};

}  // namespace torwart::dataplane
