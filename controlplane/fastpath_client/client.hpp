#pragma once
// Client side of the fast path's control socket (dataplane/live/CONTROL_PROTOCOL.md). Used by
// `torwart status|stats|reload` now and by torwartd later.
#include <chrono>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace torwart::controlplane {

struct FastPathUnreachable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Sends one request and returns the whole response object ({"ok":…}). Throws FastPathUnreachable when the
// socket cannot be reached or answers nothing within `timeout`.
nlohmann::json fastpath_request(const std::string& socket_path, nlohmann::json request,
                                std::chrono::milliseconds timeout = std::chrono::seconds(10));

// The same exchange with any JSON-lines Unix socket server (torwartctl -> torwartd); `unreachable_hint`
// ends the message when the socket cannot be reached, `peer` names the server in messages.
nlohmann::json json_line_request(const std::string& socket_path, nlohmann::json request,
                                 std::chrono::milliseconds timeout, const std::string& peer,
                                 const std::string& unreachable_hint);

}  // namespace torwart::controlplane
