#pragma once
// The "tls" object of a Suricata-style EVE record from a connection's state. Written through any JSON writer
// with open_object/close_object/field(key, text) (dataplane/core/fixed_json.hpp's FixedJson in the workers),
// so this library needs no JSON code of its own. Fields that were not seen are left out, as Suricata does.
#include <string_view>

#include "dataplane/applayer/tls/tls_parser.hpp"

namespace torwart::dataplane::applayer::tls {

template <class Json>
void write_tls_eve(const TlsFlowState& state, Json& json) {
  const CertificateInfo& cert = state.certificate;
  const TlsFingerprints& fp = state.fingerprints;
  const auto text_field = [&json](std::string_view key, std::string_view value) {
    if (!value.empty()) json.field(key, value);
  };
  json.open_object("tls");
  text_field("subject", cert.subject.view());
  text_field("issuerdn", cert.issuer.view());
  text_field("serial", cert.serial.view());
  text_field("fingerprint", cert.sha1.view());
  text_field("sni", state.client_hello.sni.view());
  json.field("version", tls_version_name(state.version()));
  text_field("notbefore", cert.not_before.view());
  text_field("notafter", cert.not_after.view());
  if (!fp.ja3_md5.empty()) {
    json.open_object("ja3");
    json.field("hash", fp.ja3_md5.view());
    json.field("string", fp.ja3.view());
    json.close_object();
  }
  if (!fp.ja3s_md5.empty()) {
    json.open_object("ja3s");
    json.field("hash", fp.ja3s_md5.view());
    json.field("string", fp.ja3s.view());
    json.close_object();
  }
  text_field("ja4", fp.ja4.view());
  json.close_object();
}

}  // namespace torwart::dataplane::applayer::tls
