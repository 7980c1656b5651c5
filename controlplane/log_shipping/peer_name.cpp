#include "controlplane/log_shipping/peer_name.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <stdexcept>

#include "controlplane/tls/tr02102_tls.hpp"

namespace torwart::controlplane::log_shipping {

void expect_peer_name(SSL* ssl, const std::string& name) {
  ERR_clear_error();
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) == 1) return;  // an address: no SNI (RFC 6066 3)
  ERR_clear_error();
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (SSL_set1_host(ssl, name.c_str()) != 1)
    throw std::runtime_error("peer name " + name + ": " + tls::openssl_errors());
  if (SSL_set_tlsext_host_name(ssl, name.c_str()) != 1)
    throw std::runtime_error("SNI " + name + ": " + tls::openssl_errors());
}

}  // namespace torwart::controlplane::log_shipping
