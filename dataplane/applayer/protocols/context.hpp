#pragma once
// The per-worker objects the protocol parsers share (decompressors, limits, counters), built once when the
// worker starts.
#include "dataplane/applayer/dns/dns_sink.hpp"
#include "dataplane/applayer/protocol.hpp"
#include "dataplane/applayer/tls/tls_state.hpp"

namespace torwart::dataplane::applayer {

struct ProtocolContext {
  explicit ProtocolContext(const ProtocolLimits& protocol_limits) : limits(protocol_limits) {}
  ProtocolLimits limits;
  tls::TlsContext tls;
  dns::DnsCounters dns_counters;
};

}  // namespace torwart::dataplane::applayer
