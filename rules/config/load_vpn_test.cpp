// The `vpn` section through the loader: what loads (with its defaults), and every refusal with its place.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "rules/config/load.hpp"
#include "rules/config/load_vpn.hpp"
#include "rules/config/vpn_tr02102.hpp"

namespace torwart::config {
namespace {

using ::testing::HasSubstr;

// 16 lines before the tunnel, which is on line 17.
constexpr int kTunnelLine = 17;
constexpr std::string_view kBase = R"(
zones:
  - name: lan
  - name: inet
ports:
  - name: lan
    backend: null
    addresses: [192.168.10.1/24]
  - name: inet
    backend: af_packet
    device: veth-inet
    addresses: [203.0.113.1/24]
    vlans: [{id: 7, name: inet-v7, zone: inet}]
vpn:
  tunnels:
    # the tunnel under test
)";

class ConfigVpn : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::filesystem::temp_directory_path() / ("vpn-config-" + std::to_string(getpid()));
    const std::string command = std::string(TORWART_VPN_TEST_PKI) + " " + dir_.string();
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    write("kdn.psk", "b7f3c1d2e4a5968778695a4b3c2d1e0f\n", 0600);
    write("short.psk", "too-short\n", 0600);
    write("open.psk", "b7f3c1d2e4a5968778695a4b3c2d1e0f\n", 0644);
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(dir_); }
  static void write(const std::string& name, const std::string& text, mode_t mode) {
    std::ofstream(dir_ / name) << text;
    ::chmod(path(name).c_str(), mode);
  }
  static std::string path(const std::string& name) { return (dir_ / name).string(); }

  static std::string cert_auth(const std::string& leaf = "ecdsa") {
    return "{certificate: " + path(leaf + ".pem") + ", key: " + path(leaf + ".key") +
           ", ca: " + path("ca.pem") + "}";
  }
  // One tunnel as a flow mapping on line kTunnelLine; `extra` is appended inside the braces.
  static std::string tunnel(const std::string& extra = "", const std::string& auth = "") {
    return "    - {name: kdn, uplink: inet, peer: 198.51.100.2, local_id: 'fqdn:torwart.stadt.example', "
           "remote_id: 'C=DE, O=Stadt Example, CN=peer.stadt.example', auth: " +
           (auth.empty() ? cert_auth() : auth) +
           ", local_subnets: [192.168.10.0/24], remote_subnets: [10.0.0.0/8]" + extra + "}\n";
  }
  static std::string config(const std::string& tunnels) { return std::string(kBase) + tunnels; }

  static LoadResult load(const std::string& text) { return load_config_text(text, "site.yaml"); }
  static std::vector<ConfigError> errors_of(const std::string& text) {
    auto result = load(text);
    if (auto* errors = std::get_if<std::vector<ConfigError>>(&result)) return *errors;
    return {};
  }
  static std::string describe(const std::vector<ConfigError>& errors) {
    std::string out;
    for (const auto& e : errors) out += e.to_string() + "\n";
    return out;
  }

  static inline std::filesystem::path dir_;
};

TEST_F(ConfigVpn, WithoutTheSectionThereAreNoTunnels) {
  auto result = load(std::string(kBase.substr(0, kBase.find("vpn:"))));
  ASSERT_TRUE(std::holds_alternative<Config>(result));
  EXPECT_TRUE(std::get<Config>(result).vpn.tunnels.empty());
}

TEST_F(ConfigVpn, ACertificateTunnelWithItsDefaults) {
  auto result = load(config(tunnel()));
  ASSERT_TRUE(std::holds_alternative<Config>(result)) << describe(errors_of(config(tunnel())));
  const auto& tunnels = std::get<Config>(result).vpn.tunnels;
  ASSERT_EQ(tunnels.size(), 1u);
  const VpnTunnel& t = tunnels[0];
  EXPECT_EQ(t.name, "kdn");
  EXPECT_EQ(t.zone(), "vpn-kdn");
  EXPECT_EQ(t.uplink, "inet");
  ASSERT_TRUE(t.peer);
  EXPECT_EQ(t.peer->to_string(), "198.51.100.2");
  EXPECT_EQ(t.local_id, "fqdn:torwart.stadt.example");
  EXPECT_EQ(t.remote_id, "C=DE, O=Stadt Example, CN=peer.stadt.example");
  ASSERT_TRUE(t.certificate);
  EXPECT_EQ(t.certificate->certificate, path("ecdsa.pem"));
  EXPECT_EQ(t.certificate->key, path("ecdsa.key"));
  EXPECT_EQ(t.certificate->ca, path("ca.pem"));
  EXPECT_EQ(t.certificate->key_type, VpnKeyType::kEcdsa);
  EXPECT_TRUE(t.psk_file.empty());
  ASSERT_EQ(t.local_subnets.size(), 1u);
  EXPECT_EQ(t.local_subnets[0].to_string(), "192.168.10.0/24");
  ASSERT_EQ(t.remote_subnets.size(), 1u);
  EXPECT_EQ(t.remote_subnets[0].to_string(), "10.0.0.0/8");
  EXPECT_EQ(t.ike_proposals, tr02102::default_ike_proposals());
  EXPECT_EQ(t.esp_proposals, tr02102::default_esp_proposals());
  EXPECT_EQ(t.ike_rekey_s, 24u * 3600);
  EXPECT_EQ(t.esp_rekey_s, 4u * 3600);
  EXPECT_EQ(t.esp_life_bytes, 0u);
  EXPECT_EQ(t.dpd_delay_s, 10u);
  EXPECT_EQ(t.replay_window, 1024u);
  EXPECT_EQ(t.encapsulation, VpnEncapsulation::kAuto);
  EXPECT_EQ(t.start, VpnStart::kAlways);
}

TEST_F(ConfigVpn, EveryKeyIsRead) {
  const std::string text = config(tunnel(
      ", ike_proposals: [aes128-sha256-prfsha256-modp3072, aes256gcm16-prfsha512-ecp512bp], esp_proposals: "
      "[aes256gcm16-ecp256bp-esn], ike_rekey: 8h, esp_rekey: 30m, esp_life_bytes: 4G, dpd_delay: 30s, "
      "replay_window: 64, encapsulation: udp, start: listen",
      "{psk_file: " + path("kdn.psk") + "}"));
  auto result = load(text);
  ASSERT_TRUE(std::holds_alternative<Config>(result)) << describe(errors_of(text));
  const VpnTunnel& t = std::get<Config>(result).vpn.tunnels.at(0);
  EXPECT_FALSE(t.certificate);
  EXPECT_EQ(t.psk_file, path("kdn.psk"));
  EXPECT_EQ(t.ike_proposals,
            (std::vector<std::string>{"aes128-sha256-prfsha256-modp3072", "aes256gcm16-prfsha512-ecp512bp"}));
  EXPECT_EQ(t.esp_proposals, (std::vector<std::string>{"aes256gcm16-ecp256bp-esn"}));
  EXPECT_EQ(t.ike_rekey_s, 8u * 3600);
  EXPECT_EQ(t.esp_rekey_s, 1800u);
  EXPECT_EQ(t.esp_life_bytes, uint64_t{4} << 30);
  EXPECT_EQ(t.dpd_delay_s, 30u);
  EXPECT_EQ(t.replay_window, 64u);
  EXPECT_EQ(t.encapsulation, VpnEncapsulation::kUdp);
  EXPECT_EQ(t.start, VpnStart::kListen);
}

TEST_F(ConfigVpn, RsaCertificatesAreMarkedForPss) {
  auto result = load(config(tunnel("", cert_auth("rsa"))));
  ASSERT_TRUE(std::holds_alternative<Config>(result))
      << describe(errors_of(config(tunnel("", cert_auth("rsa")))));
  EXPECT_EQ(std::get<Config>(result).vpn.tunnels.at(0).certificate->key_type, VpnKeyType::kRsa);
}

TEST_F(ConfigVpn, AResponderOnlyTunnelListens) {
  std::string t = tunnel(", start: listen");
  t.replace(t.find("198.51.100.2"), 12, "'%any'");
  auto result = load(config(t));
  ASSERT_TRUE(std::holds_alternative<Config>(result)) << describe(errors_of(config(t)));
  EXPECT_FALSE(std::get<Config>(result).vpn.tunnels.at(0).peer);
  EXPECT_EQ(std::get<Config>(result).vpn.tunnels.at(0).start, VpnStart::kListen);
}

TEST_F(ConfigVpn, EveryAllowedProposalLoads) {
  // Every allowed keyword once through the loader, in proposals of its kind.
  const std::string text = config(tunnel(
      ", ike_proposals: [aes128gcm16-aes128gcm128-aes128gcm-aes256gcm16-aes256gcm128-aes256gcm-prfsha256-"
      "prfsha384-prfsha512-ecp256-ecp384-ecp521-ecp256bp-ecp384bp-ecp512bp-modp3072-modp4096, "
      "aes128-aes-aes256-sha256-sha2_256-sha384-sha2_384-sha512-sha2_512-ecp384], esp_proposals: "
      "[aes128gcm16-aes128gcm128-aes128gcm-aes256gcm16-aes256gcm128-aes256gcm-ecp256-ecp384-ecp521-ecp256bp-"
      "ecp384bp-ecp512bp-modp3072-modp4096-esn-noesn]"));
  auto result = load(text);
  ASSERT_TRUE(std::holds_alternative<Config>(result)) << describe(errors_of(text));
  EXPECT_EQ(std::get<Config>(result).vpn.tunnels.at(0).ike_proposals.size(), 2u);
}

struct Refusal {
  std::string extra;  // inside the tunnel's braces
  std::string auth;   // empty: the ECDSA certificate
  std::string path;
  std::string reason;
};

TEST_F(ConfigVpn, EveryRefusalIsNamedWithItsPlace) {
  const std::vector<Refusal> cases = {
      {", ike_proposals: [aes256-sha1-ecp384]", "", "vpn.tunnels[0].ike_proposals[0]",
       "'sha1': HMAC-SHA-1 and HMAC-MD5 integrity are excluded (TR-02102-3 3.2.3"},
      {", ike_proposals: [aes256gcm16-prfsha256-modp2048]", "", "vpn.tunnels[0].ike_proposals[0]",
       "TR-02102-3 3.2.4"},
      {", ike_proposals: [3des-sha256-ecp384]", "", "vpn.tunnels[0].ike_proposals[0]", "TR-02102-3 3.2.1"},
      {", ike_proposals: [aes256gcm16-prfsha256-curve25519]", "", "vpn.tunnels[0].ike_proposals[0]",
       "'curve25519'"},
      {", esp_proposals: [chacha20poly1305-ecp384]", "", "vpn.tunnels[0].esp_proposals[0]",
       "ChaCha20-Poly1305"},
      {", esp_proposals: [aes256gcm16]", "", "vpn.tunnels[0].esp_proposals[0]", "perfect forward secrecy"},
      {", esp_proposals: [aes256-sha384-ecp384]", "", "vpn.tunnels[0].esp_proposals[0]",
       "AES-CBC is allowed by TR-02102-3 but the fast path's ESP implements AES-GCM only"},
      {", esp_proposals: [aes256gcm16-ecp384, aes256gcm16-ecp384]", "", "vpn.tunnels[0].esp_proposals[1]",
       "listed twice"},
      {", esp_proposals: []", "", "vpn.tunnels[0].esp_proposals", "an empty list"},
      {", ike_rekey: 25h", "", "vpn.tunnels[0].ike_rekey",
       "90000s is longer than TR-02102-3 2.1.2 allows for an IKE SA (24h)"},
      {", ike_rekey: 8d", "", "vpn.tunnels[0].ike_rekey", "not a duration"},
      {", esp_rekey: 5h", "", "vpn.tunnels[0].esp_rekey",
       "18000s is longer than TR-02102-3 2.1.2 allows for an IPsec SA (4h)"},
      {", esp_rekey: 0", "", "vpn.tunnels[0].esp_rekey", "shorter than 60s"},
      {", ike_rekey: 1h", "", "vpn.tunnels[0].ike_rekey", "is shorter than esp_rekey"},
      {", dpd_delay: 0s", "", "vpn.tunnels[0].dpd_delay", "shorter than 1s"},
      {", esp_life_bytes: 100K", "", "vpn.tunnels[0].esp_life_bytes", "at least 1M"},
      {", esp_life_bytes: lots", "", "vpn.tunnels[0].esp_life_bytes", "not a byte count"},
      {", replay_window: 32", "", "vpn.tunnels[0].replay_window", "outside 64..4096"},
      {", replay_window: 8192", "", "vpn.tunnels[0].replay_window", "outside 64..4096"},
      {", encapsulation: always", "", "vpn.tunnels[0].encapsulation", "not auto"},
      {", start: now", "", "vpn.tunnels[0].start", "not always or listen"},
      {", start: on-traffic", "", "vpn.tunnels[0].start", "'on-traffic' is not available yet"},
      {", mtu: 1400", "", "vpn.tunnels[0].mtu", "unknown key"},
      {"", "{psk_file: " + path("short.psk") + "}", "vpn.tunnels[0].auth.psk_file", "at least 32"},
      {"", "{psk_file: " + path("open.psk") + "}", "vpn.tunnels[0].auth.psk_file",
       "accessible to other users"},
      {"", "{psk_file: kdn.psk}", "vpn.tunnels[0].auth.psk_file", "absolute path"},
      {"", "{psk: b7f3c1d2e4a5968778695a4b3c2d1e0f}", "vpn.tunnels[0].auth.psk",
       "never written into the configuration"},
      {"", "{psk_file: " + path("kdn.psk") + ", ca: " + path("ca.pem") + "}", "vpn.tunnels[0].auth",
       "not both"},
      {"", "{certificate: " + path("ecdsa.pem") + ", key: " + path("ecdsa.key") + "}",
       "vpn.tunnels[0].auth.ca", "needs 'ca'"},
      {"", "{certificate: ecdsa.pem, key: " + path("ecdsa.key") + ", ca: " + path("ca.pem") + "}",
       "vpn.tunnels[0].auth.certificate", "absolute path"},
      {"", cert_auth("rsa2048"), "vpn.tunnels[0].auth.certificate", "RSA with 2048 bits"},
      {"", cert_auth("p521"), "vpn.tunnels[0].auth.certificate", "ECDSA on secp521r1"},
      {"", cert_auth("ed25519"), "vpn.tunnels[0].auth.certificate", "ED25519"},
      {"",
       "{certificate: " + path("ecdsa.pem") + ", key: " + path("peer.key") + ", ca: " + path("ca.pem") + "}",
       "vpn.tunnels[0].auth.key", "does not belong to the certificate"},
      {"",
       "{certificate: " + path("ecdsa.pem") + ", key: " + path("encrypted.key") + ", ca: " + path("ca.pem") +
           "}",
       "vpn.tunnels[0].auth.key", "encrypted"},
      {"",
       "{certificate: " + path("ecdsa.pem") + ", key: " + path("ecdsa.key") + ", ca: " + path("peer.pem") +
           "}",
       "vpn.tunnels[0].auth.ca", "not a CA certificate"},
      {"",
       "{certificate: " + path("ecdsa.pem") + ", key: " + path("ecdsa.key") +
           ", ca: " + path("other-ca.pem") + "}",
       "vpn.tunnels[0].auth.ca", "did not issue"},
      {"",
       "{certificate: " + path("ecdsa.pem") + ", key: " + path("ecdsa.key") + ", ca: " + path("nope.pem") +
           "}",
       "vpn.tunnels[0].auth.ca", "cannot read"},
  };
  for (const auto& c : cases) {
    const auto errors = errors_of(config(tunnel(c.extra, c.auth)));
    ASSERT_EQ(errors.size(), 1u) << c.extra << c.auth << "\n" << describe(errors);
    EXPECT_EQ(errors[0].file, "site.yaml");
    EXPECT_EQ(errors[0].line, kTunnelLine) << c.extra << c.auth;
    EXPECT_GT(errors[0].column, 7) << c.extra << c.auth;  // the value's column, not the tunnel's
    EXPECT_EQ(errors[0].path, c.path) << c.extra << c.auth;
    EXPECT_THAT(errors[0].reason, HasSubstr(c.reason)) << c.extra << c.auth;
  }
}

// Fields that the default tunnel() sets, replaced one at a time.
TEST_F(ConfigVpn, NamesUplinksPeersIdentitiesAndSubnetsAreChecked) {
  struct Case {
    std::string from, to, path, reason;
  };
  const std::vector<Case> cases = {
      {"name: kdn", "name: KDN", "vpn.tunnels[0].name", "tunnel names are 1-11"},
      {"name: kdn", "name: abcdefghijkl", "vpn.tunnels[0].name", "at most 15"},
      {"name: kdn", "name: 'a{b'", "vpn.tunnels[0].name", "tunnel names"},
      {"name: kdn", "name: inet", "", ""},  // fine: the zone is vpn-inet
      {"uplink: inet", "uplink: wan", "vpn.tunnels[0].uplink", "'wan' is no port of this configuration"},
      {"uplink: inet", "uplink: lan", "vpn.tunnels[0].uplink", "has no kernel twin"},
      {"uplink: inet", "uplink: inet-v7", "vpn.tunnels[0].uplink", "is a VLAN"},
      {"peer: 198.51.100.2", "peer: vpn.example", "vpn.tunnels[0].peer", "neither an IPv4 or IPv6 address"},
      {"peer: 198.51.100.2", "peer: '%any'", "vpn.tunnels[0].start", "start: listen"},
      {"peer: 198.51.100.2", "peer: '2001:db8::2'", "vpn.tunnels[0].peer",
       "uplink 'inet' has no IPv6 address to reach 2001:db8::2 from"},
      {"'fqdn:torwart.stadt.example'", "'fqdn:torwart.{stadt}.example'", "vpn.tunnels[0].local_id",
       "'{' in an identity would be read by swanctl.conf's syntax"},
      {"'fqdn:torwart.stadt.example'", "'fqdn:a\"b'", "vpn.tunnels[0].local_id", "'\"' in an identity"},
      {"'fqdn:torwart.stadt.example'", "'fqdn:a}'", "vpn.tunnels[0].local_id", "'}'"},
      {"'fqdn:torwart.stadt.example'", "'fqdn:a=b'", "vpn.tunnels[0].local_id", "not a host name"},
      {"'fqdn:torwart.stadt.example'", "\"fqdn:a\\nb\"", "vpn.tunnels[0].local_id", "control character"},
      {"'fqdn:torwart.stadt.example'", "'fqdn:bad_name'", "vpn.tunnels[0].local_id", "not a host name"},
      {"'fqdn:torwart.stadt.example'", "'email:vpn@stadt.example'", "", ""},
      {"'fqdn:torwart.stadt.example'", "'email:@stadt.example'", "vpn.tunnels[0].local_id", "after email:"},
      {"'fqdn:torwart.stadt.example'", "'203.0.113.1'", "", ""},
      {"'fqdn:torwart.stadt.example'", "torwart", "vpn.tunnels[0].local_id", "neither an address, fqdn:NAME"},
      {"'C=DE, O=Stadt Example, CN=peer.stadt.example'", "'C=DE, XX=1'", "vpn.tunnels[0].remote_id",
       "'XX' is not a distinguished name attribute"},
      {"'C=DE, O=Stadt Example, CN=peer.stadt.example'", "'C=DE,, CN=x'", "vpn.tunnels[0].remote_id",
       "not a KEY=value part"},
      {"'C=DE, O=Stadt Example, CN=peer.stadt.example'", "'CN=a$b'", "vpn.tunnels[0].remote_id", "'$'"},
      {"remote_subnets: [10.0.0.0/8]", "remote_subnets: [10.0.0.1/8]", "vpn.tunnels[0].remote_subnets[0]",
       "host bits clear"},
      {"remote_subnets: [10.0.0.0/8]", "remote_subnets: [192.168.0.0/16]", "vpn.tunnels[0].remote_subnets[0]",
       "overlaps 192.168.10.0/24, connected on 'lan'"},
      {"remote_subnets: [10.0.0.0/8]", "remote_subnets: [0.0.0.0/0]", "vpn.tunnels[0].remote_subnets[0]",
       "overlaps"},
      {"remote_subnets: [10.0.0.0/8]", "remote_subnets: []", "vpn.tunnels[0].remote_subnets", "empty list"},
      {"local_subnets: [192.168.10.0/24]", "local_subnets: [lan]", "vpn.tunnels[0].local_subnets[0]",
       "not a prefix"},
  };
  for (const auto& c : cases) {
    std::string t = tunnel();
    ASSERT_NE(t.find(c.from), std::string::npos) << c.from;
    t.replace(t.find(c.from), c.from.size(), c.to);
    const auto errors = errors_of(config(t));
    if (c.path.empty()) {
      EXPECT_TRUE(errors.empty()) << c.to << "\n" << describe(errors);
      continue;
    }
    ASSERT_EQ(errors.size(), 1u) << c.to << "\n" << describe(errors);
    EXPECT_EQ(errors[0].line, kTunnelLine) << c.to;
    EXPECT_EQ(errors[0].path, c.path) << c.to;
    EXPECT_THAT(errors[0].reason, HasSubstr(c.reason)) << c.to;
  }
}

TEST_F(ConfigVpn, ThePeerIsReachedFromAnUplinkAddressOfItsFamily) {
  std::string v6 = tunnel();
  v6.replace(v6.find("198.51.100.2"), 12, "'2001:db8::2'");
  std::string text = config(v6);
  text.replace(text.find("addresses: [203.0.113.1/24]"), 27,
               "addresses: [203.0.113.1/24, '2001:db8:ff::1/64']");
  EXPECT_TRUE(std::holds_alternative<Config>(load(text))) << describe(errors_of(text));

  // DHCP brings an IPv4 address only.
  text = config(tunnel());
  text.replace(text.find("addresses: [203.0.113.1/24]"), 27, "addresses: dhcp");
  EXPECT_TRUE(std::holds_alternative<Config>(load(text))) << describe(errors_of(text));
  text = config(v6);
  text.replace(text.find("addresses: [203.0.113.1/24]"), 27, "addresses: dhcp");
  const auto errors = errors_of(text);
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].path, "vpn.tunnels[0].peer");
  EXPECT_THAT(errors[0].reason, HasSubstr("has no IPv6 address"));
}

TEST_F(ConfigVpn, ProposalsWithModpGroupsOnlyAreWarnedAbout) {
  std::vector<ConfigError> warnings;
  const std::string text = config(
      tunnel(", ike_proposals: [aes256gcm16-prfsha384-modp3072, aes256gcm16-prfsha384-ecp384-modp4096], "
             "esp_proposals: [aes256gcm16-modp4096]"));
  auto result = load_config_text(text, "site.yaml", &warnings);
  ASSERT_TRUE(std::holds_alternative<Config>(result)) << describe(errors_of(text));
  ASSERT_EQ(warnings.size(), 2u) << describe(warnings);
  EXPECT_EQ(warnings[0].path, "vpn.tunnels[0].ike_proposals[0]");
  EXPECT_THAT(warnings[0].reason, HasSubstr("offers MODP groups only"));
  EXPECT_EQ(warnings[0].line, kTunnelLine);
  EXPECT_EQ(warnings[1].path, "vpn.tunnels[0].esp_proposals[0]");
  warnings.clear();
  ASSERT_TRUE(std::holds_alternative<Config>(load_config_text(config(tunnel()), "site.yaml", &warnings)));
  EXPECT_TRUE(warnings.empty()) << describe(warnings);
}

TEST_F(ConfigVpn, MissingKeysAreNamed) {
  const auto errors = errors_of(config("    - {name: kdn}\n"));
  std::set<std::string> paths;
  for (const auto& e : errors) paths.insert(e.path);
  EXPECT_EQ(paths,
            (std::set<std::string>{"vpn.tunnels[0].uplink", "vpn.tunnels[0].peer", "vpn.tunnels[0].local_id",
                                   "vpn.tunnels[0].remote_id", "vpn.tunnels[0].auth",
                                   "vpn.tunnels[0].local_subnets", "vpn.tunnels[0].remote_subnets"}))
      << describe(errors);
}

TEST_F(ConfigVpn, AcrossTunnelsNamesAndRemoteNetworksAreUnique) {
  std::string second = tunnel();
  second.replace(second.find("remote_subnets: [10.0.0.0/8]"), 28, "remote_subnets: [10.20.0.0/16]");
  auto errors = errors_of(config(tunnel() + second));
  ASSERT_EQ(errors.size(), 2u) << describe(errors);
  EXPECT_EQ(errors[0].path, "vpn.tunnels[1].name");
  EXPECT_THAT(errors[0].reason, HasSubstr("tunnel 'kdn' is declared twice"));
  EXPECT_EQ(errors[0].line, kTunnelLine + 1);
  EXPECT_EQ(errors[1].path, "vpn.tunnels[1].remote_subnets[0]");
  EXPECT_THAT(errors[1].reason, HasSubstr("overlaps 10.0.0.0/8 of vpn.tunnels[0].remote_subnets[0]"));

  // A declared zone that is a tunnel's.
  std::string text = config(tunnel());
  text.replace(text.find("  - name: inet\nports"), 14, "  - name: inet\n  - name: vpn-kdn");
  errors = errors_of(text);
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_THAT(errors[0].reason, HasSubstr("the tunnel's zone 'vpn-kdn' is also declared under zones"));
}

TEST_F(ConfigVpn, ATunnelIsAZoneOfItsOwnThatRulesName) {
  const std::string text =
      config(tunnel()) +
      "policy:\n  rules:\n    - {name: kdn-in, from: [vpn-kdn], to: [lan], action: accept}\n";
  auto result = load(text);
  ASSERT_TRUE(std::holds_alternative<Config>(result)) << describe(errors_of(text));
  const Config& loaded = std::get<Config>(result);
  ASSERT_EQ(loaded.zones.size(), 3u);
  EXPECT_EQ(loaded.zones[2].name, "vpn-kdn");
  EXPECT_EQ(loaded.policy.rules.size(), 1u);

  // A port cannot join it: only the tunnel's decrypted packets are in that zone.
  std::string port_in_it = config(tunnel());
  port_in_it.replace(port_in_it.find("    backend: null"), 17, "    zone: vpn-kdn\n    backend: null");
  const auto errors = errors_of(port_in_it);
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].path, "ports[0].zone");
  EXPECT_THAT(errors[0].reason, HasSubstr("holds the traffic of a VPN tunnel"));

  // Without the tunnel, a rule naming its zone is refused as before.
  const std::string without =
      std::string(kBase.substr(0, kBase.find("vpn:"))) +
      "policy:\n  rules:\n    - {name: kdn-in, from: [vpn-kdn], to: [lan], action: accept}\n";
  EXPECT_FALSE(errors_of(without).empty());
}

TEST_F(ConfigVpn, EachInnerFamilyNeedsNetworksOnBothSides) {
  std::string text = config(tunnel());
  text.replace(text.find("local_subnets: [192.168.10.0/24]"), 32,
               "local_subnets: [192.168.10.0/24, '2001:db8:10::/64']");
  const auto errors = errors_of(text);
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].path, "vpn.tunnels[0].remote_subnets");
  EXPECT_THAT(errors[0].reason, HasSubstr("has no IPv6 network while local_subnets has one"));
}

TEST_F(ConfigVpn, ReqidsComeFromTheNameAndDifferPerFamily) {
  VpnTunnel a, b;
  a.name = "kdn";
  b.name = "kdn2";
  EXPECT_EQ(a.reqid(false), 707188702u);  // fixed: charon keeps it in SAs across restarts of torwartd
  EXPECT_EQ(a.reqid(true), a.reqid(false) + 1);
  EXPECT_NE(a.reqid(false), b.reqid(false));
  EXPECT_NE(a.reqid(false), 0u);
  EXPECT_LT(b.reqid(true), 1u << 31);
}

TEST_F(ConfigVpn, AllErrorsOfATunnelAreReported) {
  const auto errors = errors_of(config(tunnel(
      ", ike_proposals: [aes256-sha1-modp1024], esp_proposals: [aes256gcm16], replay_window: 1, start: soon",
      cert_auth("rsa2048"))));
  EXPECT_EQ(errors.size(), 5u) << describe(errors);
}

TEST(ConfigVpnNames, TunnelNamesFitTheirZone) {
  EXPECT_TRUE(detail::valid_tunnel_name("kdn"));
  EXPECT_TRUE(detail::valid_tunnel_name("rz-nord-2"));
  EXPECT_TRUE(detail::valid_tunnel_name("abcdefghijk"));
  EXPECT_FALSE(detail::valid_tunnel_name("abcdefghijkl"));
  EXPECT_FALSE(detail::valid_tunnel_name("2kdn"));
  EXPECT_FALSE(detail::valid_tunnel_name("k_dn"));
  EXPECT_FALSE(detail::valid_tunnel_name(""));
}

}  // namespace
}  // namespace torwart::config
