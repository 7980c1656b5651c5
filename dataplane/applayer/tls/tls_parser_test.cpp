#include "dataplane/applayer/tls/tls_parser.hpp"

#include <gtest/gtest.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>

#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "dataplane/applayer/tls/tls_eve.hpp"
#include "dataplane/applayer/tls/tls_test_builder.hpp"
#include "dataplane/applayer/tls/tls_test_vectors.hpp"
#include "dataplane/core/fixed_json.hpp"

// libcrypto's heap allocations while g_counting is set (the parser itself has no new and no containers).
namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
void* counted_malloc(size_t n, const char*, int) {
  if (g_counting) ++g_allocations;
  return std::malloc(n);
}
void* counted_realloc(void* p, size_t n, const char*, int) {
  if (g_counting) ++g_allocations;
  return std::realloc(p, n);
}
void counted_free(void* p, const char*, int) {
  std::free(p);
}
}  // namespace

namespace {

using namespace tls_test;  // NOLINT(google-build-using-namespace)
using torwart::dataplane::applayer::Direction;
using torwart::dataplane::applayer::ProbeResult;
namespace tls = torwart::dataplane::applayer::tls;
using tls::TlsAnomaly;
using tls::TlsFlowState;

constexpr Direction kToServer = Direction::kToServer;
constexpr Direction kToClient = Direction::kToClient;

std::string flag(bool truncated) {
  return truncated ? "(cut)" : "";
}

// Writes every event with the fields it makes available, so two runs can be compared as text.
class TranscriptSink final : public tls::TlsSink {
 public:
  void on_client_hello(const TlsFlowState& s) override {
    const auto& h = s.client_hello;
    const auto& f = s.fingerprints;
    log += "client_hello v=" + std::to_string(h.legacy_version) + " sni=" + std::string(h.sni.view()) +
           flag(h.sni.truncated) + " alpn=" + std::string(h.alpn.view()) +
           " ja3=" + std::string(f.ja3.view()) + flag(f.ja3.truncated) +
           " ja3_md5=" + std::string(f.ja3_md5.view()) + " ja4=" + std::string(f.ja4.view()) +
           " truncated=" + std::to_string(h.truncated) + "\n";
    ++client_hellos;
  }
  void on_server_hello(const TlsFlowState& s) override {
    log += "server_hello version=" + std::string(tls::tls_version_name(s.version())) +
           " cipher=" + std::to_string(s.server_hello.cipher_suite) +
           " alpn=" + std::string(s.server_hello.alpn.view()) +
           " ja3s=" + std::string(s.fingerprints.ja3s.view()) + " " +
           std::string(s.fingerprints.ja3s_md5.view()) +
           " hrr=" + std::to_string(s.server_hello.hello_retry) + "\n";
    ++server_hellos;
  }
  void on_certificate(const TlsFlowState& s) override {
    const auto& c = s.certificate;
    log += "certificate chain=" + std::to_string(c.chain_length) +
           " subject=" + std::string(c.subject.view()) + " issuer=" + std::string(c.issuer.view()) +
           " serial=" + std::string(c.serial.view()) + " not_before=" + std::string(c.not_before.view()) +
           " not_after=" + std::string(c.not_after.view()) + " sha1=" + std::string(c.sha1.view()) +
           " truncated=" + std::to_string(c.truncated) + "\n";
    ++certificates;
  }
  void on_alert(const TlsFlowState& s, Direction d) override {
    log += "alert " + std::to_string(static_cast<int>(d)) + " " + std::to_string(s.side(d).last_alert_level) +
           "/" + std::to_string(s.side(d).last_alert_description) + "\n";
  }
  void on_encrypted(const TlsFlowState&, Direction d) override {
    log += "encrypted " + std::to_string(static_cast<int>(d)) + "\n";
  }
  void on_handshake_done(const TlsFlowState&) override { log += "handshake_done\n"; }
  void on_anomaly(const TlsFlowState&, Direction d, TlsAnomaly reason) override {
    log += "anomaly " + std::to_string(static_cast<int>(d)) + " " +
           std::string(tls::tls_anomaly_name(reason)) + "\n";
    anomalies.push_back(reason);
  }

  std::string log;
  int client_hellos = 0;
  int server_hellos = 0;
  int certificates = 0;
  std::vector<TlsAnomaly> anomalies;
};

// One connection under test: the state is large, so it lives on the heap here (the integrator's pool in
// production).
struct Connection {
  std::unique_ptr<TlsFlowState> state = std::make_unique<TlsFlowState>();
  tls::TlsContext context;
  TranscriptSink sink;

  void feed(Direction d, std::span<const uint8_t> bytes) { tls::tls_feed(*state, d, bytes, sink, context); }
  void feed(Direction d, const Bytes& bytes) { feed(d, std::span<const uint8_t>(bytes)); }
  void feed_pieces(Direction d, std::span<const uint8_t> bytes, size_t piece) {
    for (size_t at = 0; at < bytes.size(); at += piece)
      feed(d, bytes.subspan(at, std::min(piece, bytes.size() - at)));
  }
  // Everything observable: the events, then the per-direction framing results.
  std::string summary() const {
    std::string s = sink.log;
    for (const Direction d : {kToServer, kToClient}) {
      const auto& side = state->side(d);
      s += "side " + std::to_string(static_cast<int>(d)) + " records=" + std::to_string(side.records) +
           " messages=" + std::to_string(side.handshake_messages) +
           " ccs=" + std::to_string(side.change_cipher_specs) +
           " appdata=" + std::to_string(side.application_data_records) + "/" +
           std::to_string(side.application_data_bytes) + " alerts=" + std::to_string(side.alerts) +
           " encrypted=" + std::to_string(side.encrypted) +
           " anomaly=" + std::string(tls::tls_anomaly_name(side.anomaly)) +
           " bytes=" + std::to_string(side.bytes) + "\n";
    }
    return s;
  }
};

std::string whole(std::span<const uint8_t> to_server, std::span<const uint8_t> to_client) {
  Connection c;
  c.feed(kToServer, to_server);
  c.feed(kToClient, to_client);
  return c.summary();
}

// Every split of one direction into two parts, and one-byte pieces of both, match the one-piece result.
void expect_split_invariant(std::span<const uint8_t> to_server, std::span<const uint8_t> to_client) {
  const std::string expected = whole(to_server, to_client);
  for (const Direction split : {kToServer, kToClient}) {
    const std::span<const uint8_t> bytes = split == kToServer ? to_server : to_client;
    for (size_t at = 0; at <= bytes.size(); ++at) {
      Connection c;
      if (split == kToServer) {
        c.feed(kToServer, to_server.first(at));
        c.feed(kToServer, to_server.subspan(at));
        c.feed(kToClient, to_client);
      } else {
        c.feed(kToServer, to_server);
        c.feed(kToClient, to_client.first(at));
        c.feed(kToClient, to_client.subspan(at));
      }
      ASSERT_EQ(c.summary(), expected) << "split of direction " << static_cast<int>(split) << " at " << at;
    }
  }
  Connection bytewise;
  bytewise.feed_pieces(kToServer, to_server, 1);
  bytewise.feed_pieces(kToClient, to_client, 1);
  EXPECT_EQ(bytewise.summary(), expected);
  Connection odd;
  odd.feed_pieces(kToServer, to_server, 7);
  odd.feed_pieces(kToClient, to_client, 13);
  EXPECT_EQ(odd.summary(), expected);
}

std::string sha1_hex(const Bytes& der_bytes) {
  uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned length = 0;
  EVP_Digest(der_bytes.data(), der_bytes.size(), digest, &length, EVP_sha1(), nullptr);
  std::string out;
  char pair[4];
  for (unsigned i = 0; i < length; ++i) {
    std::snprintf(pair, sizeof(pair), i == 0 ? "%02x" : ":%02x", digest[i]);
    out += pair;
  }
  return out;
}

std::string md5_hex(std::string_view text_bytes) {
  uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned length = 0;
  EVP_Digest(text_bytes.data(), text_bytes.size(), digest, &length, EVP_md5(), nullptr);
  std::string out;
  char pair[3];
  for (unsigned i = 0; i < length; ++i) {
    std::snprintf(pair, sizeof(pair), "%02x", digest[i]);
    out += pair;
  }
  return out;
}

const std::vector<uint16_t> kSpecCiphers = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
                                            0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
const std::initializer_list<uint16_t> kSpecSignatures = {0x0403, 0x0804, 0x0401, 0x0503,
                                                         0x0805, 0x0501, 0x0806, 0x0601};

Bytes client_hello_record(const std::vector<uint16_t>& ciphers, const std::vector<Extension>& extensions,
                          uint16_t version = 0x0303) {
  return record(22, handshake(1, client_hello_body(version, ciphers, extensions)), 0x0301);
}

// ---------------------------------------------------------------------------------------------------------
// Captured handshakes (tls_test_vectors.hpp). Expected values were computed independently of this parser:
// JA3/JA4 by hand (a throwaway script following the JA3 and JA4 write-ups) from the captured hellos, the
// certificate fields by `openssl x509 -noout -subject -issuer -serial -dates -fingerprint -sha1`.

TEST(TlsCaptured, Tls12ClientHelloServerHelloCertificate) {
  Connection c;
  c.feed(kToServer, tls_test_vectors::kTls12ToServer);
  c.feed(kToClient, tls_test_vectors::kTls12ToClient);
  const TlsFlowState& s = *c.state;
  EXPECT_TRUE(s.client_hello.complete);
  EXPECT_EQ(s.client_hello.sni.view(), "www.example.de");
  EXPECT_EQ(s.client_hello.alpn.view(), "h2,http/1.1");
  EXPECT_EQ(s.fingerprints.ja3.view(),
            "771,49196-49200-159-52393-52392-52394-49195-49199-158-49188-49192-107-49187-49191-103-49162-"
            "49172-57-49161-49171-51-157-156-61-60-53-47-255,0-11-10-35-16-22-23-13,29-23-30-25-24,0-1-2");
  EXPECT_EQ(s.fingerprints.ja3_md5.view(), "22558766122974704364c9c75c5cce0a");
  EXPECT_EQ(s.fingerprints.ja4.view(), "t12d2808h2_d943125447b4_e7e480e5a997");
  EXPECT_EQ(s.fingerprints.ja3s.view(), "771,49200,65281-11-35-16-23");
  EXPECT_EQ(s.fingerprints.ja3s_md5.view(), "895252f3ce80cebf7a8837be83ec8e16");
  EXPECT_EQ(tls::tls_version_name(s.version()), "TLS 1.2");
  EXPECT_EQ(s.server_hello.alpn.view(), "h2");
  EXPECT_EQ(s.certificate.chain_length, 1);
  EXPECT_EQ(s.certificate.subject.view(), "C=DE, O=Example, CN=www.example.de");
  EXPECT_EQ(s.certificate.issuer.view(), "C=DE, O=Example, CN=www.example.de");
  EXPECT_EQ(s.certificate.serial.view(), "00:C0:FF:EE:12:34");
  EXPECT_EQ(s.certificate.not_before.view(), "2026-12-01T16:20:58");
  EXPECT_EQ(s.certificate.not_after.view(), "2027-12-01T16:20:58");
  EXPECT_EQ(s.certificate.sha1.view(), "f4:fa:72:80:5c:88:d6:dc:f8:c8:95:68:f0:0a:6b:ce:45:53:82:8b");
  EXPECT_FALSE(s.certificate.truncated);
  EXPECT_TRUE(s.handshake_done);
  EXPECT_EQ(s.side(kToServer).change_cipher_specs, 1u);
  EXPECT_EQ(s.side(kToClient).change_cipher_specs, 1u);
  EXPECT_GE(s.side(kToClient).handshake_messages, 4u);  // ServerHello, Certificate, ServerKeyExchange, Done
  EXPECT_EQ(s.side(kToServer).anomaly, TlsAnomaly::kNone);
  EXPECT_EQ(s.side(kToClient).anomaly, TlsAnomaly::kNone);
  EXPECT_EQ(c.sink.client_hellos, 1);
  EXPECT_EQ(c.sink.server_hellos, 1);
  EXPECT_EQ(c.sink.certificates, 1);
  EXPECT_EQ(c.context.counters.handshakes, 1u);
  EXPECT_EQ(c.context.counters.certificates_parsed, 1u);
}

TEST(TlsCaptured, EveTlsObject) {
  Connection c;
  c.feed(kToServer, tls_test_vectors::kTls12ToServer);
  c.feed(kToClient, tls_test_vectors::kTls12ToClient);
  char buffer[2048];
  torwart::dataplane::FixedJson json(buffer, sizeof(buffer));
  json.open_object();
  tls::write_tls_eve(*c.state, json);
  json.close_object();
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(
      std::string(buffer, json.size()),
      "{\"tls\":{\"subject\":\"C=DE, O=Example, CN=www.example.de\",\"issuerdn\":\"C=DE, O=Example, "
      "CN=www.example.de\",\"serial\":\"00:C0:FF:EE:12:34\",\"fingerprint\":\"f4:fa:72:80:5c:88:d6:dc:"
      "f8:c8:95:68:f0:0a:6b:ce:45:53:82:8b\",\"sni\":\"www.example.de\",\"version\":\"TLS 1.2\","
      "\"notbefore\":\"2026-12-01T16:20:58\",\"notafter\":\"2027-12-01T16:20:58\",\"ja3\":{\"hash\":"
      "\"22558766122974704364c9c75c5cce0a\",\"string\":\"771,49196-49200-159-52393-52392-52394-49195-49199-"
      "158-49188-49192-107-49187-49191-103-49162-49172-57-49161-49171-51-157-156-61-60-53-47-255,0-11-10-35-"
      "16-22-23-13,29-23-30-25-24,0-1-2\"},\"ja3s\":{\"hash\":\"895252f3ce80cebf7a8837be83ec8e16\","
      "\"string\":\"771,49200,65281-11-35-16-23\"},\"ja4\":\"t12d2808h2_d943125447b4_e7e480e5a997\"}}");
}

TEST(TlsCaptured, Tls13HidesTheCertificate) {
  Connection c;
  c.feed(kToServer, tls_test_vectors::kTls13ToServer);
  c.feed(kToClient, tls_test_vectors::kTls13ToClient);
  const TlsFlowState& s = *c.state;
  EXPECT_EQ(s.client_hello.sni.view(), "www.example.de");
  EXPECT_EQ(
      s.fingerprints.ja3.view(),
      "771,4866-4867-4865-255,0-11-10-35-16-22-23-13-43-45-51,29-23-30-25-24-256-257-258-259-260,0-1-2");
  EXPECT_EQ(s.fingerprints.ja3_md5.view(), "9dffdb8b608a430b774a2ff7d36c1a0c");
  EXPECT_EQ(s.fingerprints.ja4.view(), "t13d0411h2_16476d049b0b_78f1d400d464");
  EXPECT_EQ(s.fingerprints.ja3s.view(), "771,4866,43-51");
  EXPECT_EQ(s.fingerprints.ja3s_md5.view(), "15af977ce25de452b96affa2addb1036");
  EXPECT_EQ(tls::tls_version_name(s.version()), "TLS 1.3");
  EXPECT_EQ(c.sink.certificates, 0);  // encrypted in TLS 1.3
  EXPECT_TRUE(s.handshake_done);
  EXPECT_GT(s.side(kToClient).application_data_records, 0u);
  EXPECT_EQ(s.side(kToServer).anomaly, TlsAnomaly::kNone);
  EXPECT_EQ(s.side(kToClient).anomaly, TlsAnomaly::kNone);
}

TEST(TlsCaptured, Tls12EverySplitGivesTheSameResult) {
  expect_split_invariant(tls_test_vectors::kTls12ToServer, tls_test_vectors::kTls12ToClient);
}

TEST(TlsCaptured, Tls13EverySplitGivesTheSameResult) {
  expect_split_invariant(tls_test_vectors::kTls13ToServer, tls_test_vectors::kTls13ToClient);
}

TEST(TlsCaptured, CutShortStreamsGiveNoEventForTheUnfinishedMessage) {
  const std::span<const uint8_t> server(tls_test_vectors::kTls12ToClient);
  // 0x200 lies inside the certificate (the ServerHello ends at 0x4f).
  Connection c;
  c.feed(kToServer, tls_test_vectors::kTls12ToServer);
  c.feed(kToClient, server.first(0x200));
  EXPECT_EQ(c.sink.server_hellos, 1);
  EXPECT_EQ(c.sink.certificates, 0);
  EXPECT_TRUE(c.sink.anomalies.empty());
  EXPECT_FALSE(c.state->handshake_done);
}

// ---------------------------------------------------------------------------------------------------------
// JA3/JA4 against published values.

// The JA4 spec's worked example (FoxIO technical_details/JA4.md): its cipher, extension and signature
// algorithm lists, ALPN h2, with GREASE added that must not count.
TEST(TlsFingerprint, Ja4SpecExampleWithGrease) {
  std::vector<uint16_t> ciphers = {0x3a3a};
  ciphers.insert(ciphers.end(), kSpecCiphers.begin(), kSpecCiphers.end());
  const std::vector<Extension> extensions = {empty(0xdada),
                                             empty(0x001b),
                                             sni("example.org"),
                                             opaque(0x0033, 38),
                                             alpn({"h2", "http/1.1"}),
                                             empty(0x4469),
                                             empty(0x0017),
                                             opaque(0x002d, 2),
                                             signature_algorithms(kSpecSignatures),
                                             opaque(0x0005, 5),
                                             empty(0x0023),
                                             empty(0x0012),
                                             supported_versions({0x7a7a, 0x0304, 0x0303}),
                                             opaque(0xff01, 1, 0),
                                             point_formats({0}),
                                             groups({0x2a2a, 0x001d, 0x0017, 0x0018}),
                                             opaque(0x0015, 20, 0),
                                             empty(0x1a1a)};
  Connection c;
  c.feed(kToServer, client_hello_record(ciphers, extensions));
  EXPECT_EQ(c.state->fingerprints.ja4.view(), "t13d1516h2_8daaf6152771_e5627efa2ab1");
  // JA3 keeps the wire order and also drops GREASE.
  EXPECT_EQ(c.state->fingerprints.ja3.view(),
            "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,"
            "27-0-51-16-17513-23-45-13-5-35-18-43-65281-11-10-21,29-23-24,0");
}

// A browser hello whose JA3 and JA4 were published together (ja3 98487aa1..., ja4
// t13d1516h2_..._d8a2da3f94cd).
TEST(TlsFingerprint, PublishedChromeHello) {
  const std::vector<uint16_t> ciphers = {0x0a0a, 4865,  4866,  4867,  49195, 49199, 49196, 49200,
                                         52393,  52392, 49171, 49172, 156,   157,   47,    53};
  const std::vector<Extension> extensions = {empty(0x2a2a),
                                             opaque(45, 2),
                                             opaque(51, 43),
                                             alpn({"h2", "http/1.1"}),
                                             opaque(65037, 90),
                                             empty(23),
                                             opaque(17613, 5),
                                             sni("tls.example.net"),
                                             point_formats({0}),
                                             groups({0x4a4a, 4588, 29, 23, 24}),
                                             supported_versions({0x3a3a, 0x0304, 0x0303}),
                                             opaque(65281, 1, 0),
                                             empty(35),
                                             empty(18),
                                             opaque(5, 5),
                                             signature_algorithms(kSpecSignatures),
                                             opaque(27, 3),
                                             opaque(0x5a5a, 1, 0)};
  Connection c;
  c.feed(kToServer, client_hello_record(ciphers, extensions));
  EXPECT_EQ(c.state->fingerprints.ja3.view(),
            "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,"
            "45-51-16-65037-23-17613-0-11-10-43-65281-35-18-5-13-27,4588-29-23-24,0");
  EXPECT_EQ(c.state->fingerprints.ja3_md5.view(), "98487aa16281980e7d1120d399efb6a4");
  EXPECT_EQ(c.state->fingerprints.ja4.view(), "t13d1516h2_8daaf6152771_d8a2da3f94cd");
}

// Another published pair, without ALPN ("00") and with nine signature algorithms.
TEST(TlsFingerprint, PublishedHelloWithoutAlpn) {
  const std::vector<uint16_t> ciphers = {4865,  4866,  4867,  49199, 49195, 49200, 49196, 49191, 52393,
                                         52392, 49161, 49171, 49162, 49172, 156,   157,   47,    53};
  const std::vector<Extension> extensions = {
      sni("api.example.com"),
      empty(23),
      opaque(65281, 1, 0),
      groups({29, 23, 24}),
      point_formats({0}),
      empty(35),
      signature_algorithms({0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0201}),
      opaque(51, 38),
      opaque(45, 2),
      supported_versions({0x0304, 0x0303})};
  Connection c;
  c.feed(kToServer, client_hello_record(ciphers, extensions));
  EXPECT_EQ(c.state->fingerprints.ja3_md5.view(), "71dc8c533dd919ae9f4963224a4ba8fd");
  EXPECT_EQ(c.state->fingerprints.ja4.view(), "t13d181000_5d04281c6031_78e6aca7449b");
}

TEST(TlsFingerprint, Ja4EdgeCases) {
  // No SNI, ALPN value with non-alphanumeric ends, no extensions left after SNI/ALPN removal.
  Connection c;
  c.feed(kToServer, client_hello_record({0x002f}, {{16, {0x00, 0x03, 0x02, 0x30, 0xab}}}, 0x0302));
  EXPECT_EQ(c.state->fingerprints.ja4.view().substr(0, 11),
            "t11i0101"
            "3b_");
  EXPECT_EQ(c.state->fingerprints.ja4.view().substr(24), "000000000000");
  EXPECT_EQ(c.state->fingerprints.ja3.view(), "770,47,16,,");
  // A hello without any extension.
  Connection bare;
  Bytes body = client_hello_body(0x0301, {0x0035, 0x002f}, {});
  body.resize(body.size() - 2);  // drop the (empty) extension block
  bare.feed(kToServer, record(22, handshake(1, body), 0x0301));
  EXPECT_TRUE(bare.state->client_hello.complete);
  EXPECT_EQ(bare.state->fingerprints.ja3.view(), "769,53-47,,,");
  EXPECT_EQ(
      bare.state->fingerprints.ja4.view(),
      "t10i020000_" + std::string(bare.state->fingerprints.ja4.view().substr(11, 12)) + "_000000000000");
}

// The JA4 spec's examples of the ALPN rule for values with non-alphanumeric first or last bytes.
TEST(TlsFingerprint, Ja4AlpnCharacters) {
  const std::vector<std::pair<Bytes, std::string>> cases = {{{0xab}, "ab"},
                                                            {{0xab, 0xcd}, "ad"},
                                                            {{0x30, 0xab}, "3b"},
                                                            {{0x30, 0x31, 0xab, 0xcd}, "3d"},
                                                            {{0x30, 0xab, 0xcd, 0x31}, "01"},
                                                            {text("h"), "hh"},
                                                            {text("http/1.1"), "h1"}};
  for (const auto& [value, expected] : cases) {
    Bytes body;
    put16(body, value.size() + 1);
    body.push_back(static_cast<uint8_t>(value.size()));
    append(body, value);
    Connection c;
    c.feed(kToServer, client_hello_record({0x1301}, {{16, body}}));
    EXPECT_EQ(c.state->fingerprints.ja4.view().substr(8, 2), expected);
  }
}

TEST(TlsFingerprint, Ja3sOfAConstructedServerHello) {
  Connection c;
  c.feed(kToServer, client_hello_record({0xc02f}, {sni("a.example")}));
  c.feed(kToClient,
         record(22, handshake(2, server_hello_body(0x0303, 0xc02f,
                                                   {empty(23), opaque(0xff01, 1, 0), empty(0x3a3a)}))));
  EXPECT_EQ(c.state->fingerprints.ja3s.view(), "771,49199,23-65281");
  EXPECT_EQ(tls::tls_version_name(c.state->version()), "TLS 1.2");
}

// ---------------------------------------------------------------------------------------------------------
// Framing.

TEST(TlsFraming, HelloAcrossRecordsAndSeveralMessagesInOneRecord) {
  const Bytes hello =
      handshake(1, client_hello_body(0x0303, kSpecCiphers, {sni("split.example"), alpn({"http/1.1"})}));
  // The hello in three records of arbitrary sizes.
  Bytes to_server = record(22, Bytes(hello.begin(), hello.begin() + 3));
  append(to_server, record(22, Bytes(hello.begin() + 3, hello.begin() + 60)));
  append(to_server, record(22, Bytes(hello.begin() + 60, hello.end())));
  // ServerHello, Certificate and ServerHelloDone in one record.
  const Bytes cert =
      certificate({0x01, 0x02}, der(0x30, rdn(3, "Issuing CA")), der(0x30, rdn(3, "split.example")));
  Bytes flight = handshake(2, server_hello_body(0x0303, 0xc02f, {}));
  append(flight, certificate_message({cert, Bytes(100, 0x30)}));
  append(flight, handshake(14, {}));
  const Bytes to_client = record(22, flight);
  Connection c;
  c.feed(kToServer, to_server);
  c.feed(kToClient, to_client);
  EXPECT_EQ(c.state->client_hello.sni.view(), "split.example");
  EXPECT_EQ(c.state->client_hello.alpn.view(), "http/1.1");
  EXPECT_EQ(c.state->side(kToServer).records, 3u);
  EXPECT_EQ(c.state->side(kToClient).handshake_messages, 3u);
  EXPECT_EQ(c.state->certificate.chain_length, 2);
  EXPECT_EQ(c.state->certificate.subject.view(), "CN=split.example");
  EXPECT_EQ(c.state->certificate.issuer.view(), "CN=Issuing CA");
  EXPECT_EQ(c.state->certificate.serial.view(), "01:02");
  EXPECT_EQ(c.state->certificate.not_before.view(), "2024-02-29T12:00:00");
  EXPECT_EQ(c.state->certificate.not_after.view(), "2051-01-01T00:00:00");
  EXPECT_EQ(c.state->certificate.sha1.view(), sha1_hex(cert));
  EXPECT_TRUE(c.sink.anomalies.empty()) << c.summary();
  expect_split_invariant(to_server, to_client);
}

TEST(TlsFraming, AlertsAreNotedAndEncryptedOnesCounted) {
  Bytes to_client = record(22, handshake(2, server_hello_body(0x0303, 0x002f, {})));
  append(to_client, record(21, {2, 40}));
  Connection c;
  c.feed(kToServer, client_hello_record({0x002f}, {}));
  c.feed(kToClient, to_client);
  EXPECT_EQ(c.state->side(kToClient).alerts, 1u);
  EXPECT_EQ(c.state->side(kToClient).last_alert_level, 2);
  EXPECT_EQ(c.state->side(kToClient).last_alert_description, 40);
  Bytes encrypted = record(20, {1});
  append(encrypted, record(21, Bytes(26, 0x99)));
  c.feed(kToServer, encrypted);
  EXPECT_EQ(c.state->side(kToServer).alerts, 1u);
  EXPECT_TRUE(c.state->side(kToServer).encrypted);
  EXPECT_TRUE(c.sink.anomalies.empty());
}

TEST(TlsFraming, HelloRetryRequestKeepsTheHandshakeInTheClear) {
  Bytes retry_random = {0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
                        0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
                        0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};
  Connection c;
  c.feed(kToServer, client_hello_record({0x1301}, {sni("retry.example"), supported_versions({0x0304})}));
  c.feed(kToClient,
         record(22, handshake(2, server_hello_body(0x0303, 0x1301, {{43, {0x03, 0x04}}}, retry_random))));
  EXPECT_TRUE(c.state->server_hello.hello_retry);
  EXPECT_FALSE(c.state->side(kToClient).encrypted);
  c.feed(kToServer, client_hello_record({0x1301}, {sni("retry.example"), supported_versions({0x0304})}));
  EXPECT_EQ(c.state->client_hellos, 2);
  c.feed(kToClient, record(22, handshake(2, server_hello_body(0x0303, 0x1301, {{43, {0x03, 0x04}}}))));
  EXPECT_FALSE(c.state->server_hello.hello_retry);
  EXPECT_TRUE(c.state->side(kToClient).encrypted);
  EXPECT_FALSE(c.state->handshake_done);
  c.feed(kToServer, record(23, Bytes(40, 0x17)));  // the client's encrypted Finished
  EXPECT_TRUE(c.state->side(kToServer).encrypted);
  EXPECT_TRUE(c.state->handshake_done);
  EXPECT_EQ(c.sink.client_hellos, 1);
  EXPECT_EQ(c.sink.server_hellos, 2);
}

// ---------------------------------------------------------------------------------------------------------
// Limits and truncation.

TEST(TlsLimits, OversizedSniIsCutAndFlagged) {
  const std::string host(1000, 'a');
  Connection c;
  c.feed(kToServer, client_hello_record({0x1301}, {sni(host), alpn({"h2"})}));
  const auto& h = c.state->client_hello;
  EXPECT_TRUE(h.complete);
  EXPECT_EQ(h.sni.length, 256);
  EXPECT_TRUE(h.sni.truncated);
  EXPECT_TRUE(h.truncated);
  EXPECT_EQ(h.alpn.view(), "h2");
  EXPECT_EQ(c.context.counters.truncated_hellos, 1u);
  EXPECT_EQ(c.state->fingerprints.ja3.view(), "771,4865,0-16,,");
  EXPECT_TRUE(c.sink.anomalies.empty());
}

// A post-quantum sized key share (and padding) before SNI and ALPN: the hello is far larger than any buffer.
TEST(TlsLimits, LargeHelloStillYieldsSniAlpnAndFingerprints) {
  const std::vector<Extension> extensions = {opaque(51, 1254),   opaque(21, 3000, 0),
                                             sni("pq.example"),  alpn({"h2"}),
                                             groups({4588, 29}), supported_versions({0x0304})};
  const Bytes hello = handshake(1, client_hello_body(0x0303, {0x1301, 0x1302}, extensions));
  ASSERT_GT(hello.size(), 4000u);
  Bytes to_server = record(22, Bytes(hello.begin(), hello.begin() + 2000));
  append(to_server, record(22, Bytes(hello.begin() + 2000, hello.end())));
  Connection c;
  c.feed(kToServer, to_server);
  EXPECT_EQ(c.state->client_hello.sni.view(), "pq.example");
  EXPECT_EQ(c.state->client_hello.alpn.view(), "h2");
  EXPECT_FALSE(c.state->client_hello.truncated);
  EXPECT_EQ(c.state->fingerprints.ja3.view(), "771,4865-4866,51-21-0-16-10-43,4588-29,");
  EXPECT_TRUE(c.sink.anomalies.empty());
  expect_split_invariant(to_server, {});
}

TEST(TlsLimits, TooManyCipherSuitesAreCountedAsTruncated) {
  std::vector<uint16_t> ciphers;
  for (uint16_t i = 0; i < 200; ++i) ciphers.push_back(static_cast<uint16_t>(0x1000 + i));
  Connection c;
  c.feed(kToServer, client_hello_record(ciphers, {sni("many.example")}));
  EXPECT_EQ(c.state->client_hello.cipher_suite_count, tls::kMaxCipherSuites);
  EXPECT_TRUE(c.state->client_hello.truncated);
  EXPECT_TRUE(c.state->fingerprints.incomplete);
  EXPECT_EQ(c.state->client_hello.sni.view(), "many.example");
}

// 120 five-digit ciphers make a JA3 string longer than its stored copy: the hash must still cover it all.
TEST(TlsLimits, Ja3HashCoversTheWholeStringWhenTheCopyIsCut) {
  std::vector<uint16_t> ciphers;
  std::string expected = "771,";
  for (uint16_t i = 0; i < 120; ++i) {
    ciphers.push_back(static_cast<uint16_t>(0xc000 + i));
    expected += (i == 0 ? "" : "-") + std::to_string(0xc000 + i);
  }
  expected += ",0,,";
  Connection c;
  c.feed(kToServer, client_hello_record(ciphers, {sni("long.example")}));
  const auto& f = c.state->fingerprints;
  EXPECT_TRUE(f.ja3.truncated);
  EXPECT_EQ(f.ja3.view(), expected.substr(0, f.ja3.length));
  EXPECT_EQ(f.ja3_md5.view(), md5_hex(expected));
  EXPECT_FALSE(f.incomplete);  // every cipher was kept; only the text copy is cut
}

TEST(TlsLimits, LeafLargerThanThePrefixKeepsWhatLiesInIt) {
  // An issuer so long that the validity and subject lie beyond the examined prefix.
  const Bytes issuer = der(0x30, cat({rdn(6, "DE"), rdn(11, std::string(2100, 'u'))}));
  const Bytes cert = certificate({0x7f}, issuer, der(0x30, rdn(3, "far.example")));
  ASSERT_GT(cert.size(), tls::kCertificatePrefixBytes);
  Connection c;
  c.feed(kToServer, client_hello_record({0x002f}, {}));
  Bytes flight = handshake(2, server_hello_body(0x0303, 0x002f, {}));
  append(flight, certificate_message({cert}));
  Bytes to_client;
  // The certificate message needs two records (a record holds at most 16 KiB; here just split it).
  to_client = record(22, Bytes(flight.begin(), flight.begin() + 1000));
  append(to_client, record(22, Bytes(flight.begin() + 1000, flight.end())));
  c.feed(kToClient, to_client);
  const auto& info = c.state->certificate;
  EXPECT_EQ(c.sink.certificates, 1);
  EXPECT_TRUE(info.truncated);
  EXPECT_EQ(info.serial.view(), "7F");
  EXPECT_TRUE(info.subject.empty());
  EXPECT_EQ(info.sha1.view(), sha1_hex(cert));  // over the whole certificate all the same
  EXPECT_TRUE(c.sink.anomalies.empty());
}

// ---------------------------------------------------------------------------------------------------------
// Malformed input: an anomaly with its reason, the direction stops, nothing else happens.

struct Malformed {
  const char* name;
  Bytes to_server;
  TlsAnomaly expected;
};

Bytes hello_with_raw_extensions(const Bytes& raw_block) {
  Bytes body = client_hello_body(0x0303, {0x1301}, {});
  body.resize(body.size() - 2);
  append(body, raw_block);
  return record(22, handshake(1, body));
}

std::vector<Malformed> malformed_inputs() {
  std::vector<Malformed> cases;
  cases.push_back({"http", text("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), TlsAnomaly::kBadRecordType});
  cases.push_back({"record version", record(22, Bytes(10, 0), 0x0203), TlsAnomaly::kBadRecordVersion});
  cases.push_back({"record too long", Bytes{22, 3, 3, 0x48, 0x01, 1}, TlsAnomaly::kRecordTooLong});
  Bytes huge = record(22, {1, 0xff, 0xff, 0xff});
  cases.push_back({"handshake too long", huge, TlsAnomaly::kHandshakeTooLong});
  Bytes interleaved = record(22, Bytes{1, 0, 0, 100, 3, 3});
  append(interleaved, record(23, Bytes(10, 0)));
  cases.push_back({"interleaved", interleaved, TlsAnomaly::kInterleavedRecord});
  cases.push_back({"hello shorter than its random", record(22, handshake(1, Bytes(20, 0))),
                   TlsAnomaly::kHelloFieldOverrun});
  Bytes session = client_hello_body(0x0303, {0x1301}, {});
  session[34] = 33;
  cases.push_back({"session id", record(22, handshake(1, session)), TlsAnomaly::kBadSessionId});
  Bytes odd = client_hello_body(0x0303, {0x1301}, {}, 0);
  odd[36] = 3;
  cases.push_back({"odd cipher list", record(22, handshake(1, odd)), TlsAnomaly::kBadCipherSuites});
  Bytes overrun = client_hello_body(0x0303, {0x1301}, {}, 0);
  overrun[35] = 0x10;  // cipher list longer than the message
  cases.push_back({"cipher list overrun", record(22, handshake(1, overrun)), TlsAnomaly::kHelloFieldOverrun});
  // Extension block claims more than the hello has.
  cases.push_back({"extension block", hello_with_raw_extensions({0x00, 0x10, 0x00, 0x17, 0x00, 0x00}),
                   TlsAnomaly::kExtensionsLengthMismatch});
  // One extension claims more than the block.
  cases.push_back({"extension overrun", hello_with_raw_extensions({0x00, 0x04, 0x00, 0x17, 0x00, 0x09}),
                   TlsAnomaly::kHelloFieldOverrun});
  // SNI whose list length disagrees with the extension.
  cases.push_back(
      {"sni list",
       hello_with_raw_extensions({0x00, 0x0a, 0x00, 0x00, 0x00, 0x06, 0x00, 0x09, 0x00, 0x00, 0x01, 0x61}),
       TlsAnomaly::kBadExtension});
  // SNI name running past its list.
  cases.push_back(
      {"sni name",
       hello_with_raw_extensions({0x00, 0x0a, 0x00, 0x00, 0x00, 0x06, 0x00, 0x04, 0x00, 0x00, 0x09, 0x61}),
       TlsAnomaly::kBadExtension});
  cases.push_back({"alpn empty name",
                   hello_with_raw_extensions({0x00, 0x07, 0x00, 0x10, 0x00, 0x03, 0x00, 0x01, 0x00}),
                   TlsAnomaly::kBadExtension});
  cases.push_back({"groups odd",
                   hello_with_raw_extensions({0x00, 0x07, 0x00, 0x0a, 0x00, 0x03, 0x00, 0x01, 0x17}),
                   TlsAnomaly::kBadExtension});
  cases.push_back({"alert short", record(21, {2}), TlsAnomaly::kBadAlert});
  cases.push_back({"sslv2 lengths",
                   Bytes{0x80, 0x0c, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x00, 0x00, 0x10, 0, 0, 1},
                   TlsAnomaly::kBadSslv2Hello});
  return cases;
}

TEST(TlsMalformed, EachStopsTheDirectionWithItsReason) {
  for (const Malformed& m : malformed_inputs()) {
    Connection c;
    c.feed(kToServer, m.to_server);
    ASSERT_EQ(c.sink.anomalies.size(), 1u) << m.name << "\n" << c.summary();
    EXPECT_EQ(c.sink.anomalies[0], m.expected) << m.name;
    EXPECT_TRUE(c.state->side(kToServer).stopped) << m.name;
    EXPECT_EQ(c.context.counters.anomalies[static_cast<size_t>(m.expected)], 1u) << m.name;
    EXPECT_EQ(c.sink.client_hellos, 0) << m.name;
    // Nothing more is parsed in that direction, whatever follows.
    c.feed(kToServer, client_hello_record({0x1301}, {sni("later.example")}));
    EXPECT_EQ(c.sink.client_hellos, 0) << m.name;
    EXPECT_EQ(c.sink.anomalies.size(), 1u) << m.name;
    // The same bytes in pieces give the same reason.
    Connection once;
    once.feed(kToServer, m.to_server);
    Connection pieces;
    pieces.feed_pieces(kToServer, m.to_server, 1);
    EXPECT_EQ(pieces.summary(), once.summary()) << m.name;
    ASSERT_EQ(pieces.sink.anomalies.size(), 1u) << m.name;
    EXPECT_EQ(pieces.sink.anomalies[0], m.expected) << m.name;
  }
}

TEST(TlsMalformed, BadCertificateLengthsAndDer) {
  Connection c;
  c.feed(kToServer, client_hello_record({0x002f}, {}));
  Bytes flight = handshake(2, server_hello_body(0x0303, 0x002f, {}));
  Bytes body;
  put24(body, 10);  // list length says 10, certificate says 50
  put24(body, 50);
  append(body, Bytes(4, 0x30));
  append(flight, handshake(11, body));
  c.feed(kToClient, record(22, flight));
  ASSERT_EQ(c.sink.anomalies.size(), 1u);
  EXPECT_EQ(c.sink.anomalies[0], TlsAnomaly::kBadCertificateList);

  Connection d;
  d.feed(kToServer, client_hello_record({0x002f}, {}));
  Bytes bad_der = certificate({0x01}, der(0x30, rdn(3, "x")), der(0x30, rdn(3, "y")));
  bad_der[1] ^= 0x01;  // outer length no longer matches the certificate's
  Bytes flight2 = handshake(2, server_hello_body(0x0303, 0x002f, {}));
  append(flight2, certificate_message({bad_der}));
  d.feed(kToClient, record(22, flight2));
  ASSERT_EQ(d.sink.anomalies.size(), 1u);
  EXPECT_EQ(d.sink.anomalies[0], TlsAnomaly::kBadCertificateDer);
}

TEST(TlsMalformed, RandomGarbageNeverCrashesAndIsDeterministic) {
  uint32_t seed = 12345;
  const auto next = [&seed] {
    seed = seed * 1103515245u + 12345u;
    return static_cast<uint8_t>(seed >> 16);
  };
  for (int round = 0; round < 300; ++round) {
    // Valid start, then garbage: exercises every parser stage.
    Bytes bytes = round % 2 == 0
                      ? Bytes(tls_test_vectors::kTls12ToClient, tls_test_vectors::kTls12ToClient + 100)
                      : client_hello_record(kSpecCiphers, {sni("g.example")});
    const size_t keep = round % static_cast<int>(bytes.size());
    bytes.resize(keep);
    for (int i = 0; i < 200; ++i) bytes.push_back(next());
    Connection a;
    a.feed(kToServer, bytes);
    a.feed(kToClient, bytes);
    Connection b;
    b.feed_pieces(kToServer, bytes, 3);
    b.feed_pieces(kToClient, bytes, 5);
    EXPECT_EQ(a.summary(), b.summary()) << round;
  }
}

// ---------------------------------------------------------------------------------------------------------

TEST(TlsSslv2, CompatibleClientHelloIsRecognisedAndParsed) {
  Bytes v2 = {0x80, 0x00, 0x01, 0x03, 0x01, 0x00, 0x09, 0x00, 0x00, 0x00,
              0x10, 0x00, 0x00, 0x2f, 0x01, 0x00, 0x80, 0x00, 0x00, 0x35};
  for (int i = 0; i < 16; ++i) v2.push_back(static_cast<uint8_t>(i));
  v2[1] = static_cast<uint8_t>(v2.size() - 2);
  EXPECT_EQ(tls::probe_tls(kToServer, v2), ProbeResult::kMatch);
  Connection c;
  c.feed(kToServer, v2);
  const auto& h = c.state->client_hello;
  EXPECT_TRUE(h.complete);
  EXPECT_TRUE(h.sslv2);
  EXPECT_EQ(h.legacy_version, 0x0301);
  ASSERT_EQ(h.cipher_suite_count, 2);
  EXPECT_EQ(h.cipher_suites[0], 0x002f);
  EXPECT_EQ(h.cipher_suites[1], 0x0035);
  EXPECT_TRUE(c.state->fingerprints.ja3.empty());
  EXPECT_TRUE(c.sink.anomalies.empty());
  // TLS records follow the SSLv2 one.
  c.feed(kToServer, record(20, {1}));
  EXPECT_TRUE(c.state->side(kToServer).encrypted);
  expect_split_invariant(v2, {});
}

TEST(TlsProbe, RecognisesHellosAndRejectsOthers) {
  const std::span<const uint8_t> client(tls_test_vectors::kTls12ToServer);
  const std::span<const uint8_t> server(tls_test_vectors::kTls12ToClient);
  for (size_t n = 0; n < 6; ++n)
    EXPECT_EQ(tls::probe_tls(kToServer, client.first(n)), ProbeResult::kNeedMore);
  EXPECT_EQ(tls::probe_tls(kToServer, client.first(6)), ProbeResult::kMatch);
  EXPECT_EQ(tls::probe_tls(kToClient, server), ProbeResult::kMatch);
  EXPECT_EQ(tls::probe_tls(kToClient, client), ProbeResult::kNoMatch);  // a ClientHello from the server
  EXPECT_EQ(tls::probe_tls(kToServer, server), ProbeResult::kNoMatch);
  EXPECT_EQ(tls::probe_tls(kToServer, text("GET / HTTP/1.1")), ProbeResult::kNoMatch);
  EXPECT_EQ(tls::probe_tls(kToServer, Bytes{22, 3, 1, 0x48, 0x01, 1}), ProbeResult::kNoMatch);  // too long
  EXPECT_EQ(tls::probe_tls(kToServer, Bytes{22, 3, 5, 0x00, 0x40, 1}), ProbeResult::kNoMatch);  // version
  EXPECT_EQ(tls::probe_tls(kToServer, Bytes{22, 3, 1, 0x00, 0x02, 1}), ProbeResult::kNoMatch);  // too short
  EXPECT_EQ(tls::probe_tls(kToServer, Bytes{22, 3, 0, 0x00, 0x40, 1}), ProbeResult::kMatch);    // SSLv3
}

// A whole TLS 1.2 handshake (hellos, fingerprints, certificate, SHA-1) without one heap allocation.
TEST(TlsState, ParsingDoesNotAllocate) {
  // libcrypto accepts new allocation functions only before its first allocation, i.e. when this test runs
  // in a process of its own (as ctest runs it).
  if (CRYPTO_set_mem_functions(counted_malloc, counted_realloc, counted_free) == 0) {
    GTEST_SKIP() << "libcrypto already allocated in this process; run this test alone";
  }
  auto state = std::make_unique<TlsFlowState>();
  tls::TlsContext context;
  struct CountingSink final : tls::TlsSink {
    void on_certificate(const TlsFlowState&) override { ++certificates; }
    int certificates = 0;
  } sink;
  g_counting = true;
  tls::tls_feed(*state, kToServer, tls_test_vectors::kTls12ToServer, sink, context);
  tls::tls_feed(*state, kToClient, tls_test_vectors::kTls12ToClient, sink, context);
  g_counting = false;
  EXPECT_EQ(g_allocations.load(), 0);
  EXPECT_EQ(sink.certificates, 1);
  EXPECT_EQ(state->fingerprints.ja4.view(), "t12d2808h2_d943125447b4_e7e480e5a997");
}

// The two directions fed the way the wire carries them, in small pieces taking turns.
TEST(TlsFraming, DirectionsTakingTurnsGiveTheSameResult) {
  for (const bool tls13 : {false, true}) {
    const std::span<const uint8_t> client =
        tls13 ? std::span<const uint8_t>(tls_test_vectors::kTls13ToServer) : tls_test_vectors::kTls12ToServer;
    const std::span<const uint8_t> server =
        tls13 ? std::span<const uint8_t>(tls_test_vectors::kTls13ToClient) : tls_test_vectors::kTls12ToClient;
    for (const size_t piece : {1u, 2u, 5u, 100u}) {
      Connection c;
      for (size_t at = 0; at < std::max(client.size(), server.size()); at += piece) {
        if (at < client.size()) c.feed(kToServer, client.subspan(at, std::min(piece, client.size() - at)));
        if (at < server.size()) c.feed(kToClient, server.subspan(at, std::min(piece, server.size() - at)));
      }
      EXPECT_EQ(c.state->fingerprints.ja3_md5.view(),
                tls13 ? "9dffdb8b608a430b774a2ff7d36c1a0c" : "22558766122974704364c9c75c5cce0a");
      EXPECT_TRUE(c.state->handshake_done);
      EXPECT_TRUE(c.sink.anomalies.empty());
      EXPECT_EQ(c.context.counters.client_hellos, 1u);
      EXPECT_EQ(c.context.counters.server_hellos, 1u);
      EXPECT_EQ(c.context.counters.certificates_parsed, tls13 ? 0u : 1u);
      EXPECT_EQ(c.context.counters.handshakes, 1u);
    }
  }
}

// The fuzz target's crash (fuzz_corpus/crash-turns-hello-retry-version): a ClientHello and a
// HelloRetryRequest fed as the fuzzer fed them, 64-byte pieces alternating between the directions (its
// control byte 0xbf), so the ServerHello completes while the ClientHello is still being fed. Its event
// reported the version from the client's offer when the ClientHello happened to be complete, none otherwise.
TEST(TlsFraming, HelloRetryVersionDoesNotDependOnTheClientsProgress) {
  constexpr uint8_t kStream[] = {
      0x16, 0x03, 0x01, 0x00, 0xe0, 0x01, 0x00, 0x00, 0xdc, 0x03, 0x03, 0xf4, 0x35, 0x5b, 0x03, 0x6e, 0x8f,
      0xa1, 0xb6, 0x9d, 0xb4, 0xf2, 0x3d, 0xc1, 0x3f, 0xd9, 0x58, 0x2c, 0xb9, 0x53, 0xd5, 0x43, 0x21, 0x3b,
      0x84, 0x0f, 0xc1, 0x55, 0xef, 0x03, 0x64, 0x4a, 0x05, 0x00, 0x00, 0x38, 0xc0, 0x2c, 0xc0, 0x30, 0x00,
      0x9f, 0xcc, 0xa9, 0xcc, 0xa8, 0xcc, 0xaa, 0xc0, 0x2b, 0xc0, 0x2f, 0x00, 0x9e, 0x16, 0x03, 0x03, 0x00,
      0x4a, 0x02, 0x00, 0x00, 0x46, 0x03, 0x03, 0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d,
      0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09,
      0xe2, 0xc8, 0xa8, 0x33, 0x9c, 0x00, 0xc0, 0x30, 0x00, 0x00, 0x1e, 0xff, 0x01, 0x00, 0x01, 0x00, 0x00,
      0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x23, 0xc0, 0x24, 0xc0, 0x28, 0x00, 0x6b, 0xc0, 0x23,
      0xc0, 0x27, 0x00, 0x67, 0xc0, 0x0a, 0xc0, 0x14, 0x00, 0x39, 0xc0, 0x09, 0xc0, 0x13, 0x00, 0x33, 0x00,
      0x9d, 0x00, 0x9c, 0x00, 0x3d, 0x00, 0x3c, 0x00, 0x35, 0x00, 0x2f, 0x00, 0xff, 0x01, 0x00, 0x00, 0x7b,
      0x00, 0x00, 0x00, 0x13, 0x00, 0x11, 0x00, 0x00, 0x0e, 0x77, 0x77, 0x77, 0x2e, 0x65, 0x78, 0x61, 0x6d,
      0x70, 0x6c, 0x65, 0x2e, 0x64, 0x00, 0x00, 0x00, 0x10, 0x00, 0x05, 0x00, 0x03, 0x02, 0x68, 0x32, 0x00,
      0x17, 0x00, 0x00, 0x16, 0x03, 0x03, 0x03, 0x51, 0x0b, 0x00, 0x03, 0x4d, 0x00, 0x03, 0x4a, 0x00, 0x03,
      0x47, 0x30, 0x82, 0x03, 0x43, 0x30, 0x82, 0x02, 0x2b, 0xa0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x06, 0x00,
      0xc0, 0xff, 0xee, 0x12, 0x34, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x00, 0x00, 0x00,
      0x7a, 0x65, 0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x0a, 0x00, 0x0c, 0x00, 0x0a, 0x00,
      0x1d, 0x00, 0x17, 0x00, 0x1e, 0x00, 0x19, 0x00, 0x18, 0x00, 0x23, 0x00, 0x00, 0x00, 0x10, 0x00, 0x0e,
      0x00, 0x0c, 0x02, 0x68, 0x32, 0x08, 0x68, 0x74, 0x74, 0x70, 0x2f, 0x31, 0x2e, 0x31, 0x00, 0x16, 0x00,
      0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x2a, 0x00, 0x28, 0x04, 0x03, 0x05, 0x05, 0x00, 0x30,
      0x38, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x55, 0x04, 0x03, 0x0c, 0x0e, 0x77, 0x77, 0x77,
      0x2e, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x64, 0x65, 0x1e, 0x00, 0x50, 0xff, 0x0d, 0x32,
      0x37, 0x31, 0x32, 0xc1, 0x0b, 0x1e, 0xdc, 0x60, 0x74, 0xde, 0x1a, 0x22, 0xc5, 0x8e, 0x3d, 0xec, 0x6b,
      0x01, 0x05, 0x00, 0x03, 0x82, 0x01, 0x0f, 0x00, 0x30, 0x02, 0x82, 0x01, 0x01, 0x00, 0xc7, 0x49, 0x11,
      0x61, 0x38, 0x63, 0x20, 0x48, 0xc5, 0x00, 0x03, 0x82, 0x01, 0x0f, 0x00, 0x30, 0x82, 0x01, 0x0a, 0x02,
      0x82, 0x01, 0x01, 0x00, 0xc7, 0x49, 0x11, 0x61, 0x38, 0x63, 0x20, 0x48, 0xc5};
  const std::span<const uint8_t> stream(kStream);
  Bytes direction[2];
  Connection turns;
  for (size_t at = 0, d = 0; at < stream.size(); at += 64, d ^= 1) {
    const std::span<const uint8_t> piece = stream.subspan(at, std::min<size_t>(64, stream.size() - at));
    direction[d].insert(direction[d].end(), piece.begin(), piece.end());
    turns.feed(d == 0 ? kToServer : kToClient, piece);
  }
  ASSERT_EQ(turns.sink.server_hellos, 1);
  EXPECT_TRUE(turns.state->server_hello.hello_retry);
  // Taking turns reorders the events of different directions, nothing else: compare them as sorted lines.
  const auto lines = [](const std::string& text) {
    std::vector<std::string> out;
    for (size_t at = 0, end; at < text.size(); at = end + 1) {
      end = text.find('\n', at);
      out.push_back(text.substr(at, end - at));
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_EQ(lines(turns.summary()), lines(whole(direction[0], direction[1])));
  EXPECT_EQ(tls::tls_version_name(turns.state->version()), "TLS 1.2");
}

TEST(TlsState, FitsItsSlot) {
  static_assert(std::is_trivially_copyable_v<TlsFlowState>);
  EXPECT_LE(sizeof(TlsFlowState), 6u * 1024u);
  // A copy mid-handshake goes on exactly like the original (the integrator may move slots).
  Connection a;
  const std::span<const uint8_t> client(tls_test_vectors::kTls12ToServer);
  a.feed(kToServer, client.first(100));
  Connection b;
  std::memcpy(static_cast<void*>(b.state.get()), a.state.get(), sizeof(TlsFlowState));
  a.feed(kToServer, client.subspan(100));
  b.feed(kToServer, client.subspan(100));
  EXPECT_EQ(a.state->fingerprints.ja3_md5.view(), b.state->fingerprints.ja3_md5.view());
  EXPECT_EQ(b.state->fingerprints.ja3_md5.view(), "22558766122974704364c9c75c5cce0a");
}

}  // namespace
