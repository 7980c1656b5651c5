#include "dataplane/live/control_socket.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace torwart::dataplane::live {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;

class ControlServer::Session : public std::enable_shared_from_this<ControlServer::Session> {
 public:
  Session(ControlServer& server, local::socket socket)
      : server_(server), socket_(std::move(socket)), buffer_(kMaxControlRequestBytes) {
    ucred credentials{};
    socklen_t length = sizeof credentials;
    if (getsockopt(socket_.native_handle(), SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0) {
      peer_ = {credentials.uid, credentials.gid, credentials.pid};
    }
  }

  void read() {
    auto self = shared_from_this();
    asio::async_read_until(socket_, buffer_, '\n', [self](boost::system::error_code ec, size_t length) {
      if (ec == asio::error::not_found) {
        self->reply(self->error_response("request larger than 8 MiB or not ended by a newline"), false);
        return;
      }
      if (ec) return;  // peer closed
      std::string line(asio::buffers_begin(self->buffer_.data()), asio::buffers_begin(self->buffer_.data()) + static_cast<std::ptrdiff_t>(length));
      self->buffer_.consume(length);
      self->reply(self->answer(line), true);
    });
  }

 private:
  nlohmann::json error_response(const std::string& message, nlohmann::json details = nlohmann::json::array()) {
    ++server_.rejected_;
    return {{"protocol", kControlProtocolVersion}, {"ok", false}, {"error", message}, {"details", std::move(details)}};
  }

  nlohmann::json answer(const std::string& line) {
    ++server_.requests_;
    nlohmann::json request;
    try {
      request = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      return error_response(std::string("request is not JSON: ") + e.what());
    }
    if (!request.is_object() || !request.contains("command") || !request["command"].is_string()) {
      return error_response("request must be an object with a string \"command\"");
    }
    if (request.contains("protocol") && request["protocol"] != kControlProtocolVersion) {
      return error_response("unsupported protocol version; this fast path speaks " + std::to_string(kControlProtocolVersion));
    }
    try {
      return {{"protocol", kControlProtocolVersion}, {"ok", true}, {"result", server_.handler_(request, peer_)}};
    } catch (const ControlError& e) {
      return error_response(e.what(), e.details);
    } catch (const std::exception& e) {
      return error_response(std::string("internal error: ") + e.what());
    }
  }

  void reply(const nlohmann::json& response, bool keep_reading) {
    auto self = shared_from_this();
    auto text = std::make_shared<std::string>(response.dump() + "\n");
    asio::async_write(socket_, asio::buffer(*text), [self, text, keep_reading](boost::system::error_code ec, size_t) {
      if (!ec && keep_reading) self->read();
    });
  }

  ControlServer& server_;
  local::socket socket_;
  asio::streambuf buffer_;
  Peer peer_;
};

ControlServer::ControlServer(asio::io_context& io, const std::string& path, ControlHandler handler)
    : io_(io), path_(path), acceptor_(io), handler_(std::move(handler)) {
  const std::filesystem::path socket_path(path);
  std::filesystem::create_directories(socket_path.parent_path());
  ::unlink(path.c_str());
  acceptor_.open(local());
  acceptor_.bind(local::endpoint(path));
  ::chmod(path.c_str(), 0660);  // root and the torwart group only
  acceptor_.listen();
  accept();
}

ControlServer::~ControlServer() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  ::unlink(path_.c_str());
}

void ControlServer::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, local::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) std::make_shared<Session>(*this, std::move(socket))->read();
    accept();
  });
}

}  // namespace torwart::dataplane::live
