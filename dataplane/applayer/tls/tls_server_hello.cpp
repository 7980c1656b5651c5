// ServerHello (RFC 8446 4.1.3, RFC 5246 7.4.1.3), parsed field by field as the body streams in.
#include <algorithm>

#include "dataplane/applayer/tls/tls_extensions.hpp"
#include "dataplane/applayer/tls/tls_list_walk.hpp"
#include "dataplane/applayer/tls/tls_messages.hpp"

namespace torwart::dataplane::applayer::tls {

namespace {

enum Stage : uint8_t {
  kVersionRandom = kParserStages,
  kSessionIdLength,
  kCipherCompression,
  kExtensionsLength
};

// SHA-256 of "HelloRetryRequest": the random of a ServerHello that is really a HelloRetryRequest.
constexpr uint8_t kHelloRetryRandom[32] = {0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
                                           0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
                                           0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

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
    case kExtensionsLength:
      return extensions_begin(p, read_u16(f, 0));
    case kItemHeader:
    case kItemBody:
      return extensions_field(p, hello);
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
  p.list_end = 0;
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
  if (!walk_finish(p)) return TlsAnomaly::kHelloFieldOverrun;
  state.server_hello.complete = true;
  return TlsAnomaly::kNone;
}

}  // namespace torwart::dataplane::applayer::tls
