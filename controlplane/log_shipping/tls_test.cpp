#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <set>

#include "controlplane/log_shipping/shipper.hpp"
#include "controlplane/log_shipping/test_certificates.hpp"
#include "controlplane/log_shipping/test_receiver.hpp"
#include "controlplane/log_shipping/test_spool.hpp"
#include "controlplane/tls/tr02102_tls.hpp"

// Log shipping's side of TLS: the shared TR-02102-2 client context (controlplane/tls/) as the shipper uses
// it, against receivers that offer more or less than TR-02102-2 allows.
namespace torwart::controlplane::log_shipping {
namespace {

using testing::TestCertificates;
using testing::TestReceiver;

class ShippingTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = TestCertificates::make(std::filesystem::temp_directory_path() /
                                    ("tls-context-pki-" + std::to_string(::getpid())));
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(certs_.dir); }
  static TestCertificates certs_;
};
TestCertificates ShippingTls::certs_;

TEST_F(ShippingTls, OffersOnlyTr02102SuitesAndVersions) {
  auto context = tls::make_client_context(
      {certs_.ca().string(), certs_.client_cert().string(), certs_.client_key().string(), ""});
  SSL_CTX* ctx = context.native_handle();
  EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
  EXPECT_EQ(SSL_CTX_get_max_proto_version(ctx), TLS1_3_VERSION);
  EXPECT_TRUE(SSL_CTX_get_options(ctx) & SSL_OP_NO_COMPRESSION);
  EXPECT_TRUE(SSL_CTX_get_options(ctx) & SSL_OP_NO_RENEGOTIATION);
  EXPECT_EQ(SSL_CTX_get_verify_mode(ctx) & SSL_VERIFY_PEER, SSL_VERIFY_PEER);
  SSL* ssl = SSL_new(ctx);
  std::set<std::string> suites;
  STACK_OF(SSL_CIPHER)* ciphers = SSL_get1_supported_ciphers(ssl);
  for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i)
    suites.insert(SSL_CIPHER_get_name(sk_SSL_CIPHER_value(ciphers, i)));
  sk_SSL_CIPHER_free(ciphers);
  EXPECT_EQ(suites, (std::set<std::string>{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                                           "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
                                           "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384"}));
  SSL_free(ssl);
}

// Against receivers restricted one way or another: TLS 1.2 takes ECDHE with AES-GCM; a receiver offering
// only what TR-02102-2 leaves out (CBC suites, X25519) gets no connection.
class TlsAgainstReceivers : public ShippingTls {
 protected:
  std::string handshake_with(const std::function<void(SSL_CTX*)>& restrict, std::string* cipher = nullptr,
                             std::vector<int>* offered = nullptr, std::string* group = nullptr) {
    boost::asio::io_context io;
    TestReceiver receiver(io, certs_.ca(), certs_.server_cert(), certs_.server_key());
    restrict(receiver.native());
    receiver.start();
    testing::TempDir dir("tls-receivers");
    ShipperSettings s;
    s.siem.host = "127.0.0.1";
    s.siem.port = receiver.port();
    s.siem.server_name = "siem.torwart.test";
    s.siem.ca = certs_.ca().string();
    s.siem.cert = certs_.client_cert().string();
    s.siem.key = certs_.client_key().string();
    s.hostname = "rathaus-1";
    s.eve_dir = dir / "spool";
    s.audit_log = dir / "audit.jsonl";
    s.system_log = dir / "system.jsonl";
    s.cursor_file = dir / "cursor.json";
    ShipperTuning t;
    t.backoff_min = t.backoff_max = std::chrono::milliseconds(50);
    if (break_settings_) break_settings_(s);
    Shipper shipper(io, s, t);
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    // Until both ends are done: the receiver's handshake handler may run after the shipper's.
    while (!(shipper.status()["connected"].get<bool>() && receiver.handshakes() > 0) &&
           shipper.status()["last_error"] == "" && std::chrono::steady_clock::now() < end)
      io.run_for(std::chrono::milliseconds(10));
    if (cipher) *cipher = receiver.last_cipher;
    if (offered) *offered = receiver.client_groups;
    if (group) *group = receiver.last_group;
    return shipper.status()["connected"].get<bool>() ? "connected"
                                                     : shipper.status()["last_error"].get<std::string>();
  }
  std::function<void(ShipperSettings&)> break_settings_;
};

TEST_F(TlsAgainstReceivers, TheClientOffersNistAndBrainpoolCurvesOnly) {
  std::vector<int> offered;
  EXPECT_EQ(handshake_with([](SSL_CTX*) {}, nullptr, &offered), "connected");
  EXPECT_EQ(offered,
            (std::vector<int>{NID_secp384r1, NID_X9_62_prime256v1, NID_secp521r1, NID_brainpoolP512r1,
                              NID_brainpoolP384r1, NID_brainpoolP256r1}));  // no X25519
}

TEST_F(TlsAgainstReceivers, AKeyThatDoesNotLoadIsNamedInTheStatus) {
  break_settings_ = [](ShipperSettings& s) { s.siem.key = "/nonexistent/box.key"; };
  const std::string error = handshake_with([](SSL_CTX*) {});
  EXPECT_NE(error.find("TLS set-up: /nonexistent/box.key"), std::string::npos) << error;
}

TEST_F(TlsAgainstReceivers, Tls12UsesEcdheWithAesGcm) {
  std::string cipher;
  EXPECT_EQ(handshake_with([](SSL_CTX* ctx) { SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION); }, &cipher),
            "connected");
  EXPECT_TRUE(cipher == "ECDHE-ECDSA-AES128-GCM-SHA256" || cipher == "ECDHE-ECDSA-AES256-GCM-SHA384")
      << cipher;
}

TEST_F(TlsAgainstReceivers, Tls12WithABrainpoolCurveIsTaken) {
  std::string group;
  // The receiver's ECDSA certificate is on P-256, which OpenSSL needs in its own list; it prefers brainpool.
  EXPECT_EQ(handshake_with(
                [](SSL_CTX* ctx) {
                  SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
                  SSL_CTX_set1_groups_list(ctx, "brainpoolP384r1:P-256");
                  SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
                },
                nullptr, nullptr, &group),
            "connected");
  EXPECT_EQ(group, "brainpoolP384r1");
}

TEST_F(TlsAgainstReceivers, OnlyCbcSuitesOrX25519OrTls11AreRefused) {
  EXPECT_NE(handshake_with([](SSL_CTX* ctx) {
              SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
              SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA");
            }),
            "connected");
  EXPECT_NE(handshake_with([](SSL_CTX* ctx) { SSL_CTX_set1_groups_list(ctx, "X25519"); }), "connected");
  EXPECT_NE(handshake_with([](SSL_CTX* ctx) {
              SSL_CTX_set_min_proto_version(ctx, TLS1_1_VERSION);
              SSL_CTX_set_max_proto_version(ctx, TLS1_1_VERSION);
              SSL_CTX_set_security_level(ctx, 0);
            }),
            "connected");
  EXPECT_NE(
      handshake_with([](SSL_CTX* ctx) { SSL_CTX_set_ciphersuites(ctx, "TLS_CHACHA20_POLY1305_SHA256"); }),
      "connected");
}

}  // namespace
}  // namespace torwart::controlplane::log_shipping
