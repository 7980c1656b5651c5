// TR-02102-3 as rules/config/vpn_tr02102.hpp applies it: every allowed strongSwan keyword passes, every
// refused one is named with the guideline's section; certificates and pre-shared keys on real files.
#include "rules/config/vpn_tr02102.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace torwart::config::tr02102 {
namespace {

using ::testing::HasSubstr;

const std::vector<std::string> kAead = {"aes128gcm16", "aes128gcm128", "aes128gcm",
                                        "aes256gcm16", "aes256gcm128", "aes256gcm"};
const std::vector<std::string> kCbc = {"aes128", "aes", "aes256"};
const std::vector<std::string> kIntegrity = {"sha256",   "sha2_256", "sha384",
                                             "sha2_384", "sha512",   "sha2_512"};
const std::vector<std::string> kPrf = {"prfsha256", "prfsha384", "prfsha512"};
const std::vector<std::string> kGroups = {"ecp256",   "ecp384",   "ecp521",   "ecp256bp",
                                          "ecp384bp", "ecp512bp", "modp3072", "modp4096"};

TEST(Tr02102Proposals, EveryAllowedAlgorithmPassesInIkeAndEsp) {
  for (const auto& group : kGroups) {
    for (const auto& enc : kAead) {
      for (const auto& prf : kPrf) {
        EXPECT_EQ(proposal_problem(enc + "-" + prf + "-" + group, ProposalKind::kIke), "")
            << enc << prf << group;
      }
      EXPECT_EQ(proposal_problem(enc + "-" + group, ProposalKind::kEsp), "") << enc << group;
      EXPECT_EQ(proposal_problem(enc + "-" + group + "-esn", ProposalKind::kEsp), "") << enc << group;
    }
    for (const auto& enc : kCbc) {
      for (const auto& integrity : kIntegrity) {
        EXPECT_EQ(proposal_problem(enc + "-" + integrity + "-" + group, ProposalKind::kIke), "");
        EXPECT_EQ(proposal_problem(enc + "-" + integrity + "-prfsha384-" + group, ProposalKind::kIke), "");
        EXPECT_EQ(proposal_problem(enc + "-" + integrity + "-" + group + "-noesn", ProposalKind::kEsp), "");
      }
    }
  }
  // Several of one kind in one proposal (preference order), as strongSwan allows for IKEv2.
  EXPECT_EQ(
      proposal_problem("aes256gcm16-aes128gcm16-prfsha384-prfsha256-ecp384-ecp256bp", ProposalKind::kIke),
      "");
}

TEST(Tr02102Proposals, EveryRefusedKeywordOfAProposalIsNamed) {
  const std::string why = proposal_problem("3des-sha1-modp2048", ProposalKind::kIke);
  EXPECT_THAT(why, HasSubstr("'3des': encryption outside AES-GCM and AES-CBC (TR-02102-3 3.2.1)")) << why;
  EXPECT_THAT(why, HasSubstr("; 'sha1': HMAC-SHA-1")) << why;
  EXPECT_THAT(why, HasSubstr("; 'modp2048': Diffie-Hellman group outside")) << why;
}

TEST(Tr02102Proposals, DefaultsPassTheirOwnCheck) {
  for (const auto& p : default_ike_proposals()) EXPECT_EQ(proposal_problem(p, ProposalKind::kIke), "") << p;
  for (const auto& p : default_esp_proposals()) EXPECT_EQ(proposal_problem(p, ProposalKind::kEsp), "") << p;
  EXPECT_FALSE(default_ike_proposals().empty());
  EXPECT_FALSE(default_esp_proposals().empty());
}

TEST(Tr02102Proposals, RefusedAlgorithmsNameTheSection) {
  struct Case {
    std::string proposal;
    ProposalKind kind;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"aes256-sha1-ecp384", ProposalKind::kIke,
       "'sha1': HMAC-SHA-1 and HMAC-MD5 integrity are excluded (TR-02102-3 3.2.3"},
      {"aes256-sha1-ecp384", ProposalKind::kEsp,
       "'sha1': HMAC-SHA-1 and HMAC-MD5 integrity are excluded (TR-02102-3 3.3"},
      {"aes256-md5-ecp384", ProposalKind::kIke, "'md5'"},
      {"aes256gcm16-prfsha256-modp2048", ProposalKind::kIke, "'modp2048': Diffie-Hellman group outside"},
      {"aes256gcm16-modp2048", ProposalKind::kEsp, "TR-02102-3 3.2.4"},
      {"aes256gcm16-prfsha256-modp1024", ProposalKind::kIke, "'modp1024'"},
      {"aes256gcm16-prfsha256-modp8192", ProposalKind::kIke, "'modp8192'"},
      {"aes256gcm16-prfsha256-ecp224", ProposalKind::kIke, "'ecp224'"},
      {"aes256gcm16-prfsha256-curve25519", ProposalKind::kIke, "'curve25519': Diffie-Hellman group outside"},
      {"aes256gcm16-prfsha256-x448", ProposalKind::kIke, "'x448'"},
      {"3des-sha256-ecp384", ProposalKind::kIke,
       "'3des': encryption outside AES-GCM and AES-CBC (TR-02102-3 3.2.1)"},
      {"3des-sha256-ecp384", ProposalKind::kEsp, "(TR-02102-3 3.3)"},
      {"chacha20poly1305-prfsha256-ecp384", ProposalKind::kIke, "'chacha20poly1305': ChaCha20-Poly1305"},
      {"chacha20poly1305-ecp384", ProposalKind::kEsp, "TR-02102-3 3.3"},
      {"aes192-sha256-ecp384", ProposalKind::kIke, "'aes192': AES with 192-bit keys"},
      {"aes192gcm16-prfsha256-ecp384", ProposalKind::kIke, "'aes192gcm16'"},
      {"aes128gcm8-prfsha256-ecp384", ProposalKind::kIke, "ICV shorter than 16 bytes"},
      {"aes256gcm12-ecp384", ProposalKind::kEsp, "ICV shorter than 16 bytes"},
      {"aes128ctr-sha256-ecp256", ProposalKind::kEsp, "AES-CTR and AES-CCM"},
      {"aes128ccm16-ecp256", ProposalKind::kEsp, "AES-CTR and AES-CCM"},
      {"aes256gmac-ecp384", ProposalKind::kEsp, "AES-GMAC gives integrity without encryption"},
      {"null-sha256-ecp384", ProposalKind::kEsp, "'null': encryption outside"},
      {"camellia256-sha256-ecp384", ProposalKind::kIke, "'camellia256'"},
      {"aes256-aesxcbc-ecp384", ProposalKind::kIke, "AES-XCBC/CMAC"},
      {"aes256-sha256_96-ecp384", ProposalKind::kEsp, "truncated to 96 bits"},
      {"aes256gcm16-prfsha1-ecp384", ProposalKind::kIke,
       "'prfsha1': pseudo-random function outside HMAC-SHA-256, -384, -512 (TR-02102-3 3.2.2)"},
      {"aes256gcm16-prfaesxcbc-ecp384", ProposalKind::kIke, "TR-02102-3 3.2.2"},
      {"default", ProposalKind::kIke, "'default' adds strongSwan's built-in proposals"},
      {"aes256gcm16", ProposalKind::kEsp,
       "no Diffie-Hellman group: every rekeying of the tunnel must run a new exchange (perfect forward "
       "secrecy, TR-02102-3 2.1.5)"},
      {"aes256-sha256", ProposalKind::kEsp, "perfect forward secrecy"},
      {"aes256gcm16-prfsha384", ProposalKind::kIke, "no Diffie-Hellman group (TR-02102-3 3.2.4)"},
      {"aes256gcm16-ecp384", ProposalKind::kIke, "AES-GCM in IKE needs a pseudo-random function"},
      {"aes256-ecp384", ProposalKind::kIke, "AES-CBC without an integrity algorithm"},
      {"aes256-ecp384", ProposalKind::kEsp, "AES-CBC without an integrity algorithm"},
      {"aes256gcm16-sha256-prfsha256-ecp384", ProposalKind::kIke, "an integrity algorithm with AES-GCM"},
      {"aes256gcm16-aes256-sha256-prfsha256-ecp384", ProposalKind::kIke,
       "AES-GCM and AES-CBC in one proposal"},
      {"sha256-prfsha256-ecp384", ProposalKind::kIke, "no encryption algorithm"},
      {"aes256gcm16-prfsha256-ecp384", ProposalKind::kEsp,
       "'prfsha256': a pseudo-random function belongs to IKE"},
      {"aes256gcm16-prfsha256-ecp384-esn", ProposalKind::kIke,
       "'esn': extended sequence numbers belong to ESP"},
      {"aes256gcm16--ecp384", ProposalKind::kEsp, "an empty keyword between dashes"},
      {"aes256gcm16-ecp384-", ProposalKind::kEsp, "an empty keyword"},
      {"", ProposalKind::kEsp, "an empty proposal"},
      {"aes256gcm16-ecp384!", ProposalKind::kEsp, "'ecp384!' is not a strongSwan algorithm keyword"},
      {"AES256GCM16-ECP384", ProposalKind::kEsp, "'AES256GCM16' is not a strongSwan algorithm keyword"},
  };
  for (const auto& c : cases) {
    EXPECT_THAT(proposal_problem(c.proposal, c.kind), HasSubstr(c.reason))
        << c.proposal << (c.kind == ProposalKind::kIke ? " (IKE)" : " (ESP)");
  }
}

// The test PKI (rules/config/testdata/make_vpn_pki.sh), made once for the suite.
class Tr02102Files : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::filesystem::temp_directory_path() / ("vpn-tr02102-" + std::to_string(getpid()));
    const std::string command = std::string(TORWART_VPN_TEST_PKI) + " " + dir_.string();
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(dir_); }
  static std::string path(const std::string& name) { return (dir_ / name).string(); }
  static std::string write(const std::string& name, const std::string& text, mode_t mode) {
    std::ofstream(dir_ / name) << text;
    ::chmod(path(name).c_str(), mode);
    return path(name);
  }
  static inline std::filesystem::path dir_;
};

TEST_F(Tr02102Files, EcdsaP384AndRsa3072CertificatesPass) {
  auto ecdsa = check_certificate_files(path("ecdsa.pem"), path("ecdsa.key"), path("ca.pem"));
  EXPECT_TRUE(ecdsa.ok()) << ecdsa.certificate << ecdsa.key << ecdsa.ca;
  EXPECT_EQ(ecdsa.key_type, VpnKeyType::kEcdsa);
  auto rsa = check_certificate_files(path("rsa.pem"), path("rsa.key"), path("ca.pem"));
  EXPECT_TRUE(rsa.ok()) << rsa.certificate << rsa.key << rsa.ca;
  EXPECT_EQ(rsa.key_type, VpnKeyType::kRsa);
}

TEST_F(Tr02102Files, EveryCertificateProblemIsNamedOnItsFile) {
  auto f = check_certificate_files(path("rsa2048.pem"), path("rsa2048.key"), path("ca.pem"));
  EXPECT_THAT(f.certificate, HasSubstr("RSA with 2048 bits: TR-02102-3 3.2.5 needs at least 3072"));
  EXPECT_EQ(f.ca, "");
  f = check_certificate_files(path("p521.pem"), path("p521.key"), path("ca.pem"));
  EXPECT_THAT(f.certificate, HasSubstr("ECDSA on secp521r1"));
  f = check_certificate_files(path("ed25519.pem"), path("ed25519.key"), path("ca.pem"));
  EXPECT_THAT(f.certificate, HasSubstr("ED25519 key: TR-02102-3 3.2.5 allows ECDSA"));
  f = check_certificate_files(path("ecdsa.pem"), path("peer.key"), path("ca.pem"));
  EXPECT_EQ(f.certificate, "");
  EXPECT_THAT(f.key, HasSubstr("does not belong to the certificate"));
  f = check_certificate_files(path("ecdsa.pem"), path("encrypted.key"), path("ca.pem"));
  EXPECT_THAT(f.key, HasSubstr("the key is encrypted"));
  f = check_certificate_files(path("ecdsa.pem"), path("ecdsa.key"), path("peer.pem"));
  EXPECT_THAT(f.ca, HasSubstr("not a CA certificate"));
  f = check_certificate_files(path("ecdsa.pem"), path("ecdsa.key"), path("other-ca.pem"));
  EXPECT_THAT(f.ca, HasSubstr("this CA did not issue the certificate"));
  f = check_certificate_files(path("ecdsa.key"), path("ecdsa.key"), path("missing.pem"));
  EXPECT_THAT(f.certificate, HasSubstr("no PEM certificate"));
  EXPECT_THAT(f.ca, HasSubstr("cannot read"));
  const std::string open_key = write("open.key", "", 0600);
  std::filesystem::copy_file(path("ecdsa.key"), open_key, std::filesystem::copy_options::overwrite_existing);
  ::chmod(open_key.c_str(), 0644);
  f = check_certificate_files(path("ecdsa.pem"), open_key, path("ca.pem"));
  EXPECT_THAT(f.key, HasSubstr("accessible to other users (mode 0644)"));
}

TEST_F(Tr02102Files, PreSharedKeysFromPrivateFilesOfEnoughLength) {
  const std::string key32 = "0123456789abcdef0123456789abcdef";
  auto read = read_psk_file(write("good.psk", key32 + "\n", 0600));
  EXPECT_TRUE(read.ok()) << read.error;
  EXPECT_EQ(read.secret, key32);  // the line break is not part of the key
  EXPECT_EQ(read_psk_file(write("crlf.psk", key32 + "\r\n", 0640)).secret, key32);
  EXPECT_EQ(read_psk_file(write("bare.psk", key32 + "+/=", 0600)).secret, key32 + "+/=");

  EXPECT_THAT(read_psk_file(write("short.psk", key32.substr(1) + "\n", 0600)).error,
              HasSubstr("the key has 31 characters; at least 32"));
  EXPECT_THAT(read_psk_file(write("world.psk", key32, 0604)).error, HasSubstr("accessible to other users"));
  EXPECT_THAT(read_psk_file(write("two.psk", key32 + "\n" + key32 + "\n", 0600)).error,
              HasSubstr("more than one line"));
  EXPECT_THAT(read_psk_file(path("absent.psk")).error, HasSubstr("cannot read"));
  EXPECT_THAT(read_psk_file("relative.psk").error, HasSubstr("absolute path"));
  EXPECT_THAT(read_psk_file(dir_.string()).error, HasSubstr("cannot read"));
  EXPECT_THAT(read_psk_file(write("huge.psk", std::string(2000, 'a'), 0600)).error, HasSubstr("cannot read"));
}

}  // namespace
}  // namespace torwart::config::tr02102
