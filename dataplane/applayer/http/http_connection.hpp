#pragma once
// Internal to the HTTP parser: the per-call object that runs the byte-level state machine over a
// HttpFlowState. http_connection.cpp has the line machine, start lines and transaction bookkeeping,
// http_headers.cpp the header fields, http_body.cpp the message bodies (length, chunked, until close) and
// their decoding.
#include <cstdint>
#include <span>
#include <string_view>

#include "dataplane/applayer/http/http_parser.hpp"

namespace torwart::dataplane::applayer::http::detail {

enum class Phase : uint8_t {
  kMessageStart,  // before a start line; empty lines are skipped here
  kMethod,
  kUri,
  kRequestVersion,
  kStatusVersion,
  kStatusCode,
  kStatusReason,
  kHeaderLineStart,  // decides: end of headers, a folded continuation, or a new field
  kHeaderName,
  kHeaderValue,
  kHeaderSkip,  // rest of a header line beyond limit::kHeaderLine
  kLengthBody,
  kChunkSize,
  kChunkExtension,
  kChunkData,
  kChunkDataEnd,  // the CRLF after chunk data
  kTrailerLineStart,
  kTrailerLine,
  kUntilClose,
  kAwaitConnectAnswer,  // after a CONNECT request: bytes are skipped until the response says tunnel or not
  kStopped,
};

enum class HeaderTarget : uint8_t {
  kNone,
  kHost,
  kUserAgent,
  kContentType,
  kContentLength,
  kTransferEncoding,
  kContentEncoding,
  kCookie,
  kReferer,
  kLocation,
};

enum class BodyCoding : uint8_t { kIdentity, kGzip, kDeflate };

namespace dir_flag {
inline constexpr uint32_t kPendingCr = 1u << 0;
inline constexpr uint32_t kValueStarted = 1u << 1;   // leading whitespace of the value skipped
inline constexpr uint32_t kFoldSpace = 1u << 2;      // a folded line joins the value with one space
inline constexpr uint32_t kHeaderPending = 1u << 3;  // a field is complete once the next line does not fold
inline constexpr uint32_t kSeenHost = 1u << 4;
inline constexpr uint32_t kHasLength = 1u << 5;
inline constexpr uint32_t kHasTransferEncoding = 1u << 6;
inline constexpr uint32_t kChunkedLast = 1u << 7;
inline constexpr uint32_t kHaveUri = 1u << 8;
inline constexpr uint32_t kDepthDone = 1u << 9;
inline constexpr uint32_t kDecodeDone = 1u << 10;        // inflater given back (end, error or depth)
inline constexpr uint32_t kDeflateUndecided = 1u << 11;  // zlib or raw deflate: the first two bytes tell
inline constexpr uint32_t kBareLfSeen = 1u << 12;
inline constexpr uint32_t kFoldSeen = 1u << 13;
inline constexpr uint32_t kKeepMatch = 1u << 14;  // after an interim 1xx, the next response answers the same
inline constexpr uint32_t kStopped = 1u << 15;
inline constexpr uint32_t kConnectRequest = 1u << 16;
}  // namespace dir_flag

namespace flow_flag {
inline constexpr uint8_t kResponseMatched = 1u << 0;
inline constexpr uint8_t kResponseHeadersDone = 1u << 1;
}  // namespace flow_flag

inline constexpr uint8_t kNoSlot = 0xff;
inline constexpr uint8_t kFramingSlot = 0xfe;  // a request beyond the detail queue

// A FixedString of any capacity, or nothing (writes are dropped).
struct FieldRef {
  char* data = nullptr;
  uint16_t* length = nullptr;
  bool* truncated = nullptr;
  uint16_t capacity = 0;

  template <size_t N>
  static FieldRef of(FixedString<N>& field) {
    return {field.data, &field.length, &field.truncated, static_cast<uint16_t>(N)};
  }
  bool valid() const { return data != nullptr; }
  uint16_t size() const { return length == nullptr ? 0 : *length; }
  void push(char c) {
    if (data == nullptr) return;
    if (*length < capacity) {
      data[(*length)++] = c;
    } else {
      *truncated = true;
    }
  }
  void append(std::string_view text) {
    for (char c : text) push(c);
  }
  void trim_trailing_space(uint16_t from) {
    if (data == nullptr) return;
    while (*length > from && (data[*length - 1] == ' ' || data[*length - 1] == '\t')) --*length;
  }
  std::string_view view() const {
    return data == nullptr ? std::string_view{} : std::string_view{data, *length};
  }
};

class Connection {
 public:
  Connection(HttpFlowState& state, HttpSink& sink, HttpContext& context)
      : state_(state), sink_(sink), context_(context) {}

  void feed(Direction d, std::span<const uint8_t> bytes);
  void flow_end();

 private:
  HttpDirectionState& dir(Direction d) {
    return d == Direction::kToServer ? state_.to_server : state_.to_client;
  }
  Phase phase(Direction d) { return static_cast<Phase>(dir(d).phase); }
  void set_phase(Direction d, Phase p) { dir(d).phase = static_cast<uint8_t>(p); }
  bool kept_request(Direction d) { return d == Direction::kToServer && dir(d).slot < kRequestSlots; }
  HttpRequest* current_request() {
    return state_.to_server.slot < kRequestSlots ? &state_.requests[state_.to_server.slot] : nullptr;
  }
  bool current_request_queued() const;
  uint32_t* message_anomalies(Direction d);
  FieldRef message_header_block(Direction d);

  // http_connection.cpp (header handling in http_headers.cpp)
  void line_byte(Direction d, uint8_t b);
  void line_char(Direction d, uint8_t b);
  void line_end(Direction d);
  void start_message(Direction d);
  void method_char(uint8_t b);
  void request_line_end();
  void status_line_end();
  void match_response();
  void header_line_start(Direction d, uint8_t b);
  void header_name_end(Direction d);
  void header_value_char(Direction d, uint8_t b);
  void finish_header(Direction d);
  FieldRef target_field(Direction d, HeaderTarget target);
  void headers_complete(Direction d);
  void request_headers_complete();
  void response_headers_complete();
  void message_complete(Direction d);
  void end_transaction(uint16_t extra_flags);
  void stop_tunnel(uint16_t flag);
  void anomaly(Direction d, HttpAnomaly a);
  void stop(Direction d);
  HttpTransaction request_view(uint8_t slot);
  HttpTransaction response_view();

  // http_body.cpp
  void start_body(Direction d, Phase body_phase);
  size_t body_bytes(Direction d, std::span<const uint8_t> bytes);
  void chunk_size_char(Direction d, uint8_t b);
  void chunk_line_end(Direction d);
  void deliver(Direction d, std::span<const uint8_t> bytes);
  void inflate_into_sink(Direction d, std::span<const uint8_t> input);
  void report_body(Direction d, std::span<const uint8_t> decoded);
  void finish_body(Direction d);
  void release_inflater(Direction d, bool decoded_cleanly);
  uint64_t body_depth(Direction d) const {
    return d == Direction::kToServer ? context_.limits.request_body_depth
                                     : context_.limits.response_body_depth;
  }

  HttpFlowState& state_;
  HttpSink& sink_;
  HttpContext& context_;
};

}  // namespace torwart::dataplane::applayer::http::detail
