#include "controlplane/torwartd/server.hpp"

#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "controlplane/torwartd/request_handler.hpp"

namespace torwart::controlplane {
namespace asio = boost::asio;
using stream = asio::local::stream_protocol;

Author peer_of(int fd) {
  ucred cred{};
  socklen_t length = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &length) != 0) {
    throw std::runtime_error(std::string("SO_PEERCRED: ") + std::strerror(errno));
  }
  Author a{cred.uid, cred.gid, cred.pid, ""};
  passwd pw{};
  passwd* found = nullptr;
  char buffer[4096];
  if (::getpwuid_r(cred.uid, &pw, buffer, sizeof buffer, &found) == 0 && found != nullptr) {
    a.name = found->pw_name;
  } else {
    a.name = "uid " + std::to_string(cred.uid);
  }
  return a;
}

class Server::Session : public std::enable_shared_from_this<Server::Session> {
 public:
  Session(ControlService& service, const std::function<void()>& after_request, stream::socket socket)
      : service_(service),
        after_request_(after_request),
        socket_(std::move(socket)),
        buffer_(kMaxRequestBytes) {}

  void start() {
    try {
      caller_ = peer_of(socket_.native_handle());
    } catch (const std::exception& e) {
      std::cerr << "torwartd: refusing a connection: " << e.what() << "\n";
      return;
    }
    read();
  }

 private:
  void read() {
    auto self = shared_from_this();
    asio::async_read_until(socket_, buffer_, '\n', [this, self](boost::system::error_code ec, size_t n) {
      if (ec == asio::error::not_found) {
        reply({{"protocol", kTorwartdProtocol},
               {"ok", false},
               {"kind", "bad_input"},
               {"error", "request larger than " + std::to_string(kMaxRequestBytes) + " bytes"},
               {"details", nlohmann::json::array()}},
              false);
        return;
      }
      if (ec) return;  // closed
      std::string line(asio::buffers_begin(buffer_.data()),
                       asio::buffers_begin(buffer_.data()) + static_cast<long>(n));
      buffer_.consume(n);
      nlohmann::json response;
      try {
        response = handle_request(service_, nlohmann::json::parse(line), caller_);
      } catch (const nlohmann::json::parse_error& e) {
        response = {{"protocol", kTorwartdProtocol},
                    {"ok", false},
                    {"kind", "bad_input"},
                    {"error", std::string("request is not JSON: ") + e.what()},
                    {"details", nlohmann::json::array()}};
      }
      if (after_request_) after_request_();
      reply(response, true);
    });
  }

  void reply(const nlohmann::json& response, bool then_read) {
    auto self = shared_from_this();
    auto text = std::make_shared<std::string>(response.dump() + "\n");
    asio::async_write(socket_, asio::buffer(*text),
                      [this, self, text, then_read](boost::system::error_code ec, size_t) {
                        if (!ec && then_read) read();
                      });
  }

  ControlService& service_;
  const std::function<void()>& after_request_;
  stream::socket socket_;
  asio::streambuf buffer_;
  Author caller_;
};

Server::Server(asio::io_context& io, ControlService& service, const std::string& socket_path, unsigned mode,
               std::function<void()> after_request)
    : service_(service), after_request_(std::move(after_request)), socket_path_(socket_path), acceptor_(io) {
  std::error_code ec;
  if (std::filesystem::path(socket_path).has_parent_path()) {
    std::filesystem::create_directories(std::filesystem::path(socket_path).parent_path(), ec);
  }
  ::unlink(socket_path.c_str());
  acceptor_.open(stream());
  acceptor_.bind(stream::endpoint(socket_path));
  if (::chmod(socket_path.c_str(), mode) != 0) {
    throw std::runtime_error("chmod " + socket_path + ": " + std::strerror(errno));
  }
  acceptor_.listen();
  accept();
}

Server::~Server() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  ::unlink(socket_path_.c_str());
}

void Server::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, stream::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) std::make_shared<Session>(service_, after_request_, std::move(socket))->start();
    accept();
  });
}

}  // namespace torwart::controlplane
