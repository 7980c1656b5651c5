#include "dataplane/applayer/app_buffers.hpp"

namespace torwart::dataplane::applayer {
namespace {

struct BufferInfo {
  std::string_view name;
  Phase phase;
};

constexpr std::array<BufferInfo, kBufferCount> kBuffers = {{
    {"payload", Phase::kPacket},
    {"stream", Phase::kStream},
    {"http.uri", Phase::kHttpRequest},
    {"http.uri.raw", Phase::kHttpRequest},
    {"http.method", Phase::kHttpRequest},
    {"http.host", Phase::kHttpRequest},
    {"http.user_agent", Phase::kHttpRequest},
    {"http.header", Phase::kHttpRequest},  // the response's headers at kHttpResponse
    {"http.cookie", Phase::kHttpRequest},
    {"http.referer", Phase::kHttpRequest},
    {"http.protocol", Phase::kHttpRequest},
    {"http.request_line", Phase::kHttpRequest},
    {"http.request_body", Phase::kHttpRequestBody},
    {"http.stat_code", Phase::kHttpResponse},
    {"http.stat_msg", Phase::kHttpResponse},
    {"http.response_line", Phase::kHttpResponse},
    {"http.content_type", Phase::kHttpRequest},  // the response's at kHttpResponse
    {"http.location", Phase::kHttpResponse},
    {"http.response_body", Phase::kHttpResponseBody},
    {"tls.sni", Phase::kTlsClientHello},
    {"tls.cert_subject", Phase::kTlsServerHello},
    {"tls.cert_issuer", Phase::kTlsServerHello},
    {"tls.cert_serial", Phase::kTlsServerHello},
    {"tls.cert_fingerprint", Phase::kTlsServerHello},
    {"ja3.hash", Phase::kTlsClientHello},
    {"ja3.string", Phase::kTlsClientHello},
    {"ja3s.hash", Phase::kTlsServerHello},
    {"ja3s.string", Phase::kTlsServerHello},
    {"dns.query", Phase::kDnsQuery},
    {"http.header_names", Phase::kHttpRequest},  // the response's at kHttpResponse
    {"http.accept", Phase::kHttpRequest},
    {"http.accept_enc", Phase::kHttpRequest},
    {"http.accept_lang", Phase::kHttpRequest},
    {"http.connection", Phase::kHttpRequest},
    {"http.content_len", Phase::kHttpRequest},
    {"http.server", Phase::kHttpResponse},
    {"http.start", Phase::kHttpRequest},
    {"http.header.raw", Phase::kHttpRequest},
}};

constexpr std::array<std::string_view, kPhaseCount> kPhaseNames = {"packet",           "stream",
                                                                   "http_request",     "http_request_body",
                                                                   "http_response",    "http_response_body",
                                                                   "tls_client_hello", "tls_server_hello",
                                                                   "dns_query"};

}  // namespace

std::string_view buffer_name(BufferId id) {
  return kBuffers[static_cast<size_t>(id)].name;
}

bool buffer_of(std::string_view name, BufferId& id) {
  if (name == "file.data") name = "http.response_body";
  for (size_t i = 0; i < kBufferCount; ++i) {
    if (kBuffers[i].name == name) {
      id = static_cast<BufferId>(i);
      return true;
    }
  }
  return false;
}

std::string_view phase_name(Phase phase) {
  return kPhaseNames[static_cast<size_t>(phase)];
}

Phase phase_of(BufferId id) {
  return kBuffers[static_cast<size_t>(id)].phase;
}

bool phase_sees(Phase later, Phase earlier) {
  if (later == earlier) return true;
  switch (later) {
    case Phase::kHttpRequestBody:
    case Phase::kHttpResponse:
      return earlier == Phase::kHttpRequest;
    case Phase::kHttpResponseBody:
      return earlier == Phase::kHttpRequest || earlier == Phase::kHttpResponse;
    case Phase::kTlsServerHello:
      return earlier == Phase::kTlsClientHello;
    default:
      return false;
  }
}

}  // namespace torwart::dataplane::applayer
