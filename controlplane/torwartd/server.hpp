#pragma once
// torwartd's local socket: a Unix stream socket, one JSON object per line each way (PROTOCOL.md). The
// caller's identity is taken from the socket (SO_PEERCRED), never from the request. Requests are handled
// one at a time on the io_context thread, which serialises all changes.
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include "controlplane/torwartd/service.hpp"

namespace torwart::controlplane {

inline constexpr size_t kMaxRequestBytes = size_t{64} << 20;  // an exported history can be large

class Server {
 public:
  // Removes a stale socket file, binds, sets `mode` (e.g. 0660) and starts accepting.
  // `after_request` runs after every answered request (torwartd re-arms its timers there).
  Server(boost::asio::io_context& io, ControlService& service, const std::string& socket_path, unsigned mode,
         std::function<void()> after_request);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

 private:
  class Session;
  void accept();

  ControlService& service_;
  std::function<void()> after_request_;
  std::string socket_path_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
};

// The caller of a connected Unix socket (SO_PEERCRED), with the user name from the password database.
Author peer_of(int fd);

}  // namespace torwart::controlplane
