#include "dataplane/applayer/http/http_parser.hpp"

#include "dataplane/applayer/http/http_connection.hpp"

namespace torwart::dataplane::applayer::http {

std::string_view anomaly_name(HttpAnomaly a) {
  switch (a) {
    case HttpAnomaly::kBadRequestLine:
      return "bad_request_line";
    case HttpAnomaly::kBadStatusLine:
      return "bad_status_line";
    case HttpAnomaly::kBadHeaderName:
      return "bad_header_name";
    case HttpAnomaly::kHeaderWithoutColon:
      return "header_without_colon";
    case HttpAnomaly::kBareCr:
      return "bare_cr";
    case HttpAnomaly::kHeadersTooLarge:
      return "headers_too_large";
    case HttpAnomaly::kBadContentLength:
      return "bad_content_length";
    case HttpAnomaly::kConflictingContentLength:
      return "conflicting_content_length";
    case HttpAnomaly::kBadTransferEncoding:
      return "bad_transfer_encoding";
    case HttpAnomaly::kBadChunkSize:
      return "bad_chunk_size";
    case HttpAnomaly::kBadChunkTerminator:
      return "bad_chunk_terminator";
    case HttpAnomaly::kTooManyPipelined:
      return "too_many_pipelined";
    case HttpAnomaly::kBareLf:
      return "bare_lf";
    case HttpAnomaly::kObsoleteFolding:
      return "obsolete_folding";
    case HttpAnomaly::kHeaderLineTooLong:
      return "header_line_too_long";
    case HttpAnomaly::kFieldTruncated:
      return "field_truncated";
    case HttpAnomaly::kDuplicateHost:
      return "duplicate_host";
    case HttpAnomaly::kBadHostPort:
      return "bad_host_port";
    case HttpAnomaly::kTransferEncodingWithLength:
      return "transfer_encoding_with_length";
    case HttpAnomaly::kBadPercentEncoding:
      return "bad_percent_encoding";
    case HttpAnomaly::kPipelineBeyondQueue:
      return "pipeline_beyond_queue";
    case HttpAnomaly::kResponseWithoutRequest:
      return "response_without_request";
    case HttpAnomaly::kBodyDecodeError:
      return "body_decode_error";
    case HttpAnomaly::kCount:
      break;
  }
  return "unknown";
}

void http_feed(HttpFlowState& state, Direction direction, std::span<const uint8_t> bytes, HttpSink& sink,
               HttpContext& context) {
  detail::Connection(state, sink, context).feed(direction, bytes);
}

void http_flow_end(HttpFlowState& state, HttpSink& sink, HttpContext& context) {
  detail::Connection(state, sink, context).flow_end();
}

bool http_parsing_stopped(const HttpFlowState& state) {
  return (state.to_server.flags & detail::dir_flag::kStopped) != 0 &&
         (state.to_client.flags & detail::dir_flag::kStopped) != 0;
}

}  // namespace torwart::dataplane::applayer::http
