// HTTP/1.x (http/): the request's host and the response's content type are facts as soon as their headers
// are complete (each transaction decided again); each transaction gets an `http` record at its end.
#include <new>

#include "dataplane/applayer/http/http_parser.hpp"
#include "dataplane/applayer/http/http_probe.hpp"
#include "dataplane/applayer/protocols/context.hpp"
#include "dataplane/applayer/protocols/eve_record.hpp"
#include "dataplane/applayer/protocols/modules.hpp"

namespace torwart::dataplane::applayer {
namespace {

static_assert(sizeof(http::HttpFlowState) <= kParserStateBytes);

http::HttpFlowState& state_of(Session& s) {
  return *std::launder(reinterpret_cast<http::HttpFlowState*>(s.parser));
}
const http::HttpFlowState& state_of(const Session& s) {
  return *std::launder(reinterpret_cast<const http::HttpFlowState*>(s.parser));
}

void write_http_eve(const http::HttpTransaction& txn, FixedJson& json) {
  json.open_object("http");
  if (const http::HttpRequest* request = txn.request) {
    if (!request->host.empty()) json.field("hostname", request->host.view());
    if (request->has_port) json.field("http_port", uint64_t{request->port});
    json.field("url", request->uri_raw.view());
    if (!request->user_agent.empty()) json.field("http_user_agent", request->user_agent.view());
    if (!request->referer.empty()) json.field("http_refer", request->referer.view());
    json.field("http_method", request->method.view()).field("protocol", request->protocol.view());
  }
  if (const http::HttpResponse* response = txn.response) {
    if (!response->content_type.empty()) json.field("http_content_type", response->content_type.view());
    json.field("status", uint64_t{response->status});
    if (!response->location.empty()) json.field("redirect", response->location.view());
    json.field("length", response->body_bytes);
  }
  json.close_object();
}

class Sink final : public http::HttpSink {
 public:
  explicit Sink(AppCall& call) : call_(call) {}
  void on_request(const http::HttpTransaction& txn) override {
    AppFacts& facts = call_.facts;
    facts.known &=
        static_cast<uint8_t>(~(fact::kHttpHost | fact::kHttpContentType | fact::kHttpResponseSeen));
    if (txn.request != nullptr && !txn.request->host.empty()) {
      facts.http_host.assign(txn.request->host.view());
      facts.known |= fact::kHttpHost;
    }
    facts.known |= fact::kHttpRequestSeen;
    call_.decide();
  }
  void on_response(const http::HttpTransaction& txn) override {
    AppFacts& facts = call_.facts;
    // Pipelined: the response answers the oldest request, whose host may differ from the latest one's.
    facts.known &= static_cast<uint8_t>(~(fact::kHttpHost | fact::kHttpContentType));
    if (txn.request != nullptr && !txn.request->host.empty()) {
      facts.http_host.assign(txn.request->host.view());
      facts.known |= fact::kHttpHost;
    }
    if (txn.response != nullptr && !txn.response->content_type.empty()) {
      facts.http_content_type.assign(txn.response->content_type.view());
      facts.known |= fact::kHttpContentType;
    }
    facts.known |= fact::kHttpRequestSeen | fact::kHttpResponseSeen;
    call_.decide();
  }
  void on_transaction_end(const http::HttpTransaction& txn) override {
    write_app_record(call_, EveKind::kHttp, "http", [&](FixedJson& json) { write_http_eve(txn, json); });
  }
  void on_anomaly(Direction, http::HttpAnomaly anomaly) override {
    call_.anomaly(http::anomaly_name(anomaly));
  }

 private:
  AppCall& call_;
};

void start(Session& s, ProtocolContext&) {
  new (s.parser) http::HttpFlowState{};
}

void stream(Session& s, Direction d, std::span<const uint8_t> bytes, AppCall& call) {
  Sink sink(call);
  http::http_feed(state_of(s), d, bytes, sink, call.context.http);
}

bool finished(const Session& s) {
  return http::http_parsing_stopped(state_of(s));
}

void end(Session& s, AppCall& call) {
  Sink sink(call);
  http::http_flow_end(state_of(s), sink, call.context.http);
}

}  // namespace

const ProtocolModule kHttpModule{AppProto::kHttp, true,     false, http::probe_http, nullptr, start,
                                 stream,          finished, end,   nullptr};

}  // namespace torwart::dataplane::applayer
