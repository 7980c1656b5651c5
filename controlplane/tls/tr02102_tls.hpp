#pragma once
// TLS contexts after BSI TR-02102-2 for every TLS endpoint of the box (the management API, torwartctl
// --host, log shipping): TLS 1.3 with the AES-GCM suites; TLS 1.2 only with ECDHE and AES-GCM; the NIST and
// brainpool curves (OpenSSL 3.0 offers brainpool for TLS 1.2 only); no renegotiation, no compression, no
// session resumption tickets on the server; the peer must present a certificate from the configured CA, which
// is checked against the CRL when one is given. Both sides authenticate: mutual TLS only.
#include <string>

#include <boost/asio/ssl/context.hpp>

namespace torwart::controlplane::tls {

// PEM files. `crl` is optional (empty: no revocation check; the API refuses to start without one).
struct TlsFiles {
  std::string ca;    // the CA that issues the peers' certificates (the provider's)
  std::string cert;  // this side's certificate (chain)
  std::string key;   // its private key
  std::string crl;   // the CA's certificate revocation list
};

// What TR-02102-2 (2024-1) recommends, in OpenSSL's names; exported for the tests that compare a scanner's
// findings against them.
inline constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256";
inline constexpr char kTls13Suites[] = "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256";
inline constexpr char kGroups[] = "P-384:P-256:P-521:brainpoolP512r1:brainpoolP384r1:brainpoolP256r1";
inline constexpr char kSignatureAlgorithms[] =
    "ECDSA+SHA384:ECDSA+SHA256:ECDSA+SHA512:"
    "rsa_pss_rsae_sha384:rsa_pss_rsae_sha256:rsa_pss_rsae_sha512:"
    "rsa_pss_pss_sha384:rsa_pss_pss_sha256:rsa_pss_pss_sha512";

// Throw std::runtime_error naming the file and OpenSSL's reason when a file cannot be used (missing,
// unreadable, not PEM, key not matching the certificate).
boost::asio::ssl::context make_server_context(const TlsFiles& files);
boost::asio::ssl::context make_client_context(const TlsFiles& files);

// OpenSSL's error queue as one sentence (and cleared), for messages.
std::string openssl_errors();

}  // namespace torwart::controlplane::tls
