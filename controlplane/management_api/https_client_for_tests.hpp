#pragma once
// A blocking HTTPS client for the management API's tests: one connection, any number of requests.
#include <optional>
#include <string>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace torwart::controlplane::api::testing {

struct Answer {
  unsigned status = 0;
  std::string body;
  std::string etag;
};

class TestClient {
 public:
  // Connects and handshakes (throws boost::system::system_error when the server refuses).
  TestClient(boost::asio::ssl::context& tls, unsigned short port) : stream_(io_, tls) {
    stream_.set_verify_callback(boost::asio::ssl::host_name_verification("127.0.0.1"));
    boost::beast::get_lowest_layer(stream_).connect({boost::asio::ip::make_address("127.0.0.1"), port});
    boost::beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(20));
    stream_.handshake(boost::asio::ssl::stream_base::client);
  }

  Answer request(const std::string& method, const std::string& target, const std::string& body = "",
                 const std::string& if_match = "") {
    namespace http = boost::beast::http;
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, "application/json");
    if (!if_match.empty()) req.set(http::field::if_match, if_match);
    req.body() = body;
    req.keep_alive(true);
    req.prepare_payload();
    boost::beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(20));
    // A server that refuses a request early (413) may close before all of it was written: its answer counts.
    boost::system::error_code write_error;
    http::write(stream_, req, write_error);
    http::response<http::string_body> res;
    boost::system::error_code read_error;
    http::read(stream_, buffer_, res, read_error);
    if (read_error) throw boost::system::system_error(write_error ? write_error : read_error);
    Answer a{res.result_int(), res.body(), ""};
    if (auto it = res.find(http::field::etag); it != res.end()) a.etag = std::string(it->value());
    return a;
  }

  // Raw bytes in, the raw answer out (malformed HTTP).
  std::string raw(const std::string& bytes) {
    boost::beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(20));
    boost::asio::write(stream_, boost::asio::buffer(bytes));
    std::string out;
    boost::system::error_code ec;
    char chunk[4096];
    for (;;) {
      const size_t n = stream_.read_some(boost::asio::buffer(chunk), ec);
      out.append(chunk, n);
      if (ec) break;
    }
    return out;
  }

  boost::beast::ssl_stream<boost::beast::tcp_stream>& stream() { return stream_; }

 private:
  boost::asio::io_context io_;
  boost::beast::ssl_stream<boost::beast::tcp_stream> stream_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace torwart::controlplane::api::testing
