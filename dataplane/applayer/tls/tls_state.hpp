#pragma once
// Everything the TLS parser knows about one connection, in one trivially copyable struct (TlsFlowState) that
// the integrator keeps in a per-flow slot. Capacities are fixed; whatever does not fit is cut and flagged.
#include <openssl/sha.h>

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "dataplane/applayer/common.hpp"
#include "dataplane/applayer/tls/tls_field_reader.hpp"

namespace torwart::dataplane::applayer::tls {

// Why a direction stopped being parsed. Each is counted per worker (TlsCounters::anomalies).
enum class TlsAnomaly : uint8_t {
  kNone = 0,
  kBadRecordType,             // content type other than 20..23
  kBadRecordVersion,          // record layer version major is not 3
  kRecordTooLong,             // record longer than 2^14 + 2048 bytes
  kInterleavedRecord,         // another record type arrived inside a fragmented handshake message
  kHandshakeTooLong,          // handshake message longer than TlsLimits::max_handshake_message
  kHelloFieldOverrun,         // a length inside a hello reaches past its message or extension block
  kBadSessionId,              // session id longer than 32 bytes
  kBadCipherSuites,           // cipher suite list empty or of odd length
  kBadCompression,            // no compression method
  kExtensionsLengthMismatch,  // extension block does not end where the hello ends
  kBadExtension,              // SNI/ALPN/groups/... body disagrees with its own inner lengths
  kBadCertificateList,        // certificate lengths disagree with the Certificate message
  kBadCertificateDer,         // the leaf certificate's DER is malformed (within the bytes examined)
  kBadAlert,                  // plaintext alert record shorter than 2 bytes
  kBadSslv2Hello,             // SSLv2-compatible ClientHello with inconsistent lengths
  kCount
};
inline constexpr size_t kTlsAnomalyCount = static_cast<size_t>(TlsAnomaly::kCount);

// Capacities (each documented in README.md).
inline constexpr size_t kMaxCipherSuites = 128;
inline constexpr size_t kMaxExtensions = 64;
inline constexpr size_t kMaxGroups = 48;
inline constexpr size_t kMaxSignatureAlgorithms = 48;
inline constexpr size_t kMaxSupportedVersions = 16;
inline constexpr size_t kMaxPointFormats = 8;
inline constexpr size_t kMaxServerExtensions = 24;
inline constexpr size_t kClientFieldBytes = 512;  // largest extension prefix examined in a ClientHello
inline constexpr size_t kServerFieldBytes = 64;
inline constexpr size_t kCertificatePrefixBytes = 2048;  // DER bytes of the leaf certificate examined

struct ClientHelloInfo {
  uint16_t legacy_version = 0;
  uint16_t cipher_suite_count = 0;  // stored in cipher_suites (at most kMaxCipherSuites)
  uint16_t extension_count = 0;
  uint8_t group_count = 0;
  uint8_t signature_algorithm_count = 0;
  uint8_t supported_version_count = 0;
  uint8_t point_format_count = 0;
  uint8_t session_id_length = 0;
  uint8_t compression_method_count = 0;
  bool has_sni = false;  // server_name extension present (even if no host_name in it)
  bool has_alpn = false;
  bool has_supported_versions = false;
  bool sslv2 = false;      // arrived in the SSLv2-compatible format (no extensions, no fingerprints)
  bool truncated = false;  // some list or text did not fit its capacity
  bool complete = false;
  uint8_t first_alpn_length = 0;  // first ALPN value, its first and last byte (JA4)
  uint8_t first_alpn_first = 0;
  uint8_t first_alpn_last = 0;
  uint16_t cipher_suites[kMaxCipherSuites];
  uint16_t extensions[kMaxExtensions];  // types in order
  uint16_t groups[kMaxGroups];
  uint16_t signature_algorithms[kMaxSignatureAlgorithms];
  uint16_t supported_versions[kMaxSupportedVersions];
  uint8_t point_formats[kMaxPointFormats];
  FixedString<256> sni;   // first host_name
  FixedString<128> alpn;  // protocols joined by ','
};

struct ServerHelloInfo {
  uint16_t legacy_version = 0;
  uint16_t selected_version = 0;  // supported_versions if present, else legacy_version
  uint16_t cipher_suite = 0;
  uint8_t compression_method = 0;
  uint8_t extension_count = 0;
  bool hello_retry = false;  // HelloRetryRequest (RFC 8446 4.1.3): handshake continues in the clear
  bool truncated = false;
  bool complete = false;
  uint16_t extensions[kMaxServerExtensions];
  FixedString<32> alpn;  // the protocol the server selected
};

struct CertificateInfo {
  uint16_t chain_length = 0;  // certificates in the (first) Certificate message
  uint32_t leaf_length = 0;   // DER bytes of the leaf certificate
  bool complete = false;      // the Certificate message was seen to its end
  bool truncated = false;     // the leaf was larger than the examined prefix and some field lay beyond it
  FixedString<256> subject;
  FixedString<256> issuer;
  FixedString<64> serial;      // "00:C0:FF:EE"
  FixedString<20> not_before;  // "YYYY-MM-DDTHH:MM:SS"
  FixedString<20> not_after;
  FixedString<59> sha1;  // "f4:fa:..." over the whole DER certificate
};

struct TlsFingerprints {
  FixedString<640> ja3;  // the hash is over the full string even when this copy is cut
  FixedString<32> ja3_md5;
  FixedString<36> ja4;
  FixedString<160> ja3s;
  FixedString<32> ja3s_md5;
  bool incomplete = false;  // the hello lists were cut, so the fingerprints cover only what was kept
};

// Record and handshake framing of one direction.
struct TlsDirectionState {
  uint8_t record_header[5];
  uint8_t record_header_have = 0;
  uint8_t content_type = 0;
  bool encrypted = false;  // after ChangeCipherSpec, or TLS 1.3 after ServerHello: contents are opaque
  bool stopped = false;    // an anomaly ended parsing of this direction
  bool sslv2_record = false;
  uint16_t record_remaining = 0;  // body bytes of the current record still to come
  uint8_t handshake_header[4];
  uint8_t handshake_header_have = 0;
  uint8_t handshake_type = 0;
  uint8_t alert_have = 0;
  uint8_t alert_bytes[2];
  bool in_handshake_body = false;
  uint8_t message_parser = 0;  // which body parser gets the current message (tls_record.cpp)
  uint32_t handshake_length = 0;
  uint32_t handshake_remaining = 0;  // body bytes of the current message still to come
  TlsAnomaly anomaly = TlsAnomaly::kNone;
  uint8_t last_alert_level = 0;
  uint8_t last_alert_description = 0;
  uint32_t records = 0;
  uint32_t handshake_messages = 0;
  uint32_t alerts = 0;
  uint32_t change_cipher_specs = 0;
  uint32_t application_data_records = 0;
  uint64_t application_data_bytes = 0;
  uint64_t bytes = 0;  // given to tls_feed, parsed or not
};

// Where a message body parser is; each parser keeps its own (both directions may be mid-message at once).
struct ClientHelloParser {
  uint8_t stage = 0;
  uint32_t message_length = 0;
  uint16_t extension_type = 0;
  uint16_t extension_length = 0;
  uint16_t cipher_bytes_left = 0;
  uint32_t field_end = 0;  // offset in the message where the pending field ends
  uint32_t list_end = 0;   // offset where the extension block ends
  FieldReader<kClientFieldBytes> reader;
};

struct ServerHelloParser {
  uint8_t stage = 0;
  uint32_t message_length = 0;
  uint16_t extension_type = 0;
  uint16_t extension_length = 0;
  uint32_t field_end = 0;
  uint32_t list_end = 0;
  FieldReader<kServerFieldBytes> reader;
};

struct CertificateParser {
  uint8_t stage = 0;
  uint32_t message_length = 0;
  uint32_t field_end = 0;
  uint32_t list_end = 0;
  uint32_t leaf_remaining = 0;
  uint16_t prefix_length = 0;
  FieldReader<4> reader;
  SHA_CTX sha1;  // plain C state from libcrypto: trivially copyable, no allocation
  uint8_t prefix[kCertificatePrefixBytes];
};

struct TlsFlowState {
  TlsDirectionState direction[2];
  ClientHelloInfo client_hello;
  ServerHelloInfo server_hello;
  CertificateInfo certificate;
  TlsFingerprints fingerprints;
  ClientHelloParser client_parser;
  ServerHelloParser server_parser;
  CertificateParser certificate_parser;
  uint16_t client_hellos = 0;  // ClientHello messages seen (the first one is parsed)
  uint16_t server_hellos = 0;
  uint16_t certificate_messages = 0;
  bool handshake_done = false;  // both directions encrypted

  TlsDirectionState& side(Direction d) { return direction[static_cast<size_t>(d)]; }
  const TlsDirectionState& side(Direction d) const { return direction[static_cast<size_t>(d)]; }
  // The version the connection uses: the server's choice (a HelloRetryRequest's too), else the client's
  // offer.
  uint16_t version() const;
};

static_assert(std::is_trivially_copyable_v<TlsFlowState>);
static_assert(sizeof(TlsFlowState) <= size_t{6} * 1024, "TlsFlowState must fit its per-flow slot");

struct TlsLimits {
  uint32_t max_handshake_message = 256 * 1024;  // longer messages (certificate chains) are an anomaly
};

struct TlsCounters {
  uint64_t client_hellos = 0;
  uint64_t server_hellos = 0;
  uint64_t handshakes = 0;  // connections that reached encryption in both directions
  uint64_t truncated_hellos = 0;
  uint64_t certificates_parsed = 0;
  uint64_t alerts = 0;
  uint64_t change_cipher_specs = 0;
  uint64_t application_data_records = 0;
  uint64_t anomalies[kTlsAnomalyCount] = {};
};

// Per worker: limits and counters. The digests use libcrypto's plain context structs on the stack or in the
// flow state (see tls_digest.hpp), so no digest object needs to live here.
struct TlsContext {
  TlsLimits limits;
  TlsCounters counters;
};

// Events of one connection. Each is called once, when its data is complete; the state is read-only there.
class TlsSink {
 public:
  virtual void on_client_hello(const TlsFlowState& /*state*/) {}
  virtual void on_server_hello(const TlsFlowState& /*state*/) {}
  virtual void on_certificate(const TlsFlowState& /*state*/) {}
  virtual void on_alert(const TlsFlowState& /*state*/, Direction /*from*/) {}
  virtual void on_encrypted(const TlsFlowState& /*state*/, Direction /*from*/) {}
  virtual void on_handshake_done(const TlsFlowState& /*state*/) {}
  virtual void on_anomaly(const TlsFlowState& /*state*/, Direction /*from*/, TlsAnomaly /*reason*/) {}

 protected:
  ~TlsSink() = default;
};

}  // namespace torwart::dataplane::applayer::tls
