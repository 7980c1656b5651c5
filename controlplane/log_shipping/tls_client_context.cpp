#include "controlplane/log_shipping/tls_client_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace torwart::controlplane {
namespace {

// TR-02102-2 (2024) 3.3.1: TLS 1.2 suites with ECDHE and AES-GCM; 3.4.4: TLS 1.3 suites.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384";
constexpr const char* kTls13Suites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384";
// 3.6: secp256r1, secp384r1, brainpool curves; x25519 is not on the list.
constexpr const char* kGroups = "P-256:P-384:brainpoolP256r1:brainpoolP384r1:brainpoolP512r1";
// 3.4.3 / 3.5: RSA-PSS and ECDSA with SHA-2 (no PKCS#1 v1.5 signatures in the handshake, no SHA-1). In TLS
// 1.2 "ECDSA+SHA256" covers ECDSA on any allowed curve (brainpool included: OpenSSL 3.0 has no names of
// its own for those); in TLS 1.3 it is ecdsa_secp256r1_sha256.
constexpr const char* kSignatureAlgorithms =
    "ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512:rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:"
    "rsa_pss_pss_sha256:rsa_pss_pss_sha384:rsa_pss_pss_sha512";

// OpenSSL's queued reasons, oldest first, as one line.
std::string openssl_reason() {
  std::string out;
  while (const unsigned long code = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    out += (out.empty() ? "" : "; ") + std::string(text);
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + openssl_reason());
}

}  // namespace

boost::asio::ssl::context make_client_tls_context(const std::filesystem::path& ca,
                                                  const std::filesystem::path& cert,
                                                  const std::filesystem::path& key,
                                                  const std::optional<std::filesystem::path>& crl) {
  ERR_clear_error();
  boost::asio::ssl::context context(boost::asio::ssl::context::tls_client);
  SSL_CTX* ctx = context.native_handle();
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1)
    fail("TLS versions");
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) fail("TLS 1.2 cipher suites");
  if (SSL_CTX_set_ciphersuites(ctx, kTls13Suites) != 1) fail("TLS 1.3 cipher suites");
  if (SSL_CTX_set1_groups_list(ctx, kGroups) != 1) fail("groups");
  if (SSL_CTX_set1_sigalgs_list(ctx, kSignatureAlgorithms) != 1) fail("signature algorithms");

  if (SSL_CTX_load_verify_locations(ctx, ca.c_str(), nullptr) != 1) fail(ca.string() + ": CA certificates");
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (crl) {
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    // Every CRL of the PEM file goes into the store the verification uses; with CRL_CHECK_ALL each CA of
    // the chain below the root needs its CRL there, so a missing one refuses the peer rather than passing.
    X509_LOOKUP* lookup = X509_STORE_add_lookup(store, X509_LOOKUP_file());
    if (lookup == nullptr || X509_load_crl_file(lookup, crl->c_str(), X509_FILETYPE_PEM) <= 0)
      fail(crl->string() + ": CRL");
    X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  }
  if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) != 1)
    fail(cert.string() + ": client certificate");
  if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1)
    fail(key.string() + ": private key");
  if (SSL_CTX_check_private_key(ctx) != 1) fail(key.string() + ": does not belong to " + cert.string());
  return context;
}

void expect_peer_name(SSL* ssl, const std::string& name) {
  ERR_clear_error();
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) == 1) return;  // an address: no SNI (RFC 6066 3)
  ERR_clear_error();
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (SSL_set1_host(ssl, name.c_str()) != 1) fail("peer name " + name);
  if (SSL_set_tlsext_host_name(ssl, name.c_str()) != 1) fail("SNI " + name);
}

}  // namespace torwart::controlplane
