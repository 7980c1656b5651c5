#include "platform/json_lines/json_line_server.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

namespace torwart::platform {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;

PeerCredentials peer_credentials(int fd) {
  ucred credentials{};
  socklen_t length = sizeof credentials;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) {
    throw std::runtime_error(std::string("SO_PEERCRED: ") + std::strerror(errno));
  }
  return {credentials.uid, credentials.gid, credentials.pid};
}

class JsonLineServer::Session : public std::enable_shared_from_this<JsonLineServer::Session> {
 public:
  Session(JsonLineServer& server, local::socket socket, PeerCredentials peer)
      : server_(server), socket_(std::move(socket)), buffer_(server.max_request_bytes_), peer_(peer) {}

  void read() {
    auto self = shared_from_this();
    asio::async_read_until(socket_, buffer_, '\n', [self](boost::system::error_code ec, size_t length) {
      if (ec == asio::error::not_found) {
        self->reply(self->refuse("request larger than " + std::to_string(self->server_.max_request_bytes_) +
                                 " bytes or not ended by a newline"),
                    false);
        return;
      }
      if (ec) return;  // the peer closed
      std::string line(asio::buffers_begin(self->buffer_.data()),
                       asio::buffers_begin(self->buffer_.data()) + static_cast<std::ptrdiff_t>(length));
      self->buffer_.consume(length);
      self->reply(self->answer(line), true);
    });
  }

 private:
  nlohmann::json refuse(const std::string& reason) {
    ++server_.refused_;
    return server_.handlers_.refusal(reason);
  }

  nlohmann::json answer(const std::string& line) {
    nlohmann::json request;
    try {
      request = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      return refuse(std::string("request is not JSON: ") + e.what());
    }
    ++server_.requests_;
    nlohmann::json response = server_.handlers_.request(request, peer_);
    if (server_.handlers_.after_request) server_.handlers_.after_request();
    return response;
  }

  void reply(const nlohmann::json& response, bool keep_reading) {
    auto self = shared_from_this();
    auto text = std::make_shared<std::string>(response.dump() + "\n");
    asio::async_write(socket_, asio::buffer(*text),
                      [self, text, keep_reading](boost::system::error_code ec, size_t) {
                        if (!ec && keep_reading) self->read();
                      });
  }

  JsonLineServer& server_;
  local::socket socket_;
  asio::streambuf buffer_;
  PeerCredentials peer_;
};

JsonLineServer::JsonLineServer(asio::io_context& io, const std::string& path, unsigned mode,
                               size_t max_request_bytes, JsonLineHandlers handlers)
    : path_(path), max_request_bytes_(max_request_bytes), handlers_(std::move(handlers)), acceptor_(io) {
  const std::filesystem::path socket_path(path);
  std::error_code ec;
  if (socket_path.has_parent_path()) std::filesystem::create_directories(socket_path.parent_path(), ec);
  if (ec) throw std::runtime_error("cannot create the directory of " + path + ": " + ec.message());
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    throw std::runtime_error("cannot remove the stale socket " + path + ": " + std::strerror(errno));
  }
  acceptor_.open(local());
  acceptor_.bind(local::endpoint(path));
  if (::chmod(path.c_str(), mode) != 0) {
    throw std::runtime_error("chmod " + path + ": " + std::strerror(errno));
  }
  acceptor_.listen();
  accept();
}

JsonLineServer::~JsonLineServer() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  ::unlink(path_.c_str());
}

void JsonLineServer::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, local::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      try {
        const PeerCredentials peer = peer_credentials(socket.native_handle());
        std::make_shared<Session>(*this, std::move(socket), peer)->read();
      } catch (const std::exception&) {
        ++refused_;  // an unidentified caller gets no answer
      }
    }
    accept();
  });
}

}  // namespace torwart::platform
