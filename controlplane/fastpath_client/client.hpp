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

}  // namespace torwart::controlplane
