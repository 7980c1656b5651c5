// ServerHello (RFC 8446 4.1.3, RFC 5246 7.4.1.3), parsed field by field as the body streams in.
#include <algorithm>

#include "dataplane/applayer/tls/tls_extensions.hpp"
#include "dataplane/applayer/tls/tls_messages.hpp"

namespace torwart::dataplane::applayer::tls {

namespace {

enum Stage : uint8_t {
  kVersionRandom,
  kSessionIdLength,
  kCipherCompression,
  kExtensionsLength,
  kExtensionHeader,
  kExtensionBody,
  kSkipToEnd,
  kDone,
};

// SHA-256 of "HelloRetryRequest": the random of a ServerHello that is really a HelloRetryRequest.
constexpr uint8_t kHelloRetryRandom[32] = {0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
                                           0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
                                           0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

bool interesting(uint16_t type) {
  return type == kExtSupportedVersions || type == kExtAlpn;
}

TlsAnomaly next_extension(ServerHelloParser& p, uint32_t leftover) {
  if (p.field_end == p.extensions_end) {
    p.stage = kSkipToEnd;
    p.reader.expect(leftover, 0);
    return TlsAnomaly::kNone;
  }
  p.stage = kExtensionHeader;
  if (uint64_t{p.field_end} + 4 > p.extensions_end) return TlsAnomaly::kHelloFieldOverrun;
  p.field_end += 4;
  p.reader.expect(leftover, 4);
  return TlsAnomaly::kNone;
}

TlsAnomaly on_extension_header(TlsFlowState& state, std::span<const uint8_t> f) {
  ServerHelloParser& p = state.server_parser;
  ServerHelloInfo& hello = state.server_hello;
  p.extension_type = read_u16(f, 0);
  p.extension_length = read_u16(f, 2);
  if (uint64_t{p.field_end} + p.extension_length > p.extensions_end) return TlsAnomaly::kHelloFieldOverrun;
  p.field_end += p.extension_length;
  if (hello.extension_count < kMaxServerExtensions) {
    hello.extensions[hello.extension_count++] = p.extension_type;
  } else {
    hello.truncated = true;
  }
  if (!interesting(p.extension_type)) return next_extension(p, p.extension_length);
  if (p.extension_length == 0) return TlsAnomaly::kBadExtension;  // both interpreted ones carry a value
  p.stage = kExtensionBody;
  p.reader.expect(0, p.extension_length);
  return TlsAnomaly::kNone;
}

TlsAnomaly on_field(TlsFlowState& state) {
  ServerHelloParser& p = state.server_parser;
  ServerHelloInfo& hello = state.server_hello;
  const std::span<const uint8_t> f = p.reader.field();
  switch (p.stage) {
    case kVersionRandom:
      hello.legacy_version = read_u16(f, 0);
      hello.selected_version = hello.legacy_version;
      hello.hello_retry = std::equal(f.begin() + 2, f.begin() + 34, std::begin(kHelloRetryRandom));
      p.stage = kSessionIdLength;
      return expect_field(p, 0, 1, p.message_length) ? TlsAnomaly::kNone : TlsAnomaly::kHelloFieldOverrun;
    case kSessionIdLength:
      if (f[0] > 32) return TlsAnomaly::kBadSessionId;
      p.stage = kCipherCompression;
      return expect_field(p, f[0], 3, p.message_length) ? TlsAnomaly::kNone : TlsAnomaly::kHelloFieldOverrun;
    case kCipherCompression:
      hello.cipher_suite = read_u16(f, 0);
      hello.compression_method = f[2];
      if (p.field_end == p.message_length) {
        p.stage = kDone;
        return TlsAnomaly::kNone;
      }
      p.stage = kExtensionsLength;
      return expect_field(p, 0, 2, p.message_length) ? TlsAnomaly::kNone : TlsAnomaly::kHelloFieldOverrun;
    case kExtensionsLength: {
      const uint16_t length = read_u16(f, 0);
      if (uint64_t{p.field_end} + length != p.message_length) return TlsAnomaly::kExtensionsLengthMismatch;
      p.extensions_end = p.message_length;
      if (length == 0) {
        p.stage = kDone;
        return TlsAnomaly::kNone;
      }
      return next_extension(p, 0);
    }
    case kExtensionHeader:
      return on_extension_header(state, f);
    case kExtensionBody: {
      const TlsAnomaly bad = parse_server_extension(hello, p.extension_type, f, p.extension_length);
      return bad != TlsAnomaly::kNone ? bad : next_extension(p, p.extension_length - p.reader.have);
    }
    case kSkipToEnd:
      p.stage = kDone;
      return TlsAnomaly::kNone;
    default:
      return TlsAnomaly::kHelloFieldOverrun;
  }
}

}  // namespace

TlsAnomaly server_hello_begin(TlsFlowState& state, uint32_t length) {
  state.server_hello = ServerHelloInfo{};
  ServerHelloParser& p = state.server_parser;
  p.message_length = length;
  p.field_end = 0;
  p.extensions_end = 0;
  p.stage = kVersionRandom;
  return expect_field(p, 0, 34, length) ? TlsAnomaly::kNone : TlsAnomaly::kHelloFieldOverrun;
}

TlsAnomaly server_hello_feed(TlsFlowState& state, std::span<const uint8_t> body) {
  ServerHelloParser& p = state.server_parser;
  while (!body.empty() && p.stage != kDone) {
    if (!p.reader.collect(body)) break;
    const TlsAnomaly bad = on_field(state);
    if (bad != TlsAnomaly::kNone) return bad;
  }
  return body.empty() ? TlsAnomaly::kNone : TlsAnomaly::kHelloFieldOverrun;
}

TlsAnomaly server_hello_finish(TlsFlowState& state) {
  ServerHelloParser& p = state.server_parser;
  if (p.stage == kSkipToEnd && p.reader.skip == 0) p.stage = kDone;
  if (p.stage != kDone) return TlsAnomaly::kHelloFieldOverrun;
  state.server_hello.complete = true;
  return TlsAnomaly::kNone;
}

}  // namespace torwart::dataplane::applayer::tls
