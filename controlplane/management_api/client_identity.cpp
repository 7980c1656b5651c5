#include "controlplane/management_api/client_identity.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>

#include <memory>
#include <vector>

namespace torwart::controlplane::api {
namespace {

std::string name_text(const X509_NAME* name) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return "";
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return size > 0 ? std::string(data, static_cast<size_t>(size)) : std::string();
}

std::vector<std::string> entries(const X509_NAME* name, int nid) {
  std::vector<std::string> values;
  for (int i = X509_NAME_get_index_by_NID(name, nid, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(name, nid, i)) {
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    unsigned char* utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(&utf8, data);
    if (length >= 0) values.emplace_back(reinterpret_cast<char*>(utf8), static_cast<size_t>(length));
    OPENSSL_free(utf8);
  }
  return values;
}

std::string serial_hex(X509* certificate) {
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(
      ASN1_INTEGER_to_BN(X509_get_serialNumber(certificate), nullptr), BN_free);
  if (!bn) return "";
  char* hex = BN_bn2hex(bn.get());
  std::string text = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  return text;
}

}  // namespace

ClientIdentity identity_of(X509* certificate) {
  ClientIdentity id;
  if (certificate == nullptr) {
    id.role_problem = "no client certificate";
    return id;
  }
  const X509_NAME* subject = X509_get_subject_name(certificate);
  id.subject = name_text(subject);
  id.issuer = name_text(X509_get_issuer_name(certificate));
  id.serial = serial_hex(certificate);
  const auto names = entries(subject, NID_commonName);
  id.common_name = names.empty() ? id.subject : names.front();
  const auto units = entries(subject, NID_organizationalUnitName);
  if (units.size() != 1) {
    id.role_problem = units.empty()
                          ? "the certificate's subject has no OU naming a role"
                          : "the certificate's subject has several OUs; exactly one must name the role";
  } else if (!(id.role = role_named(units.front()))) {
    id.role_problem =
        "the certificate's OU '" + units.front() + "' is no role (provider-admin, local-admin, auditor, dpo)";
  }
  return id;
}

}  // namespace torwart::controlplane::api
