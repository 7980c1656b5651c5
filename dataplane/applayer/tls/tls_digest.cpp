// The only file calling libcrypto's low-level digest functions (deprecated in OpenSSL 3.0, see
// tls_digest.hpp).
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "dataplane/applayer/tls/tls_digest.hpp"

namespace torwart::dataplane::applayer::tls {

namespace {
constexpr char kHex[] = "0123456789abcdef";
}

Md5Digest::Md5Digest() : ctx_{} {
  MD5_Init(&ctx_);
}
void Md5Digest::update(std::string_view text) {
  MD5_Update(&ctx_, text.data(), text.size());
}
void Md5Digest::finish_hex(FixedString<32>& out) {
  uint8_t digest[MD5_DIGEST_LENGTH];
  MD5_Final(digest, &ctx_);
  out.clear();
  for (const uint8_t byte : digest) {
    const char pair[2] = {kHex[byte >> 4], kHex[byte & 0xf]};
    out.append({pair, 2});
  }
}

Sha256Digest::Sha256Digest() : ctx_{} {
  SHA256_Init(&ctx_);
}
void Sha256Digest::update(std::string_view text) {
  SHA256_Update(&ctx_, text.data(), text.size());
}
void Sha256Digest::finish(uint8_t (&out)[32]) {
  SHA256_Final(out, &ctx_);
}

void sha1_begin(SHA_CTX& ctx) {
  SHA1_Init(&ctx);
}
void sha1_update(SHA_CTX& ctx, std::span<const uint8_t> bytes) {
  SHA1_Update(&ctx, bytes.data(), bytes.size());
}
void sha1_finish(SHA_CTX& ctx, uint8_t (&out)[20]) {
  SHA1_Final(out, &ctx);
}

}  // namespace torwart::dataplane::applayer::tls
