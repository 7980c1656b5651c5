#pragma once
// A TLS client context by BSI TR-02102-2 with mutual authentication: TLS 1.3 with AES-GCM; TLS 1.2 only with
// ECDHE and AES-GCM; groups P-256 and P-384, and brainpoolP256r1/384r1/512r1 (OpenSSL 3.0 offers them in
// TLS 1.2 only); signatures RSA-PSS and ECDSA; no renegotiation, no compression; the peer verified against
// `ca` (and `crl` when given); the box presents `cert` and `key`. Self-contained on purpose: it will move
// to a shared controlplane/tls/ with the HTTPS API's server side.
#include <boost/asio/ssl/context.hpp>

#include <filesystem>
#include <optional>

namespace torwart::controlplane {

// Throws std::runtime_error naming the file and OpenSSL's reason (unreadable, not PEM, a key that does not
// belong to the certificate).
boost::asio::ssl::context make_client_tls_context(
    const std::filesystem::path& ca, const std::filesystem::path& cert, const std::filesystem::path& key,
    const std::optional<std::filesystem::path>& crl = std::nullopt);

// Makes `ssl` (a connection of such a context) accept only a certificate for `name` (a DNS name in the
// subjectAltName, or an IP address when `name` is one) and sends `name` as SNI when it is a DNS name.
void expect_peer_name(SSL* ssl, const std::string& name);

}  // namespace torwart::controlplane
