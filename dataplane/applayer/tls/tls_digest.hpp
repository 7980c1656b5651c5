#pragma once
// The digests the TLS parser needs (MD5 for JA3/JA3S, SHA-256 for JA4, SHA-1 for certificate fingerprints),
// from libcrypto's plain context structs. Why not EVP: with OpenSSL 3.0, EVP_DigestInit_ex2 on a reused
// EVP_MD_CTX frees and re-creates the provider context, one heap allocation per digest (measured: 1 per
// init), and an EVP_MD_CTX is opaque, so an incremental SHA-1 could not live in the trivially copyable
// per-flow state. The plain MD5_CTX/SHA_CTX/SHA256_CTX are fixed-size C structs with no allocation; their
// functions are deprecated in 3.0, so only tls_digest.cpp uses them, with the deprecation warnings
// suppressed there alone (see README.md).
#include <openssl/md5.h>
#include <openssl/sha.h>

#include <cstdint>
#include <span>
#include <string_view>

#include "dataplane/applayer/common.hpp"

namespace torwart::dataplane::applayer::tls {

class Md5Digest {
 public:
  Md5Digest();
  void update(std::string_view text);
  void finish_hex(FixedString<32>& out);  // lowercase hex

 private:
  MD5_CTX ctx_;
};

class Sha256Digest {
 public:
  Sha256Digest();
  void update(std::string_view text);
  void finish(uint8_t (&out)[32]);

 private:
  SHA256_CTX ctx_;
};

void sha1_begin(SHA_CTX& ctx);
void sha1_update(SHA_CTX& ctx, std::span<const uint8_t> bytes);
void sha1_finish(SHA_CTX& ctx, uint8_t (&out)[20]);

}  // namespace torwart::dataplane::applayer::tls
