// ClientHello (RFC 8446 4.1.2, RFC 5246 7.4.1.2) and the SSLv2-compatible ClientHello (RFC 5246 E.2), parsed
// field by field as the body streams in: only one field or one extension prefix is held at a time, so a
// hello of any size (post-quantum key shares) still yields SNI, ALPN and the fingerprint lists.
#include <algorithm>

#include "dataplane/applayer/tls/tls_extensions.hpp"
#include "dataplane/applayer/tls/tls_list_walk.hpp"
#include "dataplane/applayer/tls/tls_messages.hpp"

namespace torwart::dataplane::applayer::tls {

namespace {

enum Stage : uint8_t {
  kVersionRandom = kParserStages,
  kSessionIdLength,
  kCipherSuitesLength,
  kCipherSuite,
  kCompressionLength,
  kCompressionMethods,
  kExtensionsLength,
  kV2Header,
  kV2CipherSpec,
};

constexpr uint8_t kSslv2ClientHello = 1;

TlsAnomaly after_compression(ClientHelloParser& p) {
  if (p.field_end == p.message_length) {  // a hello without extensions
    p.stage = kDone;
    return TlsAnomaly::kNone;
  }
  p.stage = kExtensionsLength;
  return expect_field(p, 0, 2, p.message_length) ? TlsAnomaly::kNone : TlsAnomaly::kHelloFieldOverrun;
}

TlsAnomaly on_v2_header(TlsFlowState& state, std::span<const uint8_t> f) {
  ClientHelloParser& p = state.client_parser;
  if (f[0] != kSslv2ClientHello) return TlsAnomaly::kBadSslv2Hello;
  state.client_hello.legacy_version = read_u16(f, 1);
  const uint16_t cipher_bytes = read_u16(f, 3);
  const uint16_t session_id = read_u16(f, 5);
  const uint16_t challenge = read_u16(f, 7);
  // SSLv2 session ids are 0 or 16 bytes, challenges 16..32 (RFC 5246 E.2 and the SSLv2 draft).
  if (cipher_bytes == 0 || cipher_bytes % 3 != 0 || session_id > 32 || challenge < 16 || challenge > 32 ||
      9u + cipher_bytes + session_id + challenge != p.message_length) {
    return TlsAnomaly::kBadSslv2Hello;
  }
  state.client_hello.session_id_length = static_cast<uint8_t>(session_id);
  p.cipher_bytes_left = cipher_bytes;
  p.stage = kV2CipherSpec;
  expect_field(p, 0, 3, p.message_length);
  return TlsAnomaly::kNone;
}

TlsAnomaly on_v2_cipher_spec(TlsFlowState& state, std::span<const uint8_t> f) {
  ClientHelloParser& p = state.client_parser;
  ClientHelloInfo& hello = state.client_hello;
  // Specs starting with 0 are TLS cipher suites; the others are SSLv2-only and have no TLS number.
  if (f[0] == 0) {
    if (hello.cipher_suite_count < kMaxCipherSuites) {
      hello.cipher_suites[hello.cipher_suite_count++] = read_u16(f, 1);
    } else {
      hello.truncated = true;
    }
  }
  p.cipher_bytes_left = static_cast<uint16_t>(p.cipher_bytes_left - 3);
  if (p.cipher_bytes_left > 0) {
    expect_field(p, 0, 3, p.message_length);
    return TlsAnomaly::kNone;
  }
  p.stage = kSkipToEnd;
  p.reader.expect(p.message_length - p.field_end, 0);
  p.field_end = p.message_length;
  return TlsAnomaly::kNone;
}

TlsAnomaly on_field(TlsFlowState& state) {
  ClientHelloParser& p = state.client_parser;
  ClientHelloInfo& hello = state.client_hello;
  const std::span<const uint8_t> f = p.reader.field();
  switch (p.stage) {
    case kVersionRandom:
      hello.legacy_version = read_u16(f, 0);
      p.stage = kSessionIdLength;
      return expect_field(p, 0, 1, p.message_length) ? TlsAnomaly::kNone : TlsAnomaly::kHelloFieldOverrun;
    case kSessionIdLength:
      if (f[0] > 32) return TlsAnomaly::kBadSessionId;
      hello.session_id_length = f[0];
      p.stage = kCipherSuitesLength;
      return expect_field(p, f[0], 2, p.message_length) ? TlsAnomaly::kNone : TlsAnomaly::kHelloFieldOverrun;
    case kCipherSuitesLength: {
      const uint16_t length = read_u16(f, 0);
      if (length == 0 || length % 2 != 0) return TlsAnomaly::kBadCipherSuites;
      p.cipher_bytes_left = length;
      p.stage = kCipherSuite;
      return expect_field(p, 0, 2, p.message_length) ? TlsAnomaly::kNone : TlsAnomaly::kHelloFieldOverrun;
    }
    case kCipherSuite:
      if (hello.cipher_suite_count < kMaxCipherSuites) {
        hello.cipher_suites[hello.cipher_suite_count++] = read_u16(f, 0);
      } else {
        hello.truncated = true;
      }
      p.cipher_bytes_left = static_cast<uint16_t>(p.cipher_bytes_left - 2);
      if (p.cipher_bytes_left > 0) {
        return expect_field(p, 0, 2, p.message_length) ? TlsAnomaly::kNone : TlsAnomaly::kHelloFieldOverrun;
      }
      p.stage = kCompressionLength;
      return expect_field(p, 0, 1, p.message_length) ? TlsAnomaly::kNone : TlsAnomaly::kHelloFieldOverrun;
    case kCompressionLength:
      if (f[0] == 0) return TlsAnomaly::kBadCompression;
      hello.compression_method_count = f[0];
      p.stage = kCompressionMethods;
      return expect_field(p, 0, f[0], p.message_length) ? TlsAnomaly::kNone : TlsAnomaly::kHelloFieldOverrun;
    case kCompressionMethods:
      return after_compression(p);
    case kExtensionsLength:
      return extensions_begin(p, read_u16(f, 0));
    case kItemHeader:
    case kItemBody:
      return extensions_field(p, hello);
    case kSkipToEnd:
      p.stage = kDone;
      return TlsAnomaly::kNone;
    case kV2Header:
      return on_v2_header(state, f);
    case kV2CipherSpec:
      return on_v2_cipher_spec(state, f);
    default:
      return TlsAnomaly::kHelloFieldOverrun;
  }
}

}  // namespace

TlsAnomaly client_hello_begin(TlsFlowState& state, uint32_t length, bool sslv2) {
  state.client_hello = ClientHelloInfo{};
  state.client_hello.sslv2 = sslv2;
  ClientHelloParser& p = state.client_parser;
  p.message_length = length;
  p.field_end = 0;
  p.list_end = 0;
  p.stage = sslv2 ? kV2Header : kVersionRandom;
  const bool fits = expect_field(p, 0, sslv2 ? 9 : 34, length);
  if (fits) return TlsAnomaly::kNone;
  return sslv2 ? TlsAnomaly::kBadSslv2Hello : TlsAnomaly::kHelloFieldOverrun;
}

TlsAnomaly client_hello_feed(TlsFlowState& state, std::span<const uint8_t> body) {
  ClientHelloParser& p = state.client_parser;
  // Each pass either completes a field (and reserves a later one) or uses up `body`.
  while (!body.empty() && p.stage != kDone) {
    if (!p.reader.collect(body)) break;
    const TlsAnomaly bad = on_field(state);
    if (bad != TlsAnomaly::kNone) return bad;
  }
  return body.empty() ? TlsAnomaly::kNone : TlsAnomaly::kHelloFieldOverrun;
}

TlsAnomaly client_hello_finish(TlsFlowState& state) {
  ClientHelloParser& p = state.client_parser;
  if (!walk_finish(p))
    return state.client_hello.sslv2 ? TlsAnomaly::kBadSslv2Hello : TlsAnomaly::kHelloFieldOverrun;
  state.client_hello.complete = true;
  return TlsAnomaly::kNone;
}

}  // namespace torwart::dataplane::applayer::tls
