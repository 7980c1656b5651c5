#pragma once
// The fast path's side of the application layer: policy verdicts from the snapshot's application rules, EVE
// records into the worker's ring, the record header every application record starts with.
#include "dataplane/applayer/protocol.hpp"
#include "dataplane/packet_meta.hpp"
#include "dataplane/worker_context.hpp"

namespace torwart::dataplane {

// How an application rule's matches stand against what is known about a flow (exposed for tests).
policy::CompiledPolicy::AppAnswer answer_app_match(const config::AppMatch& match,
                                                   const applayer::AppFacts& facts);

class StageAppHooks final : public applayer::AppHooks {
 public:
  // `meta`: the packet being inspected (its interfaces give the zones); nullptr when a flow ends.
  StageAppHooks(WorkerContext& ctx, PacketMeta* meta) : ctx_(ctx), meta_(meta) {}

  applayer::PacketVerdict decide(conntrack::Flow& flow, const applayer::AppFacts& facts) override;
  bool wants(applayer::EveKind kind) const override;
  char* reserve(size_t& capacity) override;
  void commit(size_t length) override;
  void record_header(FixedJson& json, const conntrack::Flow& flow, std::string_view event_type,
                     uint64_t now_ns) override;

 private:
  WorkerContext& ctx_;
  PacketMeta* meta_;
};

}  // namespace torwart::dataplane
