#include "dataplane/applayer/tls/x509_fields.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>

namespace torwart::dataplane::applayer::tls {

namespace {

constexpr uint8_t kTagInteger = 0x02;
constexpr uint8_t kTagOid = 0x06;
constexpr uint8_t kTagUtcTime = 0x17;
constexpr uint8_t kTagGeneralizedTime = 0x18;
constexpr uint8_t kTagBmpString = 0x1e;
constexpr uint8_t kTagSequence = 0x30;
constexpr uint8_t kTagSet = 0x31;
constexpr uint8_t kTagVersion = 0xa0;  // [0] EXPLICIT
constexpr size_t kMaxOidBytes = 32;

enum class Walk : uint8_t { kOk, kBeyondPrefix, kMalformed };

struct DerElement {
  uint8_t tag = 0;
  size_t content = 0;  // offset of the contents
  size_t end = 0;      // offset just past the element
};

// Reads the element header at `at`, which must end by `limit` (the enclosing element's end, possibly past
// the prefix). Only single-byte tags and definite lengths of up to 4 bytes exist in certificates.
Walk read_element(std::span<const uint8_t> der, size_t at, size_t limit, DerElement& e) {
  if (at + 2 > limit) return Walk::kMalformed;
  if (at + 2 > der.size()) return Walk::kBeyondPrefix;
  e.tag = der[at];
  if ((e.tag & 0x1f) == 0x1f) return Walk::kMalformed;
  size_t length = der[at + 1];
  size_t header = 2;
  if (length & 0x80) {
    const size_t count = length & 0x7f;
    if (count == 0 || count > 4) return Walk::kMalformed;
    if (at + 2 + count > limit) return Walk::kMalformed;
    if (at + 2 + count > der.size()) return Walk::kBeyondPrefix;
    length = 0;
    for (size_t i = 0; i < count; ++i) length = (length << 8) | der[at + 2 + i];
    header += count;
  }
  e.content = at + header;
  if (length > limit - e.content) return Walk::kMalformed;
  e.end = e.content + length;
  return Walk::kOk;
}

Walk read_expected(std::span<const uint8_t> der, size_t at, size_t limit, uint8_t tag, DerElement& e) {
  const Walk w = read_element(der, at, limit, e);
  if (w != Walk::kOk) return w;
  return e.tag == tag ? Walk::kOk : Walk::kMalformed;
}

std::string_view attribute_name(std::span<const uint8_t> oid) {
  static constexpr uint8_t kX520[] = {0x55, 0x04};
  static constexpr uint8_t kEmail[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01};
  static constexpr uint8_t kDomainComponent[] = {0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19};
  static constexpr uint8_t kUserId[] = {0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01};
  if (oid.size() == 3 && std::equal(kX520, kX520 + 2, oid.begin())) {
    switch (oid[2]) {
      case 3:
        return "CN";
      case 4:
        return "SN";
      case 5:
        return "serialNumber";
      case 6:
        return "C";
      case 7:
        return "L";
      case 8:
        return "ST";
      case 9:
        return "street";
      case 10:
        return "O";
      case 11:
        return "OU";
      case 12:
        return "title";
      case 17:
        return "postalCode";
      case 42:
        return "GN";
      case 43:
        return "initials";
      case 46:
        return "dnQualifier";
      case 65:
        return "pseudonym";
      default:
        return {};
    }
  }
  const auto is = [&](std::span<const uint8_t> known) { return std::ranges::equal(oid, known); };
  if (is(kEmail)) return "emailAddress";
  if (is(kDomainComponent)) return "DC";
  if (is(kUserId)) return "UID";
  return {};
}

template <size_t N>
void append_number(FixedString<N>& out, uint64_t value) {
  char digits[20];
  size_t n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0 && n < sizeof(digits));
  std::reverse(digits, digits + n);
  out.append({digits, n});
}

// An unnamed attribute type is printed as its dotted OID.
template <size_t N>
bool append_dotted_oid(FixedString<N>& out, std::span<const uint8_t> oid) {
  if (oid.empty() || oid.size() > kMaxOidBytes) return false;
  uint64_t arc = 0;
  bool first = true;
  for (const uint8_t byte : oid) {
    arc = (arc << 7) | (byte & 0x7f);
    if (byte & 0x80) continue;
    if (first) {
      const uint64_t top = std::min<uint64_t>(arc / 40, 2);
      append_number(out, top);
      out.append(".");
      append_number(out, arc - top * 40);
      first = false;
    } else {
      out.append(".");
      append_number(out, arc);
    }
    arc = 0;
  }
  return (oid.back() & 0x80) == 0;
}

// Text as it is; control bytes become '?'. BMPString keeps its Latin-1 range only.
template <size_t N>
void append_value(FixedString<N>& out, uint8_t tag, std::span<const uint8_t> value) {
  const size_t step = tag == kTagBmpString ? 2 : 1;
  for (size_t i = 0; i + step <= value.size() && !out.truncated; i += step) {
    uint8_t c = value[i + step - 1];
    if (step == 2 && value[i] != 0) c = '?';
    if (c < 0x20 || c == 0x7f) c = '?';
    const char text = static_cast<char>(c);
    out.append({&text, 1});
  }
}

// Name ::= SEQUENCE OF SET OF { type OID, value } as "C=DE, O=Example, CN=host" (multi-valued RDNs joined by
// " + "), in the order of the certificate.
template <size_t N>
bool format_name(std::span<const uint8_t> der, const DerElement& name, FixedString<N>& out) {
  out.clear();
  bool first = true;
  for (size_t at = name.content; at < name.end;) {
    DerElement rdn;
    if (read_expected(der, at, name.end, kTagSet, rdn) != Walk::kOk) return false;
    for (size_t inner = rdn.content; inner < rdn.end;) {
      DerElement attribute;
      DerElement type;
      DerElement value;
      if (read_expected(der, inner, rdn.end, kTagSequence, attribute) != Walk::kOk) return false;
      if (read_expected(der, attribute.content, attribute.end, kTagOid, type) != Walk::kOk) return false;
      if (read_element(der, type.end, attribute.end, value) != Walk::kOk || value.end != attribute.end) {
        return false;
      }
      if (!first) out.append(inner == rdn.content ? ", " : " + ");
      first = false;
      const std::span<const uint8_t> oid = der.subspan(type.content, type.end - type.content);
      const std::string_view label = attribute_name(oid);
      if (!label.empty()) {
        out.append(label);
      } else if (!append_dotted_oid(out, oid)) {
        return false;
      }
      out.append("=");
      append_value(out, value.tag, der.subspan(value.content, value.end - value.content));
      inner = attribute.end;
    }
    at = rdn.end;
  }
  return true;
}

bool all_digits(std::span<const uint8_t> text) {
  return std::all_of(text.begin(), text.end(), [](uint8_t c) { return c >= '0' && c <= '9'; });
}

// UTCTime YYMMDDHHMM[SS]Z (years 1950..2049, RFC 5280 4.1.2.5.1) or GeneralizedTime YYYYMMDDHHMMSSZ.
bool format_time(std::span<const uint8_t> der, const DerElement& time, FixedString<20>& out) {
  const std::span<const uint8_t> text = der.subspan(time.content, time.end - time.content);
  char year[4];
  std::span<const uint8_t> rest;
  if (time.tag == kTagUtcTime && (text.size() == 13 || text.size() == 11)) {
    if (!all_digits(text.first(text.size() - 1))) return false;
    const bool old = text[0] >= '5';
    year[0] = old ? '1' : '2';
    year[1] = old ? '9' : '0';
    year[2] = static_cast<char>(text[0]);
    year[3] = static_cast<char>(text[1]);
    rest = text.subspan(2, text.size() - 3);
  } else if (time.tag == kTagGeneralizedTime && text.size() == 15) {
    if (!all_digits(text.first(14))) return false;
    std::copy_n(text.begin(), 4, year);
    rest = text.subspan(4, 10);
  } else {
    return false;
  }
  if (text.back() != 'Z') return false;
  const auto pair = [&](size_t i) -> std::string_view {
    if (i * 2 + 2 > rest.size()) return "00";
    return {reinterpret_cast<const char*>(rest.data()) + i * 2, 2};
  };
  out.clear();
  out.append({year, 4});
  out.append("-");
  out.append(pair(0));
  out.append("-");
  out.append(pair(1));
  out.append("T");
  out.append(pair(2));
  out.append(":");
  out.append(pair(3));
  out.append(":");
  out.append(pair(4));
  return true;
}

void format_serial(std::span<const uint8_t> value, FixedString<64>& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out.clear();
  for (size_t i = 0; i < value.size(); ++i) {
    const char text[3] = {':', kHex[value[i] >> 4], kHex[value[i] & 0xf]};
    out.append(i == 0 ? std::string_view{text + 1, 2} : std::string_view{text, 3});
  }
}

// Walks Certificate -> TBSCertificate -> serial, signature, issuer, validity, subject.
Walk walk_certificate(std::span<const uint8_t> der, uint32_t full_length, CertificateInfo& out) {
  DerElement cert;
  Walk w = read_expected(der, 0, full_length, kTagSequence, cert);
  if (w != Walk::kOk) return w;
  if (cert.end != full_length) return Walk::kMalformed;
  DerElement tbs;
  if ((w = read_expected(der, cert.content, cert.end, kTagSequence, tbs)) != Walk::kOk) return w;
  DerElement e;
  if ((w = read_element(der, tbs.content, tbs.end, e)) != Walk::kOk) return w;
  if (e.tag == kTagVersion && (w = read_element(der, e.end, tbs.end, e)) != Walk::kOk) return w;
  if (e.tag != kTagInteger || e.end == e.content) return Walk::kMalformed;
  if (e.end > der.size()) return Walk::kBeyondPrefix;
  format_serial(der.subspan(e.content, e.end - e.content), out.serial);
  DerElement signature;
  if ((w = read_expected(der, e.end, tbs.end, kTagSequence, signature)) != Walk::kOk) return w;
  DerElement issuer;
  if ((w = read_expected(der, signature.end, tbs.end, kTagSequence, issuer)) != Walk::kOk) return w;
  if (issuer.end > der.size()) return Walk::kBeyondPrefix;
  if (!format_name(der, issuer, out.issuer)) return Walk::kMalformed;
  DerElement validity;
  DerElement not_before;
  DerElement not_after;
  if ((w = read_expected(der, issuer.end, tbs.end, kTagSequence, validity)) != Walk::kOk) return w;
  if (validity.end > der.size()) return Walk::kBeyondPrefix;
  if (read_element(der, validity.content, validity.end, not_before) != Walk::kOk ||
      read_element(der, not_before.end, validity.end, not_after) != Walk::kOk ||
      not_after.end != validity.end || !format_time(der, not_before, out.not_before) ||
      !format_time(der, not_after, out.not_after)) {
    return Walk::kMalformed;
  }
  DerElement subject;
  if ((w = read_expected(der, validity.end, tbs.end, kTagSequence, subject)) != Walk::kOk) return w;
  if (subject.end > der.size()) return Walk::kBeyondPrefix;
  return format_name(der, subject, out.subject) ? Walk::kOk : Walk::kMalformed;
}

}  // namespace

TlsAnomaly read_certificate_fields(std::span<const uint8_t> prefix, uint32_t full_length,
                                   CertificateInfo& out) {
  const Walk w = walk_certificate(prefix, full_length, out);
  if (w == Walk::kBeyondPrefix) out.truncated = true;
  return w == Walk::kMalformed ? TlsAnomaly::kBadCertificateDer : TlsAnomaly::kNone;
}

}  // namespace torwart::dataplane::applayer::tls
