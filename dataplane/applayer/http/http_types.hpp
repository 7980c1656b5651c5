#pragma once
// What the HTTP/1.x parser extracts and reports: the request and response records (fixed capacities, so
// they can live in the per-flow state), the transaction view handed to the sink, the anomaly reasons and the
// per-worker counters and limits.
#include <cstdint>
#include <string_view>

#include "dataplane/applayer/common.hpp"

namespace torwart::dataplane::applayer::http {

// Why a message is suspicious. Fatal reasons stop parsing of that direction (or both, see README); the others
// are flagged on the message and counted, and parsing goes on.
enum class HttpAnomaly : uint8_t {
  kBadRequestLine = 0,        // fatal: method, URI or version malformed
  kBadStatusLine,             // fatal: not "HTTP/1.d ddd reason"; also garbage where a response should start
  kBadHeaderName,             // fatal: a character that is not a token character before the colon
  kHeaderWithoutColon,        // fatal
  kBareCr,                    // fatal: CR not followed by LF
  kHeadersTooLarge,           // fatal: header section (or trailer) beyond its byte or line-count limit
  kBadContentLength,          // fatal: not a decimal number, negative, empty or too large
  kConflictingContentLength,  // fatal: two Content-Length values that differ
  kBadTransferEncoding,       // fatal: a request whose Transfer-Encoding does not end in chunked
  kBadChunkSize,              // fatal: chunk-size not hex, too large, or its line too long
  kBadChunkTerminator,        // fatal: chunk data not followed by CRLF
  kTooManyPipelined,          // fatal: more requests in flight than even the framing queue can track
  kBareLf,                    // lines ended by LF alone (accepted)
  kObsoleteFolding,           // a header continued on the next line (accepted, joined with one space)
  kHeaderLineTooLong,         // the rest of the line is skipped
  kFieldTruncated,            // an extracted field did not fit its capacity (cut and marked)
  kDuplicateHost,             // the first Host header is kept
  kBadHostPort,               // port not a number in 0..65535; host kept, port not recorded
  kTransferEncodingWithLength,  // both Transfer-Encoding and Content-Length: chunked framing wins
  kBadPercentEncoding,          // '%' not followed by two hex digits in the URI
  kPipelineBeyondQueue,         // a request beyond the detail queue: framed, its details not kept
  kResponseWithoutRequest,      // a response when no request is waiting
  kBodyDecodeError,             // gzip/deflate data invalid; decoding of that body stops
  kCount
};

inline constexpr size_t kHttpAnomalyCount = static_cast<size_t>(HttpAnomaly::kCount);
static_assert(kHttpAnomalyCount <= 32, "anomaly sets are 32-bit masks");

constexpr bool is_fatal(HttpAnomaly a) {
  return a <= HttpAnomaly::kTooManyPipelined;
}
std::string_view anomaly_name(HttpAnomaly a);
constexpr uint32_t anomaly_bit(HttpAnomaly a) {
  return 1u << static_cast<unsigned>(a);
}

// Field capacities (bytes). Longer values are cut and the FixedString marked truncated.
namespace capacity {
inline constexpr size_t kMethod = 16;
inline constexpr size_t kUri = 256;  // raw and normalised each
inline constexpr size_t kProtocol = 12;
inline constexpr size_t kHost = 256;  // a DNS name has at most 253: policy compares the whole name
inline constexpr size_t kUserAgent = 128;
inline constexpr size_t kContentType =
    128;                               // RFC 6838 type and subtype names: the policy compares the media type
inline constexpr size_t kCoding = 24;  // Transfer-Encoding, Content-Encoding
inline constexpr size_t kCookie = 128;
inline constexpr size_t kReferer = 128;
inline constexpr size_t kReason = 48;
inline constexpr size_t kLocation = 192;
inline constexpr size_t kRequestHeaderBlock = 384;
inline constexpr size_t kResponseHeaderBlock = 256;
}  // namespace capacity

// Limits that bound parsing (not capacities): beyond them the message is an anomaly.
namespace limit {
inline constexpr uint32_t kHeaderLine = 8192;            // one physical header (or trailer) line
inline constexpr uint32_t kHeaderSection = 64u * 1024u;  // all header lines of one message
inline constexpr uint16_t kHeaderLines = 256;            // header lines per message (trailers too)
inline constexpr uint32_t kStartLine = 16u * 1024u;      // request or status line
inline constexpr uint32_t kChunkLine = 1024;             // chunk-size line with its extensions
inline constexpr uint64_t kMaxContentLength = 1ull << 62;
}  // namespace limit

enum class MethodKind : uint8_t { kOther, kHead, kConnect };

struct HttpRequest {
  FixedString<capacity::kMethod> method;
  FixedString<capacity::kUri> uri_raw;
  FixedString<capacity::kUri> uri_normalized;
  FixedString<capacity::kProtocol> protocol;  // "HTTP/1.1"
  FixedString<capacity::kHost> host;          // lowercased, without the port
  FixedString<capacity::kUserAgent> user_agent;
  FixedString<capacity::kContentType> content_type;
  FixedString<capacity::kCoding> transfer_encoding;
  FixedString<capacity::kCoding> content_encoding;
  FixedString<capacity::kCookie> cookie;  // several Cookie headers joined with "; "
  FixedString<capacity::kReferer> referer;
  FixedString<capacity::kRequestHeaderBlock> header_block;  // raw bytes after the request line
  uint64_t content_length = 0;
  uint64_t body_bytes = 0;          // message body as sent (chunk framing excluded)
  uint64_t body_decoded_bytes = 0;  // bytes handed to on_body
  uint32_t anomalies = 0;           // anomaly_bit() set
  uint16_t port = 0;
  uint16_t header_count = 0;
  MethodKind method_kind = MethodKind::kOther;
  bool has_port = false;
  bool has_content_length = false;
  bool chunked = false;
  bool complete = false;  // headers and body seen
};

struct HttpResponse {
  FixedString<capacity::kProtocol> protocol;
  FixedString<capacity::kReason> reason;
  FixedString<capacity::kContentType> content_type;
  FixedString<capacity::kCoding> transfer_encoding;
  FixedString<capacity::kCoding> content_encoding;
  FixedString<capacity::kLocation> location;
  FixedString<capacity::kResponseHeaderBlock> header_block;
  uint64_t content_length = 0;
  uint64_t body_bytes = 0;
  uint64_t body_decoded_bytes = 0;
  uint32_t anomalies = 0;
  uint16_t status = 0;
  uint16_t header_count = 0;
  bool has_content_length = false;
  bool chunked = false;
  bool complete = false;
};

namespace txn_flag {
inline constexpr uint16_t kRequestNotKept = 1u << 0;  // beyond the detail queue: request is nullptr
inline constexpr uint16_t kNoRequest = 1u << 1;       // a response nobody asked for: request is nullptr
inline constexpr uint16_t kTunnel = 1u << 2;          // CONNECT answered with 2xx; the rest is not HTTP
inline constexpr uint16_t kUpgraded = 1u << 3;        // 101 Switching Protocols; the rest is not HTTP
inline constexpr uint16_t kUnfinished = 1u << 4;      // the flow ended (or parsing stopped) before the end
inline constexpr uint16_t kEndedByClose = 1u << 5;    // response body delimited by the end of the connection
inline constexpr uint16_t kBodyNotDecoded = 1u << 6;  // compressed body, no inflater free (pool exhausted)
}  // namespace txn_flag

// What the sink sees: a view into the flow state, valid only during the callback.
struct HttpTransaction {
  uint64_t id = 0;                         // 1-based order of the request on the connection
  const HttpRequest* request = nullptr;    // nullptr: see flags (not kept, or no request)
  const HttpResponse* response = nullptr;  // nullptr until the response headers are complete
  uint16_t flags = 0;                      // txn_flag::*
};

struct HttpCounters {
  uint64_t transactions = 0;  // on_transaction_end calls
  uint64_t requests = 0;
  uint64_t responses = 0;
  uint64_t anomalies[kHttpAnomalyCount] = {};
  uint64_t bodies_decoded = 0;           // compressed bodies inflated without error (to their end or depth)
  uint64_t inflater_pool_exhausted = 0;  // compressed bodies left undecoded for want of an inflater
  uint64_t pipelined_beyond_queue = 0;   // requests whose details were not kept
  uint64_t body_depth_reached = 0;
  uint64_t tunnels = 0;  // CONNECT 2xx and 101 upgrades
};

struct HttpLimits {
  uint64_t request_body_depth = uint64_t{64} * 1024;    // decoded bytes handed to on_body per request
  uint64_t response_body_depth = uint64_t{256} * 1024;  // per response
};

}  // namespace torwart::dataplane::applayer::http
