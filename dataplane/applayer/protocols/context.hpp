#pragma once
// The per-worker objects the protocol parsers share (decompressors, digest contexts, counters), built once
// when the worker starts.
#include "dataplane/applayer/protocol.hpp"

namespace torwart::dataplane::applayer {

struct ProtocolContext {
  explicit ProtocolContext(const ProtocolLimits& protocol_limits) : limits(protocol_limits) {}
  ProtocolLimits limits;
};

}  // namespace torwart::dataplane::applayer
