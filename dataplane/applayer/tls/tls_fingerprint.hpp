#pragma once
// JA3 and JA3S (decimal fields, MD5) and JA4 (FoxIO's JA4 spec: "t13d1516h2_<ciphers>_<extensions>", with
// 12-hex-digit SHA-256 parts). GREASE values (RFC 8701) are left out of all of them.
#include "dataplane/applayer/tls/tls_state.hpp"

namespace torwart::dataplane::applayer::tls {

void compute_client_fingerprints(const ClientHelloInfo& hello, TlsFingerprints& out);
void compute_server_fingerprint(const ServerHelloInfo& hello, TlsFingerprints& out);

}  // namespace torwart::dataplane::applayer::tls
