#include "dataplane/applayer/http/http_connection.hpp"
#include "dataplane/applayer/http/http_chars.hpp"
#include "dataplane/applayer/http/uri_normalize.hpp"

namespace torwart::dataplane::applayer::http::detail {
namespace {

// "HTTP/1.0" or "HTTP/1.1" (any digit after the dot: HTTP/1.x is what this parser speaks).
bool is_http1_version(std::string_view v) {
  return v.size() == 8 && v.substr(0, 7) == "HTTP/1." && v[7] >= '0' && v[7] <= '9';
}

bool is_line_phase_of_headers(Phase p) {
  return p == Phase::kHeaderLineStart || p == Phase::kHeaderName || p == Phase::kHeaderValue ||
         p == Phase::kHeaderSkip;
}

bool is_start_line_phase(Phase p) {
  return p == Phase::kMethod || p == Phase::kUri || p == Phase::kRequestVersion ||
         p == Phase::kStatusVersion || p == Phase::kStatusCode || p == Phase::kStatusReason;
}

bool is_bulk_body_phase(Phase p) {
  return p == Phase::kLengthBody || p == Phase::kChunkData || p == Phase::kUntilClose;
}

// Content-Length as RFC 9110 8.6 allows it: a number, or a list of the same number.

}  // namespace

uint32_t* Connection::message_anomalies(Direction d) {
  if (d == Direction::kToClient) return &state_.response.anomalies;
  HttpRequest* r = current_request();
  return r == nullptr ? nullptr : &r->anomalies;
}

FieldRef Connection::message_header_block(Direction d) {
  if (d == Direction::kToClient) return FieldRef::of(state_.response.header_block);
  HttpRequest* r = current_request();
  return r == nullptr ? FieldRef{} : FieldRef::of(r->header_block);
}

void Connection::anomaly(Direction d, HttpAnomaly a) {
  ++context_.counters.anomalies[static_cast<size_t>(a)];
  if (uint32_t* bits = message_anomalies(d)) *bits |= anomaly_bit(a);
  sink_.on_anomaly(d, a);
  if (is_fatal(a)) stop(d);
}

void Connection::stop(Direction d) {
  HttpDirectionState& s = dir(d);
  release_inflater(d, false);
  s.flags |= dir_flag::kStopped;
  set_phase(d, Phase::kStopped);
}

// A server may answer before the request is complete; once answered, the request is off the queue and
// nothing about it matters to response framing any more. Requests are sequential, so the one being parsed
// is the newest entry if it is still queued.
bool Connection::current_request_queued() const {
  const uint8_t slot = state_.to_server.slot;
  if (slot == kFramingSlot) return state_.framing_count > 0;
  if (slot >= kRequestSlots) return false;
  const auto offset = static_cast<uint8_t>((slot + kRequestSlots - state_.ring_head) % kRequestSlots);
  return offset < state_.ring_count;
}

HttpTransaction Connection::request_view(uint8_t slot) {
  HttpTransaction t;
  t.id = state_.slot_ids[slot];
  t.request = &state_.requests[slot];
  t.flags = state_.slot_flags[slot];
  if ((state_.flow_flags & flow_flag::kResponseMatched) != 0 && state_.response_slot == slot) {
    t.flags |= state_.response_flags;
    if ((state_.flow_flags & flow_flag::kResponseHeadersDone) != 0) t.response = &state_.response;
  }
  return t;
}

HttpTransaction Connection::response_view() {
  HttpTransaction t;
  t.id = state_.response_id;
  if (state_.response_slot < kRequestSlots) {
    t.request = &state_.requests[state_.response_slot];
    t.flags = state_.slot_flags[state_.response_slot];
  }
  t.flags |= state_.response_flags;
  if ((state_.flow_flags & flow_flag::kResponseHeadersDone) != 0) t.response = &state_.response;
  return t;
}

void Connection::feed(Direction d, std::span<const uint8_t> bytes) {
  size_t pos = 0;
  // Every round consumes at least one byte (a body round takes up to the rest of its body).
  while (pos < bytes.size() && (dir(d).flags & dir_flag::kStopped) == 0) {
    if (phase(d) == Phase::kAwaitConnectAnswer) {
      pos = bytes.size();
    } else if (is_bulk_body_phase(phase(d))) {
      pos += body_bytes(d, bytes.subspan(pos));
    } else {
      line_byte(d, bytes[pos]);
      ++pos;
    }
  }
}

void Connection::line_byte(Direction d, uint8_t b) {
  HttpDirectionState& s = dir(d);
  if (is_line_phase_of_headers(phase(d))) {
    message_header_block(d).push(static_cast<char>(b));
    if (++s.section_bytes > limit::kHeaderSection) {
      anomaly(d, HttpAnomaly::kHeadersTooLarge);
      return;
    }
  }
  if ((s.flags & dir_flag::kPendingCr) != 0) {
    s.flags &= ~dir_flag::kPendingCr;
    if (b != '\n') {
      anomaly(d, HttpAnomaly::kBareCr);
      return;
    }
    line_end(d);
    return;
  }
  if (b == '\r') {
    s.flags |= dir_flag::kPendingCr;
    return;
  }
  if (b == '\n') {
    if ((s.flags & dir_flag::kBareLfSeen) == 0 && phase(d) != Phase::kMessageStart) {
      s.flags |= dir_flag::kBareLfSeen;
      anomaly(d, HttpAnomaly::kBareLf);
    }
    line_end(d);
    return;
  }
  line_char(d, b);
}

void Connection::line_char(Direction d, uint8_t b) {
  HttpDirectionState& s = dir(d);
  const Phase p = phase(d);
  ++s.line_length;
  if (is_start_line_phase(p) && s.line_length > limit::kStartLine) {
    anomaly(d, d == Direction::kToServer ? HttpAnomaly::kBadRequestLine : HttpAnomaly::kBadStatusLine);
    return;
  }
  if ((p == Phase::kHeaderName || p == Phase::kHeaderValue) && s.line_length > limit::kHeaderLine) {
    anomaly(d, HttpAnomaly::kHeaderLineTooLong);
    set_phase(d, Phase::kHeaderSkip);
    return;
  }
  switch (p) {
    case Phase::kMessageStart:
      start_message(d);
      if (phase(d) != Phase::kStopped) line_char(d, b);
      return;
    case Phase::kMethod:
      method_char(b);
      return;
    case Phase::kUri:
      if (b == ' ') {
        if ((s.flags & dir_flag::kHaveUri) == 0) {
          anomaly(d, HttpAnomaly::kBadRequestLine);
          return;
        }
        s.scratch.clear();
        set_phase(d, Phase::kRequestVersion);
      } else if (is_control(b)) {
        anomaly(d, HttpAnomaly::kBadRequestLine);
      } else {
        s.flags |= dir_flag::kHaveUri;
        if (HttpRequest* r = current_request()) FieldRef::of(r->uri_raw).push(static_cast<char>(b));
      }
      return;
    case Phase::kRequestVersion:
      if (is_space(b) || is_control(b) || s.scratch.length >= 8) {
        anomaly(d, HttpAnomaly::kBadRequestLine);
        return;
      }
      FieldRef::of(s.scratch).push(static_cast<char>(b));
      return;
    case Phase::kStatusVersion:
      if (b == ' ') {
        if (!is_http1_version(s.scratch.view())) {
          anomaly(d, HttpAnomaly::kBadStatusLine);
          return;
        }
        state_.response.protocol.assign(s.scratch.view());
        s.digits = 0;
        set_phase(d, Phase::kStatusCode);
        return;
      }
      // "HTTP/1.d" is all that may come before the space; anything else is not a response.
      if (s.scratch.length >= 8 || (static_cast<char>(b) != "HTTP/1.0"[s.scratch.length] &&
                                    !(s.scratch.length == 7 && b >= '0' && b <= '9'))) {
        anomaly(d, HttpAnomaly::kBadStatusLine);
        return;
      }
      FieldRef::of(s.scratch).push(static_cast<char>(b));
      return;
    case Phase::kStatusCode:
      if (b >= '0' && b <= '9' && s.digits < 3) {
        state_.response.status = static_cast<uint16_t>(state_.response.status * 10 + (b - '0'));
        ++s.digits;
      } else if (b == ' ' && s.digits == 3) {
        set_phase(d, Phase::kStatusReason);
      } else {
        anomaly(d, HttpAnomaly::kBadStatusLine);
      }
      return;
    case Phase::kStatusReason:
      if (is_control(b) && b != '\t') {
        anomaly(d, HttpAnomaly::kBadStatusLine);
        return;
      }
      FieldRef::of(state_.response.reason).push(static_cast<char>(b));
      return;
    case Phase::kHeaderLineStart:
      header_line_start(d, b);
      return;
    case Phase::kHeaderName:
      if (b == ':') {
        header_name_end(d);
      } else if (is_token_char(b)) {
        FieldRef::of(s.scratch).push(lower(b));
      } else {
        anomaly(d, HttpAnomaly::kBadHeaderName);
      }
      return;
    case Phase::kHeaderValue:
      header_value_char(d, b);
      return;
    case Phase::kHeaderSkip:
      return;
    case Phase::kChunkSize:
    case Phase::kChunkExtension:
      chunk_size_char(d, b);
      return;
    case Phase::kChunkDataEnd:
      anomaly(d, HttpAnomaly::kBadChunkTerminator);
      return;
    case Phase::kTrailerLineStart:
      if (++s.header_lines > limit::kHeaderLines) {
        anomaly(d, HttpAnomaly::kHeadersTooLarge);
        return;
      }
      set_phase(d, Phase::kTrailerLine);
      return;
    case Phase::kTrailerLine:
      if (s.line_length > limit::kHeaderLine) anomaly(d, HttpAnomaly::kHeadersTooLarge);
      return;
    case Phase::kLengthBody:
    case Phase::kChunkData:
    case Phase::kUntilClose:
    case Phase::kAwaitConnectAnswer:
    case Phase::kStopped:
      return;
  }
}

void Connection::line_end(Direction d) {
  HttpDirectionState& s = dir(d);
  const Phase p = phase(d);
  s.line_length = 0;
  switch (p) {
    case Phase::kMessageStart:
    case Phase::kStopped:
      return;
    case Phase::kMethod:
    case Phase::kUri:
      anomaly(d, HttpAnomaly::kBadRequestLine);  // HTTP/0.9 or a cut request line
      return;
    case Phase::kRequestVersion:
      request_line_end();
      return;
    case Phase::kStatusVersion:
      anomaly(d, HttpAnomaly::kBadStatusLine);
      return;
    case Phase::kStatusCode:
      if (s.digits != 3) {
        anomaly(d, HttpAnomaly::kBadStatusLine);
        return;
      }
      status_line_end();
      return;
    case Phase::kStatusReason:
      status_line_end();
      return;
    case Phase::kHeaderLineStart:
      if ((s.flags & dir_flag::kHeaderPending) != 0) finish_header(d);
      if (phase(d) != Phase::kStopped) headers_complete(d);
      return;
    case Phase::kHeaderName:
      anomaly(d, HttpAnomaly::kHeaderWithoutColon);
      return;
    case Phase::kHeaderValue:
    case Phase::kHeaderSkip:
      set_phase(d, Phase::kHeaderLineStart);
      return;
    case Phase::kChunkSize:
    case Phase::kChunkExtension:
      chunk_line_end(d);
      return;
    case Phase::kChunkDataEnd:
      s.remaining = 0;
      s.digits = 0;
      set_phase(d, Phase::kChunkSize);
      return;
    case Phase::kTrailerLineStart:
      message_complete(d);
      return;
    case Phase::kTrailerLine:
      set_phase(d, Phase::kTrailerLineStart);
      return;
    case Phase::kLengthBody:
    case Phase::kChunkData:
    case Phase::kUntilClose:
    case Phase::kAwaitConnectAnswer:
      return;
  }
}

void Connection::start_message(Direction d) {
  HttpDirectionState& s = dir(d);
  const uint32_t keep = s.flags & dir_flag::kKeepMatch;
  s = HttpDirectionState{};
  s.flags = keep;
  if (d == Direction::kToClient) {
    state_.response = HttpResponse{};
    state_.response_flags &= txn_flag::kRequestNotKept | txn_flag::kNoRequest;
    state_.flow_flags &= static_cast<uint8_t>(~flow_flag::kResponseHeadersDone);
    if (keep == 0) state_.flow_flags &= static_cast<uint8_t>(~flow_flag::kResponseMatched);
    set_phase(d, Phase::kStatusVersion);
    return;
  }
  if (state_.framing_count == 0 && state_.ring_count < kRequestSlots) {
    const auto slot = static_cast<uint8_t>((state_.ring_head + state_.ring_count) % kRequestSlots);
    ++state_.ring_count;
    state_.requests[slot] = HttpRequest{};
    state_.slot_ids[slot] = state_.next_id++;
    state_.slot_flags[slot] = 0;
    s.slot = slot;
  } else {
    s.slot = kFramingSlot;
    if (state_.framing_count >= kFramingOnlyRequests) {
      anomaly(d, HttpAnomaly::kTooManyPipelined);
      return;
    }
    ++state_.framing_count;
    ++state_.next_id;
    ++context_.counters.pipelined_beyond_queue;
    anomaly(d, HttpAnomaly::kPipelineBeyondQueue);
  }
  set_phase(d, Phase::kMethod);
}

void Connection::method_char(uint8_t b) {
  constexpr Direction d = Direction::kToServer;
  HttpDirectionState& s = dir(d);
  if (b != ' ') {
    if (!is_token_char(b) || s.scratch.length >= capacity::kMethod) {
      anomaly(d, HttpAnomaly::kBadRequestLine);
      return;
    }
    FieldRef::of(s.scratch).push(static_cast<char>(b));
    return;
  }
  if (s.scratch.empty()) {
    anomaly(d, HttpAnomaly::kBadRequestLine);
    return;
  }
  const std::string_view method = s.scratch.view();
  MethodKind kind = MethodKind::kOther;
  if (method == "HEAD") kind = MethodKind::kHead;
  if (method == "CONNECT") {
    kind = MethodKind::kConnect;
    s.flags |= dir_flag::kConnectRequest;
  }
  if (HttpRequest* r = current_request()) {
    r->method.assign(method);
    r->method_kind = kind;
  } else if (current_request_queued()) {
    // The request being parsed is the newest framing-only entry.
    const uint64_t bit = 1ull << (state_.framing_count - 1);
    if (kind == MethodKind::kHead) state_.framing_head_bits |= bit;
    if (kind == MethodKind::kConnect) state_.framing_connect_bits |= bit;
  }
  s.scratch.clear();
  set_phase(d, Phase::kUri);
}

void Connection::request_line_end() {
  constexpr Direction d = Direction::kToServer;
  HttpDirectionState& s = dir(d);
  if (!is_http1_version(s.scratch.view())) {
    anomaly(d, HttpAnomaly::kBadRequestLine);
    return;
  }
  if (HttpRequest* r = current_request()) {
    r->protocol.assign(s.scratch.view());
    if (normalize_uri(r->uri_raw.view(), r->uri_normalized).bad_percent_encoding) {
      anomaly(d, HttpAnomaly::kBadPercentEncoding);
    }
  }
  s.scratch.clear();
  set_phase(d, Phase::kHeaderLineStart);
}

void Connection::match_response() {
  if ((state_.flow_flags & flow_flag::kResponseMatched) != 0) return;
  state_.flow_flags |= flow_flag::kResponseMatched;
  if (state_.ring_count > 0) {
    state_.response_slot = state_.ring_head;
    state_.response_id = state_.slot_ids[state_.ring_head];
  } else if (state_.framing_count > 0) {
    state_.response_slot = kFramingSlot;
    state_.response_id = state_.next_id - state_.framing_count;
    state_.response_flags |= txn_flag::kRequestNotKept;
  } else {
    state_.response_slot = kNoSlot;
    state_.response_id = 0;
    state_.response_flags |= txn_flag::kNoRequest;
    anomaly(Direction::kToClient, HttpAnomaly::kResponseWithoutRequest);
  }
}

void Connection::status_line_end() {
  match_response();
  dir(Direction::kToClient).scratch.clear();
  set_phase(Direction::kToClient, Phase::kHeaderLineStart);
}

void Connection::request_headers_complete() {
  constexpr Direction d = Direction::kToServer;
  HttpDirectionState& s = dir(d);
  HttpRequest* r = current_request();
  const bool has_length = (s.flags & dir_flag::kHasLength) != 0;
  Phase body = Phase::kMessageStart;
  if ((s.flags & dir_flag::kHasTransferEncoding) != 0) {
    if ((s.flags & dir_flag::kChunkedLast) == 0) {
      anomaly(d, HttpAnomaly::kBadTransferEncoding);  // RFC 9112 6.3: the length cannot be determined
      return;
    }
    if (has_length) anomaly(d, HttpAnomaly::kTransferEncodingWithLength);
    body = Phase::kChunkSize;
  } else if (has_length && s.remaining > 0) {
    body = Phase::kLengthBody;
  }
  if (r != nullptr) {
    r->has_content_length = has_length;
    r->content_length = has_length ? s.remaining : 0;
    r->chunked = body == Phase::kChunkSize;
  }
  ++context_.counters.requests;
  if (r != nullptr) sink_.on_request(request_view(s.slot));
  if (body == Phase::kMessageStart) {
    message_complete(d);
  } else {
    start_body(d, body);
  }
}

void Connection::response_headers_complete() {
  constexpr Direction d = Direction::kToClient;
  HttpDirectionState& s = dir(d);
  HttpResponse& r = state_.response;
  const uint16_t status = r.status;
  if (status >= 100 && status < 200 && status != 101) {
    // An interim response: the final one answers the same request.
    s.flags |= dir_flag::kKeepMatch;
    set_phase(d, Phase::kMessageStart);
    return;
  }
  MethodKind kind = MethodKind::kOther;
  if (state_.response_slot < kRequestSlots) {
    kind = state_.requests[state_.response_slot].method_kind;
  } else if (state_.response_slot == kFramingSlot) {
    if ((state_.framing_head_bits & 1u) != 0) kind = MethodKind::kHead;
    if ((state_.framing_connect_bits & 1u) != 0) kind = MethodKind::kConnect;
  }
  const bool has_length = (s.flags & dir_flag::kHasLength) != 0;
  r.has_content_length = has_length;
  r.content_length = has_length ? s.remaining : 0;
  state_.flow_flags |= flow_flag::kResponseHeadersDone;
  ++context_.counters.responses;
  if (status == 101 || (kind == MethodKind::kConnect && status >= 200 && status < 300)) {
    sink_.on_response(response_view());
    stop_tunnel(status == 101 ? txn_flag::kUpgraded : txn_flag::kTunnel);
    return;
  }
  // A refused CONNECT: the client's next bytes are HTTP again (those sent before this answer were skipped).
  if (kind == MethodKind::kConnect && phase(Direction::kToServer) == Phase::kAwaitConnectAnswer) {
    set_phase(Direction::kToServer, Phase::kMessageStart);
  }
  Phase body = Phase::kUntilClose;
  if (kind == MethodKind::kHead || status == 204 || status == 304) {
    body = Phase::kMessageStart;
  } else if ((s.flags & dir_flag::kHasTransferEncoding) != 0) {
    if (has_length) anomaly(d, HttpAnomaly::kTransferEncodingWithLength);
    body = (s.flags & dir_flag::kChunkedLast) != 0 ? Phase::kChunkSize : Phase::kUntilClose;
  } else if (has_length) {
    body = s.remaining > 0 ? Phase::kLengthBody : Phase::kMessageStart;
  }
  r.chunked = body == Phase::kChunkSize;
  sink_.on_response(response_view());
  if (body == Phase::kMessageStart) {
    message_complete(d);
  } else {
    start_body(d, body);
  }
}

void Connection::message_complete(Direction d) {
  HttpDirectionState& s = dir(d);
  finish_body(d);
  bool connect = false;
  if (d == Direction::kToServer) {
    connect = (s.flags & dir_flag::kConnectRequest) != 0 && current_request_queued();
    if (HttpRequest* r = current_request()) r->complete = true;
    s.slot = kNoSlot;
  } else {
    state_.response.complete = true;
    end_transaction(0);
  }
  s.flags &= dir_flag::kStopped;
  if ((s.flags & dir_flag::kStopped) != 0) {
    set_phase(d, Phase::kStopped);
  } else {
    set_phase(d, connect ? Phase::kAwaitConnectAnswer : Phase::kMessageStart);
  }
}

// Reports the transaction the response belongs to and takes its request off the queue.
void Connection::end_transaction(uint16_t extra_flags) {
  state_.response_flags |= extra_flags;
  const HttpTransaction t = response_view();
  ++context_.counters.transactions;
  sink_.on_transaction_end(t);
  if (state_.response_slot < kRequestSlots) {
    state_.ring_head = static_cast<uint8_t>((state_.ring_head + 1) % kRequestSlots);
    --state_.ring_count;
  } else if (state_.response_slot == kFramingSlot) {
    state_.framing_head_bits >>= 1;
    state_.framing_connect_bits >>= 1;
    --state_.framing_count;
  }
  state_.response_slot = kNoSlot;
  state_.response_flags = 0;
  state_.flow_flags &= static_cast<uint8_t>(~(flow_flag::kResponseMatched | flow_flag::kResponseHeadersDone));
}

void Connection::stop_tunnel(uint16_t flag) {
  ++context_.counters.tunnels;
  state_.response.complete = true;
  end_transaction(flag);
  stop(Direction::kToServer);
  stop(Direction::kToClient);
}

void Connection::flow_end() {
  const bool until_close = phase(Direction::kToClient) == Phase::kUntilClose;
  if (until_close) finish_body(Direction::kToClient);
  release_inflater(Direction::kToServer, false);
  release_inflater(Direction::kToClient, false);
  if ((state_.flow_flags & flow_flag::kResponseMatched) != 0) {
    if (until_close) {
      state_.response.complete = true;
      end_transaction(txn_flag::kEndedByClose);
    } else {
      end_transaction(txn_flag::kUnfinished);
    }
  }
  // Requests nobody answered, oldest first.
  while (state_.ring_count > 0) {
    const uint8_t slot = state_.ring_head;
    HttpTransaction t = request_view(slot);
    t.response = nullptr;
    t.flags |= txn_flag::kUnfinished;
    ++context_.counters.transactions;
    sink_.on_transaction_end(t);
    state_.ring_head = static_cast<uint8_t>((state_.ring_head + 1) % kRequestSlots);
    --state_.ring_count;
  }
  for (uint16_t i = 0; i < state_.framing_count; ++i) {
    HttpTransaction t;
    t.id = state_.next_id - state_.framing_count + i;
    t.flags = txn_flag::kRequestNotKept | txn_flag::kUnfinished;
    ++context_.counters.transactions;
    sink_.on_transaction_end(t);
  }
  state_ = HttpFlowState{};
}

}  // namespace torwart::dataplane::applayer::http::detail
