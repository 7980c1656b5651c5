// Fuzz target: one connection's two directions, fed the way the stream would (in order, split anywhere).
// Input: byte 0 seeds the split points, byte 1 picks the mode (bit 0: interleave the directions, bit 1: small
// body depths, bit 2: no inflater free), the rest is the client's bytes, then "~~~~", then the server's.
// Without interleaving the same input is also fed whole, and both runs must report exactly the same events.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dataplane/applayer/http/http_parser.hpp"

namespace {

using namespace torwart::dataplane::applayer;
using namespace torwart::dataplane::applayer::http;

template <size_t N>
void append_field(std::string& log, const FixedString<N>& f) {
  if (f.length > N) abort();
  log.append(f.view());
  log += f.truncated ? "<cut>|" : "|";
}

void append_transaction(std::string& log, const HttpTransaction& t) {
  log += std::to_string(t.id) + "/" + std::to_string(t.flags) + ":";
  if (const HttpRequest* r = t.request) {
    append_field(log, r->method);
    append_field(log, r->uri_raw);
    append_field(log, r->uri_normalized);
    append_field(log, r->protocol);
    append_field(log, r->host);
    append_field(log, r->user_agent);
    append_field(log, r->content_type);
    append_field(log, r->transfer_encoding);
    append_field(log, r->content_encoding);
    append_field(log, r->cookie);
    append_field(log, r->referer);
    append_field(log, r->header_block);
    log += std::to_string(r->content_length) + "," + std::to_string(r->body_bytes) + "," +
           std::to_string(r->body_decoded_bytes) + "," + std::to_string(r->anomalies) + "," +
           std::to_string(r->port) + "," + std::to_string(r->header_count) + "," +
           std::to_string(r->complete);
  }
  if (const HttpResponse* r = t.response) {
    log += std::to_string(r->status);
    append_field(log, r->protocol);
    append_field(log, r->reason);
    append_field(log, r->content_type);
    append_field(log, r->transfer_encoding);
    append_field(log, r->content_encoding);
    append_field(log, r->location);
    append_field(log, r->header_block);
    log += std::to_string(r->content_length) + "," + std::to_string(r->body_bytes) + "," +
           std::to_string(r->body_decoded_bytes) + "," + std::to_string(r->anomalies) + "," +
           std::to_string(r->header_count) + "," + std::to_string(r->complete);
  }
  log += "\n";
}

// Bodies are logged as one running text per direction, marked where the transaction changes: how they are
// cut into calls depends on the feeding, that text does not.
class LoggingSink : public HttpSink {
 public:
  void on_request(const HttpTransaction& t) override {
    log += "request ";
    append_transaction(log, t);
  }
  void on_response(const HttpTransaction& t) override {
    log += "response ";
    append_transaction(log, t);
  }
  void on_body(Direction d, const HttpTransaction& t, std::span<const uint8_t> decoded) override {
    if (decoded.empty()) abort();
    const bool to_server = d == Direction::kToServer;
    std::string& body = to_server ? request_body : response_body;
    uint64_t& last_id = to_server ? last_request_id : last_response_id;
    if (body.empty() || t.id != last_id) body += "#" + std::to_string(t.id) + ":";
    last_id = t.id;
    body.append(reinterpret_cast<const char*>(decoded.data()), decoded.size());
  }
  void on_transaction_end(const HttpTransaction& t) override {
    log += "end ";
    append_transaction(log, t);
  }
  void on_anomaly(Direction d, HttpAnomaly a) override {
    log += d == Direction::kToServer ? "anomaly> " : "anomaly< ";
    log.append(anomaly_name(a));
    log += "\n";
  }
  std::string log;
  std::string request_body;
  std::string response_body;
  uint64_t last_request_id = 0;
  uint64_t last_response_id = 0;
};

struct Run {
  std::string log;
  std::string request_body;
  std::string response_body;
};

uint32_t next_random(uint32_t& state) {
  state = state * 1103515245u + 12345u;
  return state >> 8;
}

Run run(std::string_view client, std::string_view server, uint8_t seed, uint8_t mode, bool whole,
        InflaterPool& pool) {
  HttpCounters counters;
  HttpLimits limits;
  if ((mode & 2) != 0) limits = HttpLimits{.request_body_depth = 7, .response_body_depth = 300};
  HttpContext context{pool, counters, limits};
  HttpFlowState* state = new HttpFlowState;  // on the heap so ASan sees overruns of the struct
  LoggingSink sink;
  auto feed = [&](Direction d, std::string_view bytes) {
    http_feed(*state, d, {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, sink, context);
  };
  uint32_t random = seed;
  if (whole) {
    feed(Direction::kToServer, client);
    feed(Direction::kToClient, server);
  } else if ((mode & 1) == 0) {
    for (std::string_view rest : {client, server}) {
      const Direction d = rest.data() == client.data() ? Direction::kToServer : Direction::kToClient;
      while (!rest.empty()) {
        const size_t n = std::min<size_t>(rest.size(), 1 + next_random(random) % 97);
        feed(d, rest.substr(0, n));
        rest.remove_prefix(n);
      }
    }
  } else {
    while (!client.empty() || !server.empty()) {
      const bool to_server = server.empty() || (!client.empty() && (next_random(random) & 1) != 0);
      std::string_view& rest = to_server ? client : server;
      const size_t n = std::min<size_t>(rest.size(), 1 + next_random(random) % 61);
      feed(to_server ? Direction::kToServer : Direction::kToClient, rest.substr(0, n));
      rest.remove_prefix(n);
    }
  }
  http_flow_end(*state, sink, context);
  if (pool.in_use() != 0) abort();
  delete state;
  return {sink.log, sink.request_body, sink.response_body};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t seed = data[0];
  const uint8_t mode = data[1];
  const std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);
  const size_t marker = input.find("~~~~");
  const std::string_view client = input.substr(0, marker);
  const std::string_view server =
      marker == std::string_view::npos ? std::string_view{} : input.substr(marker + 4);
  static InflaterPool two_inflaters(2);
  static InflaterPool no_inflater(0);
  InflaterPool& pool = (mode & 4) != 0 ? no_inflater : two_inflaters;
  const Run split = run(client, server, seed, mode, false, pool);
  if ((mode & 1) == 0) {
    const Run whole = run(client, server, seed, mode, true, pool);
    if (split.log != whole.log || split.request_body != whole.request_body ||
        split.response_body != whole.response_body) {
      abort();
    }
  }
  return 0;
}
