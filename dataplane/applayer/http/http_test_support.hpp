#pragma once
// Test helpers: a sink that writes every event down as text, compressors to build bodies, and a driver
// that feeds one exchange split in a chosen way.
#include <zlib.h>

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "dataplane/applayer/http/http_parser.hpp"

namespace torwart::dataplane::applayer::http::testing {

inline std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

template <size_t N>
std::string text(const FixedString<N>& f) {
  std::string out(f.view());
  if (f.truncated) out += "<cut>";
  return out;
}

inline std::string describe(const HttpTransaction& t) {
  std::string s = "id=" + std::to_string(t.id) + " flags=" + std::to_string(t.flags);
  if (const HttpRequest* r = t.request) {
    s += " method=" + text(r->method) + " uri=" + text(r->uri_raw) + " norm=" + text(r->uri_normalized) +
         " proto=" + text(r->protocol) + " host=" + text(r->host) +
         " port=" + (r->has_port ? std::to_string(r->port) : "-") + " ua=" + text(r->user_agent) +
         " ct=" + text(r->content_type) + " te=" + text(r->transfer_encoding) +
         " ce=" + text(r->content_encoding) + " cookie=" + text(r->cookie) + " ref=" + text(r->referer) +
         " cl=" + (r->has_content_length ? std::to_string(r->content_length) : "-") +
         " headers=" + std::to_string(r->header_count) + " block=" + std::to_string(r->header_block.length) +
         " body=" + std::to_string(r->body_bytes) + "/" + std::to_string(r->body_decoded_bytes) +
         " anomalies=" + std::to_string(r->anomalies) + " complete=" + std::to_string(r->complete);
  }
  if (const HttpResponse* r = t.response) {
    s += " | status=" + std::to_string(r->status) + " reason=" + text(r->reason) +
         " proto=" + text(r->protocol) + " ct=" + text(r->content_type) +
         " te=" + text(r->transfer_encoding) + " ce=" + text(r->content_encoding) +
         " location=" + text(r->location) +
         " cl=" + (r->has_content_length ? std::to_string(r->content_length) : "-") +
         " headers=" + std::to_string(r->header_count) + " block=" + std::to_string(r->header_block.length) +
         " body=" + std::to_string(r->body_bytes) + "/" + std::to_string(r->body_decoded_bytes) +
         " anomalies=" + std::to_string(r->anomalies) + " complete=" + std::to_string(r->complete);
  }
  return s;
}

// Bodies are kept per direction and transaction, joined, since how they are cut depends on the feeding.
class RecordingSink : public HttpSink {
 public:
  void on_request(const HttpTransaction& t) override {
    events.push_back("request " + describe(t));
    requests.push_back(t);
  }
  void on_response(const HttpTransaction& t) override { events.push_back("response " + describe(t)); }
  void on_body(Direction d, const HttpTransaction& t, std::span<const uint8_t> decoded) override {
    std::string& body = d == Direction::kToServer ? request_bodies[t.id] : response_bodies[t.id];
    body.append(reinterpret_cast<const char*>(decoded.data()), decoded.size());
  }
  void on_transaction_end(const HttpTransaction& t) override {
    events.push_back("end " + describe(t));
    ended.push_back(t);
  }
  void on_anomaly(Direction d, HttpAnomaly a) override {
    events.push_back(std::string(d == Direction::kToServer ? "anomaly> " : "anomaly< ") +
                     std::string(anomaly_name(a)));
    anomalies.push_back(a);
  }
  bool saw(HttpAnomaly a) const {
    for (HttpAnomaly x : anomalies) {
      if (x == a) return true;
    }
    return false;
  }

  std::vector<std::string> events;
  std::vector<HttpTransaction> requests;  // views: pointers are only valid during the callback
  std::vector<HttpTransaction> ended;
  std::vector<HttpAnomaly> anomalies;
  std::map<uint64_t, std::string> request_bodies;
  std::map<uint64_t, std::string> response_bodies;
};

inline std::string compress(const std::string& plain, int window_bits, int level = 6) {
  z_stream s{};
  deflateInit2(&s, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&s, plain.size()) + 64, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  s.avail_in = static_cast<uInt>(plain.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  deflate(&s, Z_FINISH);
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}
inline std::string gzip(const std::string& plain) {
  return compress(plain, 16 + 15);
}
inline std::string zlib_deflate(const std::string& plain) {
  return compress(plain, 15);
}
inline std::string raw_deflate(const std::string& plain) {
  return compress(plain, -15);
}

inline std::string chunked(const std::string& body, size_t piece, const std::string& extension = "") {
  std::string out;
  char size[32];
  for (size_t at = 0; at < body.size(); at += piece) {
    const std::string part = body.substr(at, piece);
    snprintf(size, sizeof(size), "%zx", part.size());
    out.append(size).append(extension).append("\r\n").append(part).append("\r\n");
  }
  return out + "0\r\n\r\n";
}

// One connection with its own pool and counters.
struct Exchange {
  explicit Exchange(uint16_t inflaters = 4, HttpLimits limits = {})
      : pool(inflaters), context{pool, counters, limits} {}
  void to_server(const std::string& bytes) {
    http_feed(state, Direction::kToServer, bytes_of(bytes), sink, context);
  }
  void to_client(const std::string& bytes) {
    http_feed(state, Direction::kToClient, bytes_of(bytes), sink, context);
  }
  void end() { http_flow_end(state, sink, context); }

  InflaterPool pool;
  HttpCounters counters;
  HttpContext context;
  HttpFlowState state;
  RecordingSink sink;
};

}  // namespace torwart::dataplane::applayer::http::testing
