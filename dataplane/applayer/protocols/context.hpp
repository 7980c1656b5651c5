#pragma once
// The per-worker objects the protocol parsers share (decompressors, limits, counters), built once when the
// worker starts.
#include "dataplane/applayer/dns/dns_sink.hpp"
#include "dataplane/applayer/http/http_parser.hpp"
#include "dataplane/applayer/protocol.hpp"
#include "dataplane/applayer/tls/tls_state.hpp"

namespace torwart::dataplane::applayer {

struct ProtocolContext {
  explicit ProtocolContext(const ProtocolLimits& protocol_limits)
      : limits(protocol_limits),
        inflaters(protocol_limits.inflaters),
        http{inflaters, http_counters, {protocol_limits.http_body_depth, protocol_limits.http_body_depth}} {}
  ProtocolContext(const ProtocolContext&) = delete;
  ProtocolContext& operator=(const ProtocolContext&) = delete;

  ProtocolLimits limits;
  http::InflaterPool inflaters;  // gzip/deflate bodies being decoded, all memory allocated here
  http::HttpCounters http_counters;
  http::HttpContext http;
  tls::TlsContext tls;
  dns::DnsCounters dns_counters;
};

}  // namespace torwart::dataplane::applayer
