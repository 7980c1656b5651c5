#pragma once
// Who is on the other end of a management connection, from the client certificate the TLS handshake
// verified: the subject's common name (CN) names the person or system, its organizational unit (OU) the role
// (roles.hpp), issuer and serial number make the certificate unique for the audit log.
#include <openssl/x509.h>

#include <optional>
#include <string>

#include "controlplane/management_api/roles.hpp"

namespace torwart::controlplane::api {

struct ClientIdentity {
  std::string common_name;
  std::string subject;  // RFC 2253 form
  std::string issuer;
  std::string serial;  // hex
  std::optional<Role> role;
  std::string role_problem;  // why there is no role: no OU, several, or an unknown one
};

// `certificate` is the verified peer certificate (never null after a successful mutual handshake).
ClientIdentity identity_of(X509* certificate);

}  // namespace torwart::controlplane::api
