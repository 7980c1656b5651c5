#pragma once
// Internal: subject, issuer, serial and validity of an X.509 certificate (RFC 5280 4.1) read by a bounded
// DER walker from the first bytes of the certificate. Fields lying past those bytes set `truncated`.
#include <cstdint>
#include <span>

#include "dataplane/applayer/tls/tls_state.hpp"

namespace torwart::dataplane::applayer::tls {

// `prefix` is the start of a DER certificate of `full_length` bytes. kBadCertificateDer if the DER is
// malformed within the prefix.
TlsAnomaly read_certificate_fields(std::span<const uint8_t> prefix, uint32_t full_length,
                                   CertificateInfo& out);

}  // namespace torwart::dataplane::applayer::tls
