#pragma once
// The management API's HTTPS listener (Boost.Beast over OpenSSL, mutual TLS from tls/tr02102_tls.hpp): it
// bounds what a client can hold (connections in all and per address, header and body sizes, time for the
// handshake, a request and between requests), turns each request into an ApiRequest for the handler, and
// answers malformed HTTP with 400/413/431 before closing. Runs on torwartd's one io_context thread, like the
// local socket, so requests are handled one at a time.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <nlohmann/json.hpp>

#include "controlplane/management_api/api_handler.hpp"

namespace torwart::controlplane::api {

struct HttpsLimits {
  size_t connections = 32;                      // beyond: closed at once, counted
  size_t connections_per_address = 8;           // so that one client cannot hold every slot (slowloris)
  size_t header_bytes = 8 * 1024;               // 431 beyond
  size_t body_bytes = size_t{9} << 20;          // 413 beyond (a configuration is at most 4 MiB, JSON-escaped)
  size_t import_body_bytes = size_t{64} << 20;  // POST /api/v1/config/import carries a whole history
  std::chrono::milliseconds handshake{10000};
  std::chrono::milliseconds header{10000};  // from the first byte of a request to its last header line
  std::chrono::milliseconds body{60000};
  std::chrono::milliseconds idle{30000};  // a kept-alive connection waiting for its next request
  unsigned requests_per_connection = 1000;
};

struct HttpsCounters {
  uint64_t connections = 0;          // accepted and handed to TLS
  uint64_t connections_refused = 0;  // over a connection limit
  uint64_t tls_refused = 0;      // handshakes that failed: no, expired, foreign or revoked certificate, ...
  std::string last_tls_refusal;  // the last one's reason and peer
  uint64_t requests = 0;
  uint64_t malformed = 0;  // not HTTP, too large, too slow
  uint64_t active = 0;
  std::map<std::string, uint64_t> per_address;
};

class HttpsServer {
 public:
  using Handler = std::function<ApiResponse(const ApiRequest&, const ClientIdentity&)>;

  // Binds and listens (throws naming the endpoint when it cannot). Port 0 picks a free one (tests).
  HttpsServer(boost::asio::io_context& io, boost::asio::ssl::context& tls,
              const boost::asio::ip::tcp::endpoint& at, Handler handler, HttpsLimits limits = {});
  ~HttpsServer();
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  uint16_t port() const;
  const HttpsCounters& counters() const;
  nlohmann::json status() const;

 private:
  class Session;
  struct Shared;
  void accept();

  boost::asio::ssl::context& tls_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<Shared> shared_;  // sessions may outlive the server while the io_context winds down
};

}  // namespace torwart::controlplane::api
