#pragma once
// Called for every flow the table removes (timeout, eviction, explicit removal), while the flow is still
// intact, so that the caller can write its EVE `flow` end record. A non-owning reference to any callable:
// no allocation, one indirect call.
#include <cstdint>
#include <type_traits>
#include <utility>

#include "dataplane/conntrack/flow.hpp"

namespace torwart::dataplane::conntrack {

// kShutdown: the table is emptied because the appliance or a replay ends; the flow was still open.
enum class FlowEndReason : uint8_t { kTimeout, kEvicted, kRemoved, kShutdown };

class FlowEndCallback {
 public:
  template <typename F>
  requires(!std::is_same_v<std::remove_cvref_t<F>, FlowEndCallback>)
      FlowEndCallback(F& callable)  // NOLINT(google-explicit-constructor): used like a function parameter
      : object_(static_cast<void*>(&callable)),
        call_([](void* object, const Flow& flow, FlowEndReason reason) {
          (*static_cast<F*>(object))(flow, reason);
        }) {}

  void operator()(const Flow& flow, FlowEndReason reason) const { call_(object_, flow, reason); }

  // For callers that do not care (tests, benchmarks).
  static FlowEndCallback ignore() { return FlowEndCallback(); }

 private:
  FlowEndCallback() : object_(nullptr), call_([](void*, const Flow&, FlowEndReason) {}) {}
  void* object_;
  void (*call_)(void*, const Flow&, FlowEndReason);
};

}  // namespace torwart::dataplane::conntrack
