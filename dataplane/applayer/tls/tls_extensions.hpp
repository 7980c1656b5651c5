#pragma once
// Internal: the hello extensions the parser interprets (RFC 6066, 7301, 8422, 8446), each from the prefix of
// its body that was gathered (`body`, at most the parser's field capacity) and its declared `length`.
#include <cstdint>
#include <span>

#include "dataplane/applayer/tls/tls_state.hpp"

namespace torwart::dataplane::applayer::tls {

inline constexpr uint16_t kExtServerName = 0;
inline constexpr uint16_t kExtSupportedGroups = 10;
inline constexpr uint16_t kExtPointFormats = 11;
inline constexpr uint16_t kExtSignatureAlgorithms = 13;
inline constexpr uint16_t kExtAlpn = 16;
inline constexpr uint16_t kExtSupportedVersions = 43;

// kBadExtension when the body's own lengths disagree with `length`; a body cut short only truncates.
TlsAnomaly parse_client_extension(ClientHelloInfo& hello, uint16_t type, std::span<const uint8_t> body,
                                  uint16_t length);
TlsAnomaly parse_server_extension(ServerHelloInfo& hello, uint16_t type, std::span<const uint8_t> body,
                                  uint16_t length);

}  // namespace torwart::dataplane::applayer::tls
