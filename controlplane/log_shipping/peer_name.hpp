#pragma once
// Which receiver log shipping accepts: the TLS context (controlplane/tls/, TR-02102-2, mutual TLS) checks
// that the certificate chains to the CA; this adds the name the certificate must carry.
#include <openssl/ssl.h>

#include <string>

namespace torwart::controlplane::log_shipping {

// Makes `ssl` accept only a certificate for `name` (a DNS name in the subjectAltName, wildcards only as a
// whole left-most label, or an IP address when `name` is one) and sends `name` as SNI when it is a DNS name.
// Throws std::runtime_error with OpenSSL's reason.
void expect_peer_name(SSL* ssl, const std::string& name);

}  // namespace torwart::controlplane::log_shipping
