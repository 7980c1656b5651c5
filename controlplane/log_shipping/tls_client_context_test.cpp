#include "controlplane/log_shipping/tls_client_context.hpp"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <set>

#include "controlplane/log_shipping/shipper.hpp"
#include "controlplane/log_shipping/test_certificates.hpp"
#include "controlplane/log_shipping/test_receiver.hpp"
#include "controlplane/log_shipping/test_spool.hpp"

namespace torwart::controlplane {
namespace {

using log_shipping::testing::TestCertificates;
using log_shipping::testing::TestReceiver;

class TlsClientContext : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = TestCertificates::make(std::filesystem::temp_directory_path() /
                                    ("tls-context-pki-" + std::to_string(::getpid())));
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(certs_.dir); }
  static TestCertificates certs_;
};
TestCertificates TlsClientContext::certs_;

TEST_F(TlsClientContext, OffersOnlyTr02102SuitesVersionsAndGroups) {
  auto context = make_client_tls_context(certs_.ca(), certs_.client_cert(), certs_.client_key());
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

TEST_F(TlsClientContext, NamesTheFileThatDoesNotLoad) {
  auto message_of = [](auto&& make) {
    try {
      make();
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message_of([&] {
              make_client_tls_context("/nonexistent/ca.pem", certs_.client_cert(), certs_.client_key());
            }).find("/nonexistent/ca.pem: CA certificates"),
            std::string::npos);
  EXPECT_NE(message_of([&] {
              make_client_tls_context(certs_.ca(), certs_.client_key(), certs_.client_key());
            }).find("client.key: client certificate"),
            std::string::npos);
  const std::string mismatch =
      message_of([&] { make_client_tls_context(certs_.ca(), certs_.client_cert(), certs_.server_key()); });
  EXPECT_NE(mismatch.find("server.key: private key"), std::string::npos) << mismatch;
  EXPECT_NE(mismatch.find("key values mismatch"), std::string::npos) << mismatch;
  EXPECT_NE(message_of([&] {
              make_client_tls_context(certs_.ca(), certs_.client_cert(), certs_.client_key(), certs_.ca());
            }).find("ca.pem: CRL"),
            std::string::npos);
}

// Against receivers restricted one way or another: TLS 1.2 takes ECDHE with AES-GCM; a receiver offering
// only what TR-02102-2 leaves out (CBC suites, X25519) gets no connection.
class TlsAgainstReceivers : public TlsClientContext {
 protected:
  std::string handshake_with(const std::function<void(SSL_CTX*)>& restrict, std::string* cipher = nullptr,
                             std::vector<int>* offered = nullptr, std::string* group = nullptr) {
    boost::asio::io_context io;
    TestReceiver receiver(io, certs_.ca(), certs_.server_cert(), certs_.server_key());
    restrict(receiver.native());
    receiver.start();
    log_shipping::testing::TempDir dir("tls-receivers");
    log_shipping::ShipperSettings s;
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
    log_shipping::ShipperTuning t;
    t.backoff_min = t.backoff_max = std::chrono::milliseconds(50);
    log_shipping::Shipper shipper(io, s, t);
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!shipper.status()["connected"].get<bool>() && shipper.status()["last_error"] == "" &&
           std::chrono::steady_clock::now() < end)
      io.run_for(std::chrono::milliseconds(10));
    if (cipher) *cipher = receiver.last_cipher;
    if (offered) *offered = receiver.client_groups;
    if (group) *group = receiver.last_group;
    return shipper.status()["connected"].get<bool>() ? "connected"
                                                     : shipper.status()["last_error"].get<std::string>();
  }
};

TEST_F(TlsAgainstReceivers, TheClientOffersP256P384AndBrainpoolOnly) {
  std::vector<int> offered;
  EXPECT_EQ(handshake_with([](SSL_CTX*) {}, nullptr, &offered), "connected");
  EXPECT_EQ(offered, (std::vector<int>{NID_X9_62_prime256v1, NID_secp384r1, NID_brainpoolP256r1,
                                       NID_brainpoolP384r1, NID_brainpoolP512r1}));  // no X25519
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
}  // namespace torwart::controlplane
