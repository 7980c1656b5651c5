#include "controlplane/management_api/https_server.hpp"

#include <openssl/ssl.h>

#include <array>
#include <optional>

#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace torwart::controlplane::api {
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct HttpsServer::Shared {
  Handler handler;
  HttpsLimits limits;
  HttpsCounters counters;
};

class HttpsServer::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, net::ssl::context& tls, std::shared_ptr<Shared> shared, std::string peer)
      : stream_(std::move(socket), tls), shared_(std::move(shared)), peer_(std::move(peer)) {
    ++shared_->counters.active;
    ++shared_->counters.per_address[peer_];
  }
  ~Session() {
    --shared_->counters.active;
    auto& per = shared_->counters.per_address;
    if (auto it = per.find(peer_); it != per.end() && --it->second == 0) per.erase(it);
  }

  void start() {
    beast::get_lowest_layer(stream_).expires_after(shared_->limits.handshake);
    stream_.async_handshake(net::ssl::stream_base::server,
                            [self = shared_from_this()](beast::error_code ec) { self->on_handshake(ec); });
  }

 private:
  void on_handshake(beast::error_code ec) {
    if (ec) {
      ++shared_->counters.tls_refused;
      std::string reason = ec.message();
      // OpenSSL says only "certificate verify failed"; the verification result says what was wrong with it.
      if (const long verify = SSL_get_verify_result(stream_.native_handle()); verify != X509_V_OK)
        reason += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
      shared_->counters.last_tls_refusal = peer_ + ": " + reason;
      return;  // nothing to answer in HTTP: the client never got a channel
    }
    identity_ = identity_of(SSL_get0_peer_certificate(stream_.native_handle()));
    read_header(shared_->limits.idle);
  }

  void read_header(std::chrono::milliseconds wait) {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(shared_->limits.header_bytes));
    parser_->body_limit(shared_->limits.body_bytes);
    // The wait for a kept-alive connection's next request and the request's header share one deadline.
    beast::get_lowest_layer(stream_).expires_after(wait);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) return fail_request(ec);
    if (parser_->get().target() == "/api/v1/config/import")
      parser_->body_limit(shared_->limits.import_body_bytes);
    beast::get_lowest_layer(stream_).expires_after(shared_->limits.body);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code read_ec, size_t) { self->on_request(read_ec); });
  }

  // Malformed or oversized: answered when HTTP still makes sense, then closed; a timeout just closes.
  void fail_request(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == net::error::eof ||
        ec == net::ssl::error::stream_truncated ||
        (ec == beast::error::timeout && requests_ > 0 && !parser_->got_some()))
      return close();
    ++shared_->counters.malformed;
    if (ec == beast::error::timeout || ec == net::error::operation_aborted) return;
    http::status status = http::status::bad_request;
    if (ec == http::error::header_limit) status = http::status::request_header_fields_too_large;
    if (ec == http::error::body_limit) status = http::status::payload_too_large;
    ApiResponse r;
    r.status = static_cast<unsigned>(status);
    r.body =
        nlohmann::json{
            {"kind", "bad_input"}, {"error", "HTTP: " + ec.message()}, {"details", nlohmann::json::array()}}
            .dump();
    drain_before_close_ = true;
    send(r, false, 11);
  }

  void on_request(beast::error_code ec) {
    if (ec) return fail_request(ec);
    ++requests_;
    ++shared_->counters.requests;
    const auto& request = parser_->get();
    ApiRequest in;
    in.method = std::string(request.method_string());
    in.target = std::string(request.target());
    if (auto it = request.find(http::field::if_match); it != request.end())
      in.if_match = std::string(it->value());
    in.body = request.body();
    const ApiResponse out = shared_->handler(in, identity_);
    const bool keep = request.keep_alive() && requests_ < shared_->limits.requests_per_connection;
    send(out, keep, request.version());
  }

  void send(const ApiResponse& answer, bool keep_alive, unsigned version) {
    auto response = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(answer.status), version);
    response->set(http::field::server, "torwartd");
    response->set(http::field::content_type, answer.content_type);
    response->set(http::field::cache_control, "no-store");
    if (!answer.etag.empty()) response->set(http::field::etag, answer.etag);
    if (!answer.allow.empty()) response->set(http::field::allow, answer.allow);
    response->body() = answer.body;
    response->keep_alive(keep_alive);
    response->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(shared_->limits.body);
    http::async_write(stream_, *response,
                      [self = shared_from_this(), response, keep_alive](beast::error_code ec, size_t) {
                        if (ec) return;
                        if (keep_alive) return self->read_header(self->shared_->limits.idle);
                        self->close();
                      });
  }

  void close() {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
    if (drain_before_close_) return drain();
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {});
  }

  // A request refused before it was read to its end leaves the client's bytes in flight; closing on them
  // makes the kernel send a reset that can destroy the answer before the client read it. So end our side
  // (FIN after the answer), then read and drop what still comes, at most 2 s or 16 MiB, before closing.
  void drain() {
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_send, ignored);
    drain_more();
  }
  void drain_more() {
    beast::get_lowest_layer(stream_).async_read_some(
        net::buffer(discard_), [self = shared_from_this()](beast::error_code ec, size_t n) {
          self->drained_ += n;
          if (ec || self->drained_ > (size_t{16} << 20)) return;
          self->drain_more();
        });
  }

  beast::ssl_stream<beast::tcp_stream> stream_;
  std::shared_ptr<Shared> shared_;
  std::string peer_;
  ClientIdentity identity_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  unsigned requests_ = 0;
  bool drain_before_close_ = false;
  size_t drained_ = 0;
  std::array<char, 16384> discard_{};
};

HttpsServer::HttpsServer(net::io_context& io, net::ssl::context& tls, const tcp::endpoint& at,
                         Handler handler, HttpsLimits limits)
    : tls_(tls), acceptor_(io), shared_(std::make_shared<Shared>(Shared{std::move(handler), limits, {}})) {
  beast::error_code ec;
  acceptor_.open(at.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(at, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("management API: cannot listen on " + at.address().to_string() + " port " +
                             std::to_string(at.port()) + ": " + ec.message());
  }
  accept();
}

HttpsServer::~HttpsServer() {
  beast::error_code ignored;
  acceptor_.close(ignored);
}

uint16_t HttpsServer::port() const {
  return acceptor_.local_endpoint().port();
}

const HttpsCounters& HttpsServer::counters() const {
  return shared_->counters;
}

void HttpsServer::accept() {
  acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (!ec) {
      beast::error_code peer_ec;
      const auto remote = socket.remote_endpoint(peer_ec);
      const std::string peer = peer_ec ? std::string("unknown") : remote.address().to_string();
      auto& counters = shared_->counters;
      const auto held = counters.per_address.find(peer);
      if (counters.active >= shared_->limits.connections ||
          (held != counters.per_address.end() && held->second >= shared_->limits.connections_per_address)) {
        ++counters.connections_refused;
        socket.close(peer_ec);
      } else {
        ++counters.connections;
        std::make_shared<Session>(std::move(socket), tls_, shared_, peer)->start();
      }
    }
    accept();
  });
}

nlohmann::json HttpsServer::status() const {
  const auto& c = shared_->counters;
  return {{"port", port()},
          {"connections", c.connections},
          {"connections_refused", c.connections_refused},
          {"tls_refused", c.tls_refused},
          {"last_tls_refusal", c.last_tls_refusal},
          {"requests", c.requests},
          {"malformed", c.malformed},
          {"active", c.active}};
}

}  // namespace torwart::controlplane::api
