#pragma once
// torwartd's local socket: the shared JSON-lines server (platform/json_lines/) speaking PROTOCOL.md. The
// caller's identity is taken from the socket (SO_PEERCRED), never from the request. Requests are handled one
// at a time on the io_context thread, which serialises all changes.
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "controlplane/torwartd/service.hpp"
#include "platform/json_lines/json_line_server.hpp"

namespace torwart::controlplane {

inline constexpr size_t kMaxRequestBytes = size_t{64} << 20;  // an exported history can be large

class Server {
 public:
  // Removes a stale socket file, binds, sets `mode` (e.g. 0660) and starts accepting; throws naming the path
  // when any of it fails. `after_request` runs after every answered request (torwartd re-arms its timers).
  Server(boost::asio::io_context& io, ControlService& service, const std::string& socket_path, unsigned mode,
         std::function<void()> after_request);

 private:
  std::unique_ptr<platform::JsonLineServer> server_;
};

// The caller as the audit log names it: credentials and the user name from the password database.
Author author_of(const platform::PeerCredentials& peer);

}  // namespace torwart::controlplane
