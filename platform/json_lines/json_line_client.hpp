#pragma once
// The client side of a local JSON-lines server (json_line_server.hpp): one request, one answer.
#include <chrono>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace torwart::platform {

struct JsonLineUnreachable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Sends `request` as one line and returns the answer's object. Throws JsonLineUnreachable when the socket
// cannot be reached, answers nothing within `timeout`, or answers something that is not JSON; `peer` names
// the server in messages and `unreachable_hint` ends the message when the socket cannot be reached.
nlohmann::json json_line_request(const std::string& socket_path, const nlohmann::json& request,
                                 std::chrono::milliseconds timeout, const std::string& peer,
                                 const std::string& unreachable_hint);

}  // namespace torwart::platform
