#include "dataplane/applayer/tls/tls_parser.hpp"

namespace torwart::dataplane::applayer::tls {

uint16_t TlsFlowState::version() const {
  // A HelloRetryRequest already carries the server's choice (RFC 8446 4.1.4), and the ServerHello event must
  // not depend on whether the other direction's ClientHello has been fed to its end yet.
  if (server_hello.complete) return server_hello.selected_version;
  if (!client_hello.complete) return 0;
  uint16_t highest = 0;
  for (size_t i = 0; i < client_hello.supported_version_count; ++i) {
    const uint16_t v = client_hello.supported_versions[i];
    if (!is_grease(v) && v > highest) highest = v;
  }
  return highest != 0 ? highest : client_hello.legacy_version;
}

std::string_view tls_version_name(uint16_t version) {
  switch (version) {
    case 0x0002:
      return "SSLv2";
    case 0x0300:
      return "SSLv3";
    case 0x0301:
      return "TLSv1";
    case 0x0302:
      return "TLS 1.1";
    case 0x0303:
      return "TLS 1.2";
    case 0x0304:
      return "TLS 1.3";
    default:
      return "UNDETERMINED";
  }
}

std::string_view tls_anomaly_name(TlsAnomaly anomaly) {
  switch (anomaly) {
    case TlsAnomaly::kNone:
      return "none";
    case TlsAnomaly::kBadRecordType:
      return "bad_record_type";
    case TlsAnomaly::kBadRecordVersion:
      return "bad_record_version";
    case TlsAnomaly::kRecordTooLong:
      return "record_too_long";
    case TlsAnomaly::kInterleavedRecord:
      return "interleaved_record";
    case TlsAnomaly::kHandshakeTooLong:
      return "handshake_too_long";
    case TlsAnomaly::kHelloFieldOverrun:
      return "hello_field_overrun";
    case TlsAnomaly::kBadSessionId:
      return "bad_session_id";
    case TlsAnomaly::kBadCipherSuites:
      return "bad_cipher_suites";
    case TlsAnomaly::kBadCompression:
      return "bad_compression";
    case TlsAnomaly::kExtensionsLengthMismatch:
      return "extensions_length_mismatch";
    case TlsAnomaly::kBadExtension:
      return "bad_extension";
    case TlsAnomaly::kBadCertificateList:
      return "bad_certificate_list";
    case TlsAnomaly::kBadCertificateDer:
      return "bad_certificate_der";
    case TlsAnomaly::kBadAlert:
      return "bad_alert";
    case TlsAnomaly::kBadSslv2Hello:
      return "bad_sslv2_hello";
    case TlsAnomaly::kCount:
      break;
  }
  return "unknown";
}

}  // namespace torwart::dataplane::applayer::tls
