// Certificate message of TLS <= 1.2 (RFC 5246 7.4.2): the chain is counted; of the first (leaf) certificate,
// the SHA-1 fingerprint is computed as its bytes stream by and only its first kCertificatePrefixBytes are
// kept for the DER walker, so no certificate is ever buffered whole.
#include <algorithm>

#include "dataplane/applayer/tls/tls_digest.hpp"
#include "dataplane/applayer/tls/tls_messages.hpp"
#include "dataplane/applayer/tls/x509_fields.hpp"

namespace torwart::dataplane::applayer::tls {

namespace {

enum Stage : uint8_t { kListLength, kCertificateLength, kLeafBody, kSkipToEnd, kDone };

void format_fingerprint(const uint8_t (&digest)[20], FixedString<59>& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.clear();
  for (size_t i = 0; i < sizeof(digest); ++i) {
    const char text[3] = {':', kHex[digest[i] >> 4], kHex[digest[i] & 0xf]};
    out.append(i == 0 ? std::string_view{text + 1, 2} : std::string_view{text, 3});
  }
}

// The next certificate's 3-byte length, or the end of the list after `leftover` more bytes.
TlsAnomaly next_certificate(CertificateParser& p, uint32_t leftover) {
  if (p.field_end == p.list_end) {
    p.stage = kSkipToEnd;
    p.reader.expect(leftover, 0);
    return TlsAnomaly::kNone;
  }
  p.stage = kCertificateLength;
  return expect_field(p, leftover, 3, p.list_end) ? TlsAnomaly::kNone : TlsAnomaly::kBadCertificateList;
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
    case kListLength: {
      const uint32_t length = read_u24(f, 0);
      if (uint64_t{p.field_end} + length != p.message_length) return TlsAnomaly::kBadCertificateList;
      p.list_end = p.message_length;
      return next_certificate(p, 0);
    }
    case kCertificateLength: {
      const uint32_t length = read_u24(f, 0);
      // The expect above ended exactly on this field; the certificate must fit the rest of the list.
      if (length == 0 || uint64_t{p.field_end} + length > p.list_end) return TlsAnomaly::kBadCertificateList;
      ++info.chain_length;
      if (info.chain_length > 1) {
        // Skip this certificate, then read the next length (or end).
        const uint32_t after = p.field_end + length;
        if (after == p.list_end) {
          p.field_end = after;
          p.stage = kSkipToEnd;
          p.reader.expect(length, 0);
          return TlsAnomaly::kNone;
        }
        p.stage = kCertificateLength;
        return expect_field(p, length, 3, p.list_end) ? TlsAnomaly::kNone : TlsAnomaly::kBadCertificateList;
      }
      info.leaf_length = length;
      p.leaf_remaining = length;
      p.prefix_length = 0;
      p.field_end += length;
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
  if (p.stage == kSkipToEnd && p.reader.skip == 0) p.stage = kDone;
  if (p.stage != kDone) return TlsAnomaly::kBadCertificateList;
  state.certificate.complete = true;
  return TlsAnomaly::kNone;
}

}  // namespace torwart::dataplane::applayer::tls
