#include "dataplane/applayer/tls/tls_extensions.hpp"

#include <algorithm>

namespace torwart::dataplane::applayer::tls {

namespace {

constexpr uint8_t kHostName = 0;

// A list of `width`-byte values after a `prefix_bytes` length field that must fill the extension exactly.
template <class Value, size_t Cap, class Count>
bool parse_list(std::span<const uint8_t> body, uint16_t length, size_t prefix_bytes, size_t width,
                Value (&out)[Cap], Count& count, bool& truncated) {
  if (length < prefix_bytes || body.size() < prefix_bytes) return false;
  const size_t list_length = prefix_bytes == 2 ? read_u16(body, 0) : body[0];
  if (list_length + prefix_bytes != length || list_length % width != 0) return false;
  const size_t held = std::min(list_length, body.size() - prefix_bytes) / width * width;
  count = 0;
  for (size_t at = prefix_bytes; at < prefix_bytes + held; at += width) {
    if (count >= Cap) {
      truncated = true;
      break;
    }
    out[count++] = static_cast<Value>(width == 2 ? read_u16(body, at) : body[at]);
  }
  if (held < list_length) truncated = true;
  return true;
}

bool parse_server_name(ClientHelloInfo& hello, std::span<const uint8_t> body, uint16_t length) {
  hello.has_sni = true;
  if (length == 0) return false;  // a client must name a server (only the server's echo is empty)
  if (body.size() < 2 || read_u16(body, 0) + 2u != length) return false;
  size_t at = 2;
  while (at < length) {
    if (at + 3 > body.size()) {  // the rest lies beyond the examined prefix
      hello.truncated = true;
      return true;
    }
    const uint8_t name_type = body[at];
    const size_t name_length = read_u16(body, at + 1);
    if (at + 3 + name_length > length) return false;
    if (name_type == kHostName && hello.sni.empty() && !hello.sni.truncated) {
      const size_t held = std::min(name_length, body.size() - (at + 3));
      hello.sni.assign(as_text(body.subspan(at + 3, held)));
      if (held < name_length) hello.sni.truncated = true;
      if (hello.sni.truncated) hello.truncated = true;
    }
    at += 3 + name_length;
  }
  return true;
}

bool parse_alpn(ClientHelloInfo& hello, std::span<const uint8_t> body, uint16_t length) {
  hello.has_alpn = true;
  if (body.size() < 2 || read_u16(body, 0) + 2u != length || length == 2) return false;
  hello.alpn.clear();
  size_t at = 2;
  bool first = true;
  while (at < length) {
    if (at + 1 > body.size()) {
      hello.truncated = true;
      return true;
    }
    const size_t name_length = body[at];
    if (name_length == 0 || at + 1 + name_length > length) return false;
    const size_t held = std::min(name_length, body.size() - (at + 1));
    const std::span<const uint8_t> name = body.subspan(at + 1, held);
    if (first) {
      // The prefix holds at least 2 + 1 + 255 bytes, so the first name is always whole.
      hello.first_alpn_length = static_cast<uint8_t>(name_length);
      hello.first_alpn_first = name.front();
      hello.first_alpn_last = name.back();
    } else {
      hello.alpn.append(",");
    }
    hello.alpn.append(as_text(name));
    if (held < name_length) hello.alpn.truncated = true;
    if (hello.alpn.truncated) hello.truncated = true;
    first = false;
    at += 1 + name_length;
  }
  return true;
}

}  // namespace

TlsAnomaly parse_client_extension(ClientHelloInfo& hello, uint16_t type, std::span<const uint8_t> body,
                                  uint16_t length) {
  bool ok = true;
  switch (type) {
    case kExtServerName:
      ok = parse_server_name(hello, body, length);
      break;
    case kExtAlpn:
      ok = parse_alpn(hello, body, length);
      break;
    case kExtSupportedGroups:
      ok = parse_list(body, length, 2, 2, hello.groups, hello.group_count, hello.truncated);
      break;
    case kExtPointFormats:
      ok = parse_list(body, length, 1, 1, hello.point_formats, hello.point_format_count, hello.truncated);
      break;
    case kExtSignatureAlgorithms:
      ok = parse_list(body, length, 2, 2, hello.signature_algorithms, hello.signature_algorithm_count,
                      hello.truncated);
      break;
    case kExtSupportedVersions:
      hello.has_supported_versions = true;
      ok = parse_list(body, length, 1, 2, hello.supported_versions, hello.supported_version_count,
                      hello.truncated);
      break;
    default:
      break;
  }
  return ok ? TlsAnomaly::kNone : TlsAnomaly::kBadExtension;
}

TlsAnomaly parse_server_extension(ServerHelloInfo& hello, uint16_t type, std::span<const uint8_t> body,
                                  uint16_t length) {
  if (type == kExtSupportedVersions) {
    if (length != 2 || body.size() != 2) return TlsAnomaly::kBadExtension;
    hello.selected_version = read_u16(body, 0);
  } else if (type == kExtAlpn) {
    // Exactly one protocol: list length, name length, name (RFC 7301 3.1).
    if (length < 4 || body.size() < 3 || read_u16(body, 0) + 2u != length || body[2] + 3u != length) {
      return TlsAnomaly::kBadExtension;
    }
    hello.alpn.assign(as_text(body.subspan(3)));
    if (body.size() < length) hello.alpn.truncated = true;
    if (hello.alpn.truncated) hello.truncated = true;
  }
  return TlsAnomaly::kNone;
}

}  // namespace torwart::dataplane::applayer::tls
