#pragma once
// The fast path's side of the application layer: policy verdicts from the snapshot's application rules, EVE
// records into the worker's ring, the record header every application record starts with.
#include "dataplane/applayer/protocol.hpp"
#include "dataplane/core/packet_meta.hpp"
#include "dataplane/pipeline/worker_context.hpp"

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
  bool wants_stream() const override;
  bool wants_events() const override;
  applayer::PacketVerdict stream(conntrack::Flow& flow, applayer::Session& session,
                                 applayer::Direction direction, std::span<const uint8_t> bytes,
                                 uint64_t now_ns) override;
  applayer::PacketVerdict event(conntrack::Flow& flow, const applayer::AppEvent& event,
                                uint64_t now_ns) override;

  // A signature (not the policy) gave the verdict the inspector returned: the drop reason says so.
  bool signature_verdict() const { return signature_verdict_; }

 private:
  applayer::PacketVerdict note(ids::DetectVerdict verdict);

  WorkerContext& ctx_;
  PacketMeta* meta_;
  bool signature_verdict_ = false;
};

}  // namespace torwart::dataplane
