#pragma once
// One application-layer EVE record: the common header from the hooks, then the protocol's own object.
#include "dataplane/applayer/protocol.hpp"

namespace torwart::dataplane::applayer {

template <typename Body>
void write_app_record(AppCall& call, EveKind kind, std::string_view event_type, Body&& body) {
  if (!call.hooks.wants(kind)) return;
  size_t capacity = 0;
  char* slot = call.hooks.reserve(capacity);
  if (slot == nullptr) return;
  FixedJson json(slot, capacity);
  json.open_object();
  call.hooks.record_header(json, call.flow, event_type, call.now_ns);
  body(json);
  json.close_object();
  call.hooks.commit(json.ok() ? json.size() : 0);
}

}  // namespace torwart::dataplane::applayer
