#pragma once
// Incremental HTTP/1.x parser for one TCP connection. Each direction's reassembled bytes are fed in order,
// split anywhere; the results are the same as for one call with everything. All state is in HttpFlowState
// (trivially copyable, in the flow's slot); per-worker things (inflater pool, limits, counters) come in
// HttpContext. Results are reported to an HttpSink as soon as they are known.
#include <cstdint>
#include <span>
#include <type_traits>

#include "dataplane/applayer/common.hpp"
#include "dataplane/applayer/http/http_types.hpp"
#include "dataplane/applayer/http/inflater_pool.hpp"

namespace torwart::dataplane::applayer::http {

class HttpSink {
 public:
  virtual ~HttpSink() = default;
  // Request headers complete (only for requests whose details are kept): policy can act on host, URI, etc.
  virtual void on_request(const HttpTransaction& /*txn*/) {}
  // Final response headers complete (interim 1xx responses other than 101 are not reported).
  virtual void on_response(const HttpTransaction& /*txn*/) {}
  // Body bytes, decoded if gzip/deflate and an inflater was free, up to the body depth of the direction.
  virtual void on_body(Direction /*direction*/, const HttpTransaction& /*txn*/,
                       std::span<const uint8_t> /*decoded*/) {}
  // The response is complete (or the flow ended): everything an EVE http record needs is in txn.
  virtual void on_transaction_end(const HttpTransaction& /*txn*/) {}
  virtual void on_anomaly(Direction /*direction*/, HttpAnomaly /*anomaly*/) {}
};

struct HttpContext {
  InflaterPool& inflaters;
  HttpCounters& counters;
  HttpLimits limits;
};

// Requests whose full details are kept at once: the one being answered and those queued behind it.
inline constexpr uint8_t kRequestSlots = 3;
// Requests in flight beyond those, tracked for response framing only (HEAD / CONNECT), then fatal.
inline constexpr uint16_t kFramingOnlyRequests = 64;

// Parsing state of one direction. Internal to the parser; the fields are documented in http_parser.cpp.
struct HttpDirectionState {
  uint64_t remaining = 0;
  uint64_t delivered = 0;
  uint32_t line_length = 0;
  uint32_t section_bytes = 0;
  uint16_t header_lines = 0;
  uint16_t value_start = 0;
  uint32_t flags = 0;
  uint16_t inflater = InflaterPool::kNone;
  uint8_t phase = 0;
  uint8_t target = 0;
  uint8_t coding = 0;
  uint8_t slot = 0xff;
  uint8_t digits = 0;
  uint8_t prefix_length = 0;
  uint8_t prefix[2] = {};
  FixedString<32> scratch;
};

struct HttpFlowState {
  HttpRequest requests[kRequestSlots];
  HttpResponse response;
  HttpDirectionState to_server;
  HttpDirectionState to_client;
  uint64_t slot_ids[kRequestSlots] = {};
  uint64_t next_id = 1;
  uint64_t response_id = 0;
  uint64_t framing_head_bits = 0;     // HEAD requests among the framing-only ones, oldest in bit 0
  uint64_t framing_connect_bits = 0;  // CONNECT requests among them
  uint16_t framing_count = 0;
  uint16_t slot_flags[kRequestSlots] = {};  // txn_flag:: for the request side
  uint16_t response_flags = 0;              // txn_flag:: for the response side
  uint8_t ring_head = 0;
  uint8_t ring_count = 0;
  uint8_t response_slot = 0;
  uint8_t flow_flags = 0;
};

static_assert(std::is_trivially_copyable_v<HttpFlowState>);
static_assert(sizeof(HttpFlowState) <= size_t{7} * 1024, "per-flow slot budget (applayer kParserStateBytes)");
// The exact size on x86-64, so that growth is a decision (README.md lists it).
static_assert(sizeof(HttpFlowState) == 6480);

// Feeds the next bytes of one direction.
void http_feed(HttpFlowState& state, Direction direction, std::span<const uint8_t> bytes, HttpSink& sink,
               HttpContext& context);

// The connection is gone: returns borrowed inflaters and reports what was not finished (a response delimited
// by the close is finished). The state is reset afterwards; calling it twice reports nothing the second time.
void http_flow_end(HttpFlowState& state, HttpSink& sink, HttpContext& context);

// True once neither direction will be parsed any more (tunnel, upgrade or fatal anomalies on both sides).
bool http_parsing_stopped(const HttpFlowState& state);

}  // namespace torwart::dataplane::applayer::http
