#pragma once
// An RFC 5425 receiver for the shipper's tests: TLS server with client certificates, octet-counted frames
// parsed and kept. stop() drops every connection at once without reading what is still queued (a receiver
// that dies); start() listens again on the same port.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>

#include <charconv>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace torwart::controlplane::log_shipping::testing {

class TestReceiver {
 public:
  TestReceiver(boost::asio::io_context& io, const std::filesystem::path& ca,
               const std::filesystem::path& cert, const std::filesystem::path& key)
      : io_(io), context_(boost::asio::ssl::context::tls_server) {
    context_.load_verify_file(ca.string());
    context_.use_certificate_chain_file(cert.string());
    context_.use_private_key_file(key.string(), boost::asio::ssl::context::pem);
    context_.set_verify_mode(boost::asio::ssl::verify_peer | boost::asio::ssl::verify_fail_if_no_peer_cert);
  }

  void start() {
    using boost::asio::ip::tcp;
    acceptor_ = std::make_unique<tcp::acceptor>(io_);
    const tcp::endpoint at(boost::asio::ip::make_address("127.0.0.1"), port_);
    acceptor_->open(at.protocol());
    acceptor_->set_option(tcp::acceptor::reuse_address(true));
    acceptor_->bind(at);
    acceptor_->listen();
    port_ = acceptor_->local_endpoint().port();
    accept();
  }

  void stop() {
    if (acceptor_) acceptor_->close();
    acceptor_.reset();
    for (auto& s : sessions_) {
      boost::system::error_code ignored;
      s->stream.lowest_layer().close(ignored);
    }
    sessions_.clear();
  }

  // The server's own OpenSSL context, for tests that restrict what it accepts (versions, suites, groups).
  SSL_CTX* native() { return context_.native_handle(); }
  unsigned short port() const { return port_; }
  const std::vector<std::string>& messages() const { return messages_; }
  unsigned handshakes() const { return handshakes_; }
  std::string last_protocol, last_cipher, last_group;
  std::vector<int> client_groups;

 private:
  struct Session {
    explicit Session(boost::asio::io_context& io, boost::asio::ssl::context& c) : stream(io, c) {}
    boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream;
    std::array<char, 65536> chunk{};
    std::string buffer;
  };

  void accept() {
    auto session = std::make_shared<Session>(io_, context_);
    acceptor_->async_accept(session->stream.next_layer(), [this, session](boost::system::error_code ec) {
      if (ec) return;
      sessions_.push_back(session);
      session->stream.async_handshake(
          boost::asio::ssl::stream_base::server, [this, session](boost::system::error_code hec) {
            if (hec) return;
            ++handshakes_;
            last_protocol = SSL_get_version(session->stream.native_handle());
            SSL* ssl = session->stream.native_handle();
            last_cipher = SSL_get_cipher_name(ssl);
            last_group = OBJ_nid2sn(SSL_get_negotiated_group(ssl) & ~TLSEXT_nid_unknown);
            // What the client offered, in its order.
            client_groups.assign(static_cast<std::size_t>(SSL_get1_groups(ssl, nullptr)), 0);
            SSL_get1_groups(ssl, client_groups.data());
            read(session);
          });
      accept();
    });
  }

  void read(const std::shared_ptr<Session>& s) {
    s->stream.async_read_some(boost::asio::buffer(s->chunk),
                              [this, s](boost::system::error_code ec, std::size_t n) {
                                if (ec) return;
                                s->buffer.append(s->chunk.data(), n);
                                // LEN SP MSG, LEN bytes of MSG
                                for (;;) {
                                  const auto space = s->buffer.find(' ');
                                  if (space == std::string::npos) break;
                                  std::size_t length = 0;
                                  std::from_chars(s->buffer.data(), s->buffer.data() + space, length);
                                  if (s->buffer.size() < space + 1 + length) break;
                                  messages_.push_back(s->buffer.substr(space + 1, length));
                                  s->buffer.erase(0, space + 1 + length);
                                }
                                read(s);
                              });
  }

  boost::asio::io_context& io_;
  boost::asio::ssl::context context_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::vector<std::shared_ptr<Session>> sessions_;
  std::vector<std::string> messages_;
  unsigned short port_ = 0;
  unsigned handshakes_ = 0;
};

}  // namespace torwart::controlplane::log_shipping::testing
