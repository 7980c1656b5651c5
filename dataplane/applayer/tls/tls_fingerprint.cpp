#include "dataplane/applayer/tls/tls_fingerprint.hpp"

#include <algorithm>
#include <string_view>

#include "dataplane/applayer/tls/tls_digest.hpp"

namespace torwart::dataplane::applayer::tls {

namespace {

constexpr char kHex[] = "0123456789abcdef";

// Text that goes both into a (possibly cut) copy and into a digest, so the hash covers all of it.
template <class Digest, size_t N>
class HashedText {
 public:
  HashedText(Digest& digest, FixedString<N>& copy) : digest_(digest), copy_(copy) { copy_.clear(); }
  void append(std::string_view text) {
    digest_.update(text);
    copy_.append(text);
  }
  void decimal(uint32_t value) {
    char digits[10];
    size_t n = 0;
    do {
      digits[n++] = static_cast<char>('0' + value % 10);
      value /= 10;
    } while (value > 0);
    std::reverse(digits, digits + n);
    append({digits, n});
  }

 private:
  Digest& digest_;
  FixedString<N>& copy_;
};

template <class Text, class Value>
void decimal_list(Text& text, const Value* values, size_t count) {
  bool first = true;
  for (size_t i = 0; i < count; ++i) {
    if (sizeof(Value) == 2 && is_grease(values[i])) continue;
    if (!first) text.append("-");
    text.decimal(values[i]);
    first = false;
  }
}

size_t without_grease(const uint16_t* values, size_t count, uint16_t* out) {
  size_t n = 0;
  for (size_t i = 0; i < count; ++i) {
    if (!is_grease(values[i])) out[n++] = values[i];
  }
  return n;
}

void hex4(uint16_t value, char (&out)[4]) {
  out[0] = kHex[(value >> 12) & 0xf];
  out[1] = kHex[(value >> 8) & 0xf];
  out[2] = kHex[(value >> 4) & 0xf];
  out[3] = kHex[value & 0xf];
}

void hash_hex_list(Sha256Digest& digest, const uint16_t* values, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    char text[4];
    hex4(values[i], text);
    if (i > 0) digest.update(",");
    digest.update({text, 4});
  }
}

void append_truncated_sha256(Sha256Digest& digest, FixedString<36>& out) {
  uint8_t sum[32];
  digest.finish(sum);
  for (size_t i = 0; i < 6; ++i) {
    const char pair[2] = {kHex[sum[i] >> 4], kHex[sum[i] & 0xf]};
    out.append({pair, 2});
  }
}

std::string_view ja4_version(uint16_t version) {
  switch (version) {
    case 0x0304:
      return "13";
    case 0x0303:
      return "12";
    case 0x0302:
      return "11";
    case 0x0301:
      return "10";
    case 0x0300:
      return "s3";
    case 0x0002:
      return "s2";
    default:
      return "00";
  }
}

bool is_alphanumeric(uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

void append_two_digits(FixedString<36>& out, size_t value) {
  value = std::min<size_t>(value, 99);
  const char text[2] = {static_cast<char>('0' + value / 10), static_cast<char>('0' + value % 10)};
  out.append({text, 2});
}

void compute_ja4(const ClientHelloInfo& hello, FixedString<36>& out) {
  uint16_t ciphers[kMaxCipherSuites];
  uint16_t extensions[kMaxExtensions];
  uint16_t signatures[kMaxSignatureAlgorithms];
  const size_t cipher_count = without_grease(hello.cipher_suites, hello.cipher_suite_count, ciphers);
  const size_t extension_count = without_grease(hello.extensions, hello.extension_count, extensions);
  const size_t signature_count =
      without_grease(hello.signature_algorithms, hello.signature_algorithm_count, signatures);

  uint16_t version = hello.legacy_version;
  if (hello.has_supported_versions) {
    uint16_t highest = 0;
    for (size_t i = 0; i < hello.supported_version_count; ++i) {
      if (!is_grease(hello.supported_versions[i])) highest = std::max(highest, hello.supported_versions[i]);
    }
    if (highest != 0) version = highest;
  }
  out.clear();
  out.append("t");
  out.append(ja4_version(version));
  out.append(hello.has_sni ? "d" : "i");
  append_two_digits(out, cipher_count);
  append_two_digits(out, extension_count);
  if (!hello.has_alpn || hello.first_alpn_length == 0) {
    out.append("00");
  } else if (is_alphanumeric(hello.first_alpn_first) && is_alphanumeric(hello.first_alpn_last)) {
    const char text[2] = {static_cast<char>(hello.first_alpn_first),
                          static_cast<char>(hello.first_alpn_last)};
    out.append({text, 2});
  } else {
    const char text[2] = {kHex[hello.first_alpn_first >> 4], kHex[hello.first_alpn_last & 0xf]};
    out.append({text, 2});
  }

  out.append("_");
  if (cipher_count == 0) {
    out.append("000000000000");
  } else {
    std::sort(ciphers, ciphers + cipher_count);
    Sha256Digest digest;
    hash_hex_list(digest, ciphers, cipher_count);
    append_truncated_sha256(digest, out);
  }

  out.append("_");
  // SNI and ALPN are already in the first part.
  const auto end = std::remove_if(extensions, extensions + extension_count,
                                  [](uint16_t type) { return type == 0x0000 || type == 0x0010; });
  const size_t hashed_extensions = static_cast<size_t>(end - extensions);
  if (hashed_extensions == 0) {
    out.append("000000000000");
    return;
  }
  std::sort(extensions, extensions + hashed_extensions);
  Sha256Digest digest;
  hash_hex_list(digest, extensions, hashed_extensions);
  if (signature_count > 0) {
    digest.update("_");
    hash_hex_list(digest, signatures, signature_count);
  }
  append_truncated_sha256(digest, out);
}

}  // namespace

void compute_client_fingerprints(const ClientHelloInfo& hello, TlsFingerprints& out) {
  out.incomplete = hello.truncated;
  Md5Digest md5;
  HashedText<Md5Digest, 640> ja3(md5, out.ja3);
  ja3.decimal(hello.legacy_version);
  ja3.append(",");
  decimal_list(ja3, hello.cipher_suites, hello.cipher_suite_count);
  ja3.append(",");
  decimal_list(ja3, hello.extensions, hello.extension_count);
  ja3.append(",");
  decimal_list(ja3, hello.groups, hello.group_count);
  ja3.append(",");
  decimal_list(ja3, hello.point_formats, hello.point_format_count);
  md5.finish_hex(out.ja3_md5);
  compute_ja4(hello, out.ja4);
}

void compute_server_fingerprint(const ServerHelloInfo& hello, TlsFingerprints& out) {
  Md5Digest md5;
  HashedText<Md5Digest, 160> ja3s(md5, out.ja3s);
  ja3s.decimal(hello.legacy_version);
  ja3s.append(",");
  ja3s.decimal(hello.cipher_suite);
  ja3s.append(",");
  decimal_list(ja3s, hello.extensions, hello.extension_count);
  md5.finish_hex(out.ja3s_md5);
}

}  // namespace torwart::dataplane::applayer::tls
