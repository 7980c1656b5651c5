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

bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim_blanks(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

// Each header line of a raw block ("Name: value\r\n" ... "\r\n"), up to the empty line.
template <typename Each>
void each_header(std::string_view block, Each&& each) {
  while (!block.empty()) {
    const size_t eol = block.find('\n');
    std::string_view line = block.substr(0, eol);
    block = eol == std::string_view::npos ? std::string_view() : block.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) return;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    each(trim_blanks(line.substr(0, colon)), trim_blanks(line.substr(colon + 1)));
  }
}

// What Suricata derives from a message's header lines: the names ("\r\nHost\r\nAccept\r\n\r\n"), single
// headers' values, the start line with the headers, the raw lines. From the kept header block, so a block cut
// at its capacity gives what it holds.
struct DerivedHeaders {
  FixedString<512> names;
  FixedString<1024> start;

  void add(std::string_view start_line, std::string_view block, bool response, AppEvent& e) {
    names.assign("\r\n");
    each_header(block, [&](std::string_view name, std::string_view value) {
      names.append(name);
      names.append("\r\n");
      const struct {
        std::string_view header;
        BufferId id;
        bool response_only;
      } singles[] = {{"accept", BufferId::kHttpAccept, false},
                     {"accept-encoding", BufferId::kHttpAcceptEnc, false},
                     {"accept-language", BufferId::kHttpAcceptLang, false},
                     {"connection", BufferId::kHttpConnection, false},
                     {"content-length", BufferId::kHttpContentLen, false},
                     {"server", BufferId::kHttpServer, true}};
      for (const auto& single : singles) {
        if (single.response_only && !response) continue;
        if (!e.has(single.id) && same_name(name, single.header)) e.set(single.id, value);
      }
    });
    names.append("\r\n");
    e.set(BufferId::kHttpHeaderNames, names.view());
    // The start line is at most a FixedString<512>'s (saying so keeps GCC's bounds analysis quiet).
    start.assign(start_line.substr(0, std::min<size_t>(start_line.size(), 512)));
    start.append("\r\n");
    start.append(block);
    e.set(BufferId::kHttpStart, start.view());
    e.set(BufferId::kHttpHeaderRaw, block);
  }
};

// The request's buffers for the signature engine; `line` holds the request line it composes.
void add_request_buffers(const http::HttpRequest& r, AppEvent& e, FixedString<512>& line, bool headers,
                         DerivedHeaders& derived) {
  e.set(BufferId::kHttpUri, r.uri_normalized.view());
  e.set(BufferId::kHttpUriRaw, r.uri_raw.view());
  e.set(BufferId::kHttpMethod, r.method.view());
  if (!r.host.empty()) e.set(BufferId::kHttpHost, r.host.view());
  if (!r.user_agent.empty()) e.set(BufferId::kHttpUserAgent, r.user_agent.view());
  if (!r.cookie.empty()) e.set(BufferId::kHttpCookie, r.cookie.view());
  if (!r.referer.empty()) e.set(BufferId::kHttpReferer, r.referer.view());
  line.assign(r.method.view());
  line.append(" ");
  line.append(r.uri_raw.view());
  line.append(" ");
  line.append(r.protocol.view());
  e.set(BufferId::kHttpRequestLine, line.view());
  if (!headers) return;
  e.set(BufferId::kHttpHeader, r.header_block.view());
  e.set(BufferId::kHttpProtocol, r.protocol.view());
  if (!r.content_type.empty()) e.set(BufferId::kHttpContentType, r.content_type.view());
  derived.add(line.view(), r.header_block.view(), false, e);
}

void add_response_buffers(const http::HttpResponse& r, AppEvent& e, FixedString<512>& line,
                          FixedString<8>& status, DerivedHeaders& derived) {
  status.clear();
  const char digits[3] = {static_cast<char>('0' + r.status / 100 % 10),
                          static_cast<char>('0' + r.status / 10 % 10),
                          static_cast<char>('0' + r.status % 10)};
  status.append({digits, 3});
  e.set(BufferId::kHttpStatCode, status.view());
  e.set(BufferId::kHttpStatMsg, r.reason.view());
  e.set(BufferId::kHttpHeader, r.header_block.view());
  e.set(BufferId::kHttpProtocol, r.protocol.view());
  if (!r.content_type.empty()) e.set(BufferId::kHttpContentType, r.content_type.view());
  if (!r.location.empty()) e.set(BufferId::kHttpLocation, r.location.view());
  line.assign(r.protocol.view());
  line.append(" ");
  line.append(status.view());
  line.append(" ");
  line.append(r.reason.view());
  e.set(BufferId::kHttpResponseLine, line.view());
  derived.add(line.view(), r.header_block.view(), true, e);
}

// One moment of a transaction with every buffer known at it.
void hand_to_signatures(AppCall& call, const http::HttpTransaction& txn, Phase phase, Direction direction,
                        std::span<const uint8_t> body = {}) {
  if (!call.hooks.wants_events()) return;  // no signatures: nothing to compose the buffers for
  AppEvent e;
  e.phase = phase;
  e.direction = direction;
  FixedString<512> request_line, response_line;
  FixedString<8> status;
  DerivedHeaders derived;
  const bool response_side = phase == Phase::kHttpResponse || phase == Phase::kHttpResponseBody;
  if (txn.request != nullptr) add_request_buffers(*txn.request, e, request_line, !response_side, derived);
  if (response_side && txn.response != nullptr)
    add_response_buffers(*txn.response, e, response_line, status, derived);
  if (phase == Phase::kHttpRequestBody) e.set(BufferId::kHttpRequestBody, body);
  if (phase == Phase::kHttpResponseBody) e.set(BufferId::kHttpResponseBody, body);
  call.event(e);
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
    hand_to_signatures(call_, txn, Phase::kHttpRequest, Direction::kToServer);
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
    hand_to_signatures(call_, txn, Phase::kHttpResponse, Direction::kToClient);
  }
  void on_body(Direction direction, const http::HttpTransaction& txn,
               std::span<const uint8_t> decoded) override {
    const Phase phase =
        direction == Direction::kToServer ? Phase::kHttpRequestBody : Phase::kHttpResponseBody;
    hand_to_signatures(call_, txn, phase, direction, decoded);
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
