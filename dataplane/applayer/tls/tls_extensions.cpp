#include "dataplane/applayer/tls/tls_extensions.hpp"

#include <algorithm>
#include <iterator>

#include "dataplane/applayer/tls/tls_list_walk.hpp"

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

TlsAnomaly parse_extension(ClientHelloInfo& hello, uint16_t type, std::span<const uint8_t> body,
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

TlsAnomaly parse_extension(ServerHelloInfo& hello, uint16_t type, std::span<const uint8_t> body,
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

// The extensions whose bodies are gathered for parse_extension; the others are only listed.
bool interpreted(const ClientHelloInfo&, uint16_t type) {
  switch (type) {
    case kExtServerName:
    case kExtSupportedGroups:
    case kExtPointFormats:
    case kExtSignatureAlgorithms:
    case kExtAlpn:
    case kExtSupportedVersions:
      return true;
    default:
      return false;
  }
}

bool interpreted(const ServerHelloInfo&, uint16_t type) {
  return type == kExtSupportedVersions || type == kExtAlpn;
}

constexpr uint16_t kExtensionHeaderBytes = 4;  // type, length

template <class Parser>
TlsAnomaly next_extension(Parser& p, uint32_t leftover) {
  return walk_next(p, leftover, kExtensionHeaderBytes) ? TlsAnomaly::kNone : TlsAnomaly::kHelloFieldOverrun;
}

template <class Parser>
TlsAnomaly begin(Parser& p, uint16_t length) {
  return walk_begin(p, length) ? next_extension(p, 0) : TlsAnomaly::kExtensionsLengthMismatch;
}

template <class Parser, class Hello>
TlsAnomaly on_header(Parser& p, Hello& hello, std::span<const uint8_t> f) {
  p.extension_type = read_u16(f, 0);
  p.extension_length = read_u16(f, 2);
  if (!walk_item(p, p.extension_length)) return TlsAnomaly::kHelloFieldOverrun;
  if (hello.extension_count < std::size(hello.extensions)) {
    hello.extensions[hello.extension_count++] = p.extension_type;
  } else {
    hello.truncated = true;
  }
  if (!interpreted(hello, p.extension_type)) return next_extension(p, p.extension_length);
  // An empty body is no field to wait for: the hello may end right after the header.
  if (p.extension_length == 0) {
    const TlsAnomaly bad = parse_extension(hello, p.extension_type, {}, 0);
    return bad != TlsAnomaly::kNone ? bad : next_extension(p, 0);
  }
  p.stage = kItemBody;
  p.reader.expect(0, p.extension_length);
  return TlsAnomaly::kNone;
}

template <class Parser, class Hello>
TlsAnomaly on_field(Parser& p, Hello& hello) {
  const std::span<const uint8_t> f = p.reader.field();
  if (p.stage == kItemHeader) return on_header(p, hello, f);
  const TlsAnomaly bad = parse_extension(hello, p.extension_type, f, p.extension_length);
  return bad != TlsAnomaly::kNone ? bad : next_extension(p, p.extension_length - p.reader.have);
}

}  // namespace

TlsAnomaly extensions_begin(ClientHelloParser& p, uint16_t length) {
  return begin(p, length);
}
TlsAnomaly extensions_begin(ServerHelloParser& p, uint16_t length) {
  return begin(p, length);
}
TlsAnomaly extensions_field(ClientHelloParser& p, ClientHelloInfo& hello) {
  return on_field(p, hello);
}
TlsAnomaly extensions_field(ServerHelloParser& p, ServerHelloInfo& hello) {
  return on_field(p, hello);
}

}  // namespace torwart::dataplane::applayer::tls
