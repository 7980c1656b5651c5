#pragma once
// torwartctl --host: a request of torwartd's socket protocol (PROTOCOL.md) sent as its management API call
// over mutual TLS, and the answer given back in the socket protocol's shape, so that every torwartctl command
// works the same on the console and from the provider's network.
#include <chrono>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "controlplane/tls/tr02102_tls.hpp"

namespace torwart::controlplane::api {

struct RemoteBox {
  std::string host;  // name or address; the box's certificate must be issued for it
  unsigned short port = 8443;
  tls::TlsFiles files;  // the provider's CA, the caller's certificate and key (no CRL on this side)
  std::chrono::seconds timeout{120};
};

struct RemoteUnreachable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// `HOST`, `HOST:PORT`, `[IPv6]` or `[IPv6]:PORT` (port 8443 when not given); throws std::invalid_argument.
RemoteBox parse_remote_host(const std::string& text);

// {"ok": true, "result": ...} or {"ok": false, "kind", "error", "details"}; throws RemoteUnreachable when no
// answer came (name, connection, TLS handshake: the reason says which).
nlohmann::json remote_request(const RemoteBox& box, const nlohmann::json& request);

}  // namespace torwart::controlplane::api
