// Certificate message of TLS <= 1.2 (RFC 5246 7.4.2): the chain is counted; of the first (leaf) certificate,
// the SHA-1 fingerprint is computed as its bytes stream by and only its first kCertificatePrefixBytes are
// kept for the DER walker, so no certificate is ever buffered whole.
#include <algorithm>

#include "dataplane/applayer/tls/tls_digest.hpp"
#include "dataplane/applayer/tls/tls_list_walk.hpp"
#include "dataplane/applayer/tls/tls_messages.hpp"
#include "dataplane/applayer/tls/x509_fields.hpp"

namespace torwart::dataplane::applayer::tls {

namespace {

// A certificate's header is its 3-byte length (kItemHeader); only the leaf's body is read (kLeafBody).
enum Stage : uint8_t { kListLength = kParserStages, kLeafBody };

void format_fingerprint(const uint8_t (&digest)[20], FixedString<59>& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.clear();
  for (size_t i = 0; i < sizeof(digest); ++i) {
    const char text[3] = {':', kHex[digest[i] >> 4], kHex[digest[i] & 0xf]};
    out.append(i == 0 ? std::string_view{text + 1, 2} : std::string_view{text, 3});
  }
}

TlsAnomaly next_certificate(CertificateParser& p, uint32_t leftover) {
  return walk_next(p, leftover, 3) ? TlsAnomaly::kNone : TlsAnomaly::kBadCertificateList;
}

TlsAnomaly finish_leaf(TlsFlowState& state) {
  CertificateParser& p = state.certificate_parser;
  CertificateInfo& info = state.certificate;
  uint8_t digest[20];
  sha1_finish(p.sha1, digest);
  format_fingerprint(digest, info.sha1);
  const TlsAnomaly bad = read_certificate_fields({p.prefix, p.prefix_length}, info.leaf_length, info);
  return bad != TlsAnomaly::kNone ? bad : next_certificate(p, 0);
}

TlsAnomaly on_field(TlsFlowState& state) {
  CertificateParser& p = state.certificate_parser;
  CertificateInfo& info = state.certificate;
  const std::span<const uint8_t> f = p.reader.field();
  switch (p.stage) {
    case kListLength:
      return walk_begin(p, read_u24(f, 0)) ? next_certificate(p, 0) : TlsAnomaly::kBadCertificateList;
    case kItemHeader: {
      const uint32_t length = read_u24(f, 0);
      if (length == 0 || !walk_item(p, length)) return TlsAnomaly::kBadCertificateList;
      if (++info.chain_length > 1) return next_certificate(p, length);  // only the leaf is read
      info.leaf_length = length;
      p.leaf_remaining = length;
      p.prefix_length = 0;
      sha1_begin(p.sha1);
      p.stage = kLeafBody;
      return TlsAnomaly::kNone;
    }
    case kSkipToEnd:
      p.stage = kDone;
      return TlsAnomaly::kNone;
    default:
      return TlsAnomaly::kBadCertificateList;
  }
}

}  // namespace

TlsAnomaly certificate_begin(TlsFlowState& state, uint32_t length) {
  state.certificate = CertificateInfo{};
  CertificateParser& p = state.certificate_parser;
  p.message_length = length;
  p.field_end = 0;
  p.list_end = 0;
  p.leaf_remaining = 0;
  p.prefix_length = 0;
  p.stage = kListLength;
  return expect_field(p, 0, 3, length) ? TlsAnomaly::kNone : TlsAnomaly::kBadCertificateList;
}

TlsAnomaly certificate_feed(TlsFlowState& state, std::span<const uint8_t> body) {
  CertificateParser& p = state.certificate_parser;
  while (!body.empty() && p.stage != kDone) {
    if (p.stage == kLeafBody) {
      const size_t n = std::min<size_t>(p.leaf_remaining, body.size());
      const std::span<const uint8_t> piece = body.first(n);
      sha1_update(p.sha1, piece);
      const size_t keep = std::min(n, kCertificatePrefixBytes - p.prefix_length);
      std::copy_n(piece.data(), keep, p.prefix + p.prefix_length);
      p.prefix_length = static_cast<uint16_t>(p.prefix_length + keep);
      p.leaf_remaining -= static_cast<uint32_t>(n);
      body = body.subspan(n);
      if (p.leaf_remaining == 0) {
        const TlsAnomaly bad = finish_leaf(state);
        if (bad != TlsAnomaly::kNone) return bad;
      }
      continue;
    }
    if (!p.reader.collect(body)) break;
    const TlsAnomaly bad = on_field(state);
    if (bad != TlsAnomaly::kNone) return bad;
  }
  return body.empty() ? TlsAnomaly::kNone : TlsAnomaly::kBadCertificateList;
}

TlsAnomaly certificate_finish(TlsFlowState& state) {
  CertificateParser& p = state.certificate_parser;
  if (!walk_finish(p)) return TlsAnomaly::kBadCertificateList;
  state.certificate.complete = true;
  return TlsAnomaly::kNone;
}

}  // namespace torwart::dataplane::applayer::tls
