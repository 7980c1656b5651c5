#pragma once
// Content probe: does a direction's first bytes look like HTTP/1.x?
#include <cstdint>
#include <span>

#include "dataplane/applayer/common.hpp"

namespace torwart::dataplane::applayer::http {

// To the server: a known method (RFC 9110, WebDAV RFC 4918/3253/3648/3744/5323/5842, PATCH RFC 5789)
// followed by a space. To the client: "HTTP/1." and a digit.
ProbeResult probe_http(Direction direction, std::span<const uint8_t> first_bytes);

}  // namespace torwart::dataplane::applayer::http
