#pragma once
// Internal: the extension block of a hello (RFC 8446 4.2), walked as it streams in, and the extensions the
// parser interprets (RFC 6066, 7301, 8422, 8446), each from the prefix of its body that was gathered (at most
// the parser's field capacity) and its declared length.
#include <cstdint>

#include "dataplane/applayer/tls/tls_state.hpp"

namespace torwart::dataplane::applayer::tls {

inline constexpr uint16_t kExtServerName = 0;
inline constexpr uint16_t kExtSupportedGroups = 10;
inline constexpr uint16_t kExtPointFormats = 11;
inline constexpr uint16_t kExtSignatureAlgorithms = 13;
inline constexpr uint16_t kExtAlpn = 16;
inline constexpr uint16_t kExtSupportedVersions = 43;

// The block's 2-byte length was read at field_end; kExtensionsLengthMismatch unless it ends the hello.
TlsAnomaly extensions_begin(ClientHelloParser& p, uint16_t length);
TlsAnomaly extensions_begin(ServerHelloParser& p, uint16_t length);

// A field of the block is complete (stage kItemHeader or kItemBody). kBadExtension when an interpreted
// body's own lengths disagree with the extension's; a body cut short only truncates.
TlsAnomaly extensions_field(ClientHelloParser& p, ClientHelloInfo& hello);
TlsAnomaly extensions_field(ServerHelloParser& p, ServerHelloInfo& hello);

}  // namespace torwart::dataplane::applayer::tls
