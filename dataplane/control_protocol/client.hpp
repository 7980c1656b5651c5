#pragma once
// The client side of the fast path's control socket (README.md beside this file): `torwart
// status|stats|flows|reload` and torwartd.
#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "platform/json_lines/json_line_client.hpp"

namespace torwart::control_protocol {

using FastPathUnreachable = platform::JsonLineUnreachable;

// Sends one request (the protocol version added when absent) and returns the whole reply ({"ok":…}). Throws
// FastPathUnreachable when the socket cannot be reached or answers nothing within `timeout`.
nlohmann::json fastpath_request(const std::string& socket_path, nlohmann::json request,
                                std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace torwart::control_protocol
