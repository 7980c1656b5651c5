#include "controlplane/torwartd/server.hpp"

#include <pwd.h>

#include "controlplane/torwartd/request_handler.hpp"

namespace torwart::controlplane {

Author author_of(const platform::PeerCredentials& peer) {
  Author a;
  a.uid = peer.uid;
  a.gid = peer.gid;
  a.pid = peer.pid;
  // Whoever may open the socket is on the box itself: root's way in when the API is unreachable.
  a.via = "local socket";
  passwd pw{};
  passwd* found = nullptr;
  char buffer[4096];
  if (::getpwuid_r(peer.uid, &pw, buffer, sizeof buffer, &found) == 0 && found != nullptr) {
    a.name = found->pw_name;
  } else {
    a.name = "uid " + std::to_string(peer.uid);
  }
  return a;
}

Server::Server(boost::asio::io_context& io, ControlService& service, const std::string& socket_path,
               unsigned mode, std::function<void()> after_request) {
  platform::JsonLineHandlers handlers;
  handlers.request = [&service](const nlohmann::json& request, const platform::PeerCredentials& peer) {
    return handle_request(service, request, author_of(peer));
  };
  handlers.refusal = [](const std::string& reason) {
    return nlohmann::json{{"protocol", kTorwartdProtocol},
                          {"ok", false},
                          {"kind", "bad_input"},
                          {"error", reason},
                          {"details", nlohmann::json::array()}};
  };
  handlers.after_request = std::move(after_request);
  server_ = std::make_unique<platform::JsonLineServer>(io, socket_path, mode, kMaxRequestBytes,
                                                       std::move(handlers));
}

}  // namespace torwart::controlplane
