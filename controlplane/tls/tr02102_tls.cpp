#include "controlplane/tls/tr02102_tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <stdexcept>

namespace torwart::controlplane::tls {
namespace ssl = boost::asio::ssl;

std::string openssl_errors() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    if (!text.empty()) text += "; ";
    text += buffer;
  }
  return text.empty() ? "no detail from OpenSSL" : text;
}

namespace {

void require(int ok, const std::string& what) {
  if (ok != 1) throw std::runtime_error(what + ": " + openssl_errors());
}

void load_crl(SSL_CTX* ctx, const std::string& path) {
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  X509_LOOKUP* lookup = X509_STORE_add_lookup(store, X509_LOOKUP_file());
  if (lookup == nullptr || X509_load_crl_file(lookup, path.c_str(), X509_FILETYPE_PEM) < 1)
    throw std::runtime_error(path + ": not a PEM certificate revocation list: " + openssl_errors());
  // The whole chain: a revoked intermediate CA ends its certificates too.
  require(X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL), path);
}

ssl::context make_context(ssl::context::method method, const TlsFiles& files) {
  ssl::context context(method);
  SSL_CTX* ctx = context.native_handle();
  require(SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION), "TLS minimum version");
  require(SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION), "TLS maximum version");
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                               SSL_OP_NO_TICKET);
  require(SSL_CTX_set_cipher_list(ctx, kTls12Ciphers), "TLS 1.2 cipher list");
  require(SSL_CTX_set_ciphersuites(ctx, kTls13Suites), "TLS 1.3 cipher suites");
  require(SSL_CTX_set1_groups_list(ctx, kGroups), "TLS groups");
  require(SSL_CTX_set1_sigalgs_list(ctx, kSignatureAlgorithms), "TLS signature algorithms");
  require(SSL_CTX_load_verify_locations(ctx, files.ca.c_str(), nullptr), files.ca + ": CA certificate");
  require(SSL_CTX_use_certificate_chain_file(ctx, files.cert.c_str()), files.cert + ": certificate");
  require(SSL_CTX_use_PrivateKey_file(ctx, files.key.c_str(), SSL_FILETYPE_PEM), files.key + ": private key");
  require(SSL_CTX_check_private_key(ctx), files.key + ": does not match " + files.cert);
  if (!files.crl.empty()) load_crl(ctx, files.crl);
  return context;
}

}  // namespace

ssl::context make_server_context(const TlsFiles& files) {
  ssl::context context = make_context(ssl::context::tls_server, files);
  // Mutual TLS only: a client without a certificate from the CA never gets past the handshake.
  context.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  SSL_CTX_set_session_cache_mode(context.native_handle(), SSL_SESS_CACHE_OFF);
  return context;
}

ssl::context make_client_context(const TlsFiles& files) {
  ssl::context context = make_context(ssl::context::tls_client, files);
  context.set_verify_mode(ssl::verify_peer);
  return context;
}

}  // namespace torwart::controlplane::tls
