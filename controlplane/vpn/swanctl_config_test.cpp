// swanctl.conf as the generator writes it, for certificate and pre-shared-key tunnels, and what it refuses
// to write. charon_load_test.cpp feeds the same output to the real charon.
#include "controlplane/vpn/swanctl_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "rules/config/load.hpp"

namespace torwart::controlplane::vpn {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kPorts = R"(
zones: [{name: lan}, {name: inet}]
ports:
  - {name: lan, backend: null, addresses: [192.168.10.1/24, '2001:db8:10::1/64']}
  - {name: inet, backend: af_packet, device: veth-inet, addresses: [203.0.113.1/24, '2001:db8:ff::1/64']}
vpn:
  tunnels:
)";

class Swanctl : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::filesystem::temp_directory_path() / ("vpn-swanctl-" + std::to_string(getpid()));
    const std::string command = std::string(TORWART_VPN_TEST_PKI) + " " + (dir_ / "pki").string();
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    write_psk("rz.psk", "Zentrale-Rechenzentrum-2026-\"{}$\\#=,;+/!\n");
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(dir_); }
  static void write_psk(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    ::chmod((dir_ / name).c_str(), 0600);
  }
  static std::string pki(const std::string& name) { return (dir_ / "pki" / name).string(); }

  static config::Config load(const std::string& tunnels) {
    auto result = config::load_config_text(std::string(kPorts) + tunnels, "site.yaml");
    if (auto* errors = std::get_if<std::vector<config::ConfigError>>(&result)) {
      std::string text;
      for (const auto& e : *errors) text += e.to_string() + "\n";
      ADD_FAILURE() << text;
      return {};
    }
    return std::get<config::Config>(result);
  }
  static std::string cert_tunnel(const std::string& leaf) {
    return "    - {name: kdn, uplink: inet, peer: 198.51.100.2, local_id: 'fqdn:torwart.stadt.example', "
           "remote_id: "
           "'C=DE, O=Stadt Example, CN=peer.stadt.example', auth: {certificate: " +
           pki(leaf + ".pem") + ", key: " + pki(leaf + ".key") + ", ca: " + pki("ca.pem") +
           "}, local_subnets: [192.168.10.0/24], remote_subnets: [10.0.0.0/8]}\n";
  }
  static std::string psk_tunnel() {
    return "    - {name: rz-nord, uplink: inet, peer: '%any', local_id: 'email:vpn@stadt.example', "
           "remote_id: "
           "'fqdn:rz.example', auth: {psk_file: " +
           (dir_ / "rz.psk").string() +
           "}, local_subnets: [192.168.10.0/24, '2001:db8:10::/64'], remote_subnets: [10.1.0.0/16, "
           "'2001:db8:99::/48'], ike_proposals: [aes256-sha384-prfsha384-ecp384bp], esp_proposals: "
           "[aes256gcm16-modp4096-esn, aes128gcm16-ecp256], ike_rekey: 12h, esp_rekey: 1h, esp_life_bytes: "
           "1G, dpd_delay: 30s, replay_window: 4096, encapsulation: udp, start: listen}\n";
  }

  static inline std::filesystem::path dir_;
};

TEST_F(Swanctl, AnEcdsaCertificateTunnelWithTheDefaults) {
  const auto result = swanctl_config(load(cert_tunnel("ecdsa")));
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.config.text,
            R"(# swanctl.conf written by torwart from the configuration's vpn section; edits are overwritten.
connections {
  kdn {
    version = 2
    local_addrs = 203.0.113.1
    remote_addrs = 198.51.100.2
    proposals = aes256gcm16-prfsha384-ecp384, aes128gcm16-prfsha256-ecp256, aes256gcm16-prfsha512-ecp512bp
    rekey_time = 86400s
    over_time = 8640s
    rand_time = 8640s
    dpd_delay = 10s
    encap = no
    mobike = no
    unique = replace
    keyingtries = 0
    local {
      auth = pubkey
      certs = kdn.pem
      id = "fqdn:torwart.stadt.example"
    }
    remote {
      auth = ike:ecdsa-sha256-sha384-sha512-ike:rsa/pss-sha256-sha384-sha512
      cacerts = kdn.pem
      id = "C=DE, O=Stadt Example, CN=peer.stadt.example"
    }
    children {
      kdn {
        mode = tunnel
        reqid = 707188702
        local_ts = 192.168.10.0/24
        remote_ts = 10.0.0.0/8
        esp_proposals = aes256gcm16-ecp384, aes128gcm16-ecp256, aes256gcm16-ecp512bp
        rekey_time = 14400s
        life_time = 15840s
        rand_time = 1440s
        replay_window = 1024
        dpd_action = restart
        start_action = start
      }
    }
  }
}
secrets {
}
)");
  EXPECT_EQ(result.config.files, (std::vector<CredentialFile>{{pki("ecdsa.pem"), "x509/kdn.pem", false},
                                                              {pki("ecdsa.key"), "private/kdn.key", true},
                                                              {pki("ca.pem"), "x509ca/kdn.pem", false}}));
}

TEST_F(Swanctl, AnRsaCertificateSignsWithPss) {
  const auto result = swanctl_config(load(cert_tunnel("rsa")));
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_THAT(
      result.config.text,
      HasSubstr("    local {\n      auth = ike:rsa/pss-sha256-sha384-sha512\n      certs = kdn.pem\n"));
  EXPECT_THAT(result.config.text, Not(HasSubstr("auth = pubkey\n      certs")));
}

TEST_F(Swanctl, APreSharedKeyTunnelWithEveryOption) {
  const auto result = swanctl_config(load(psk_tunnel()));
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.config.text,
            R"(# swanctl.conf written by torwart from the configuration's vpn section; edits are overwritten.
connections {
  rz-nord {
    version = 2
    local_addrs = 203.0.113.1, 2001:db8:ff::1
    remote_addrs = %any
    proposals = aes256-sha384-prfsha384-ecp384bp
    rekey_time = 43200s
    over_time = 4320s
    rand_time = 4320s
    dpd_delay = 30s
    encap = yes
    mobike = no
    unique = replace
    keyingtries = 0
    local {
      auth = psk
      id = "email:vpn@stadt.example"
    }
    remote {
      auth = psk
      id = "fqdn:rz.example"
    }
    children {
      rz-nord {
        mode = tunnel
        reqid = 2023743288
        local_ts = 192.168.10.0/24
        remote_ts = 10.1.0.0/16
        esp_proposals = aes256gcm16-modp4096-esn, aes128gcm16-ecp256
        rekey_time = 3600s
        life_time = 3960s
        rand_time = 360s
        rekey_bytes = 1073741824
        life_bytes = 1181116006
        replay_window = 4096
        dpd_action = clear
        start_action = none
      }
      rz-nord-v6 {
        mode = tunnel
        reqid = 2023743289
        local_ts = 2001:db8:10::/64
        remote_ts = 2001:db8:99::/48
        esp_proposals = aes256gcm16-modp4096-esn, aes128gcm16-ecp256
        rekey_time = 3600s
        life_time = 3960s
        rand_time = 360s
        rekey_bytes = 1073741824
        life_bytes = 1181116006
        replay_window = 4096
        dpd_action = clear
        start_action = none
      }
    }
  }
}
secrets {
  ike-rz-nord {
    id-local = "email:vpn@stadt.example"
    id-remote = "fqdn:rz.example"
    secret = 0x5a656e7472616c652d52656368656e7a656e7472756d2d323032362d227b7d245c233d2c3b2b2f21
  }
}
)");
  EXPECT_TRUE(result.config.files.empty());
}

TEST_F(Swanctl, QuotingRefusesWhatWouldChangeTheSyntax) {
  EXPECT_EQ(quote_value("C=DE, O=Stadt Example, CN=x"), "\"C=DE, O=Stadt Example, CN=x\"");
  EXPECT_EQ(quote_value("a{b}c=d#e"), "\"a{b}c=d#e\"");  // inside quotes these are text
  for (const std::string& bad : std::vector<std::string>{"a\"b", "a\\b", "a\nb", "a\rb", "${x}",
                                                         std::string("a\0b", 3), "gr\xc3\xbc\xc3\x9f"}) {
    EXPECT_THROW(quote_value(bad), std::invalid_argument) << bad;
  }
}

TEST_F(Swanctl, AValueTheLoaderWouldRefuseIsNeverWritten) {
  config::Config config = load(cert_tunnel("ecdsa"));
  ASSERT_EQ(config.vpn.tunnels.size(), 1u);
  config.vpn.tunnels[0].remote_id = "CN=x\"\n}\nconnections { evil";
  auto result = swanctl_config(config);
  EXPECT_THAT(result.error, HasSubstr("tunnel 'kdn': a swanctl.conf value cannot carry"));
  EXPECT_TRUE(result.config.text.empty());

  config = load(cert_tunnel("ecdsa"));
  config.vpn.tunnels[0].name = "kdn {";
  result = swanctl_config(config);
  EXPECT_THAT(result.error, HasSubstr("cannot name a swanctl.conf section"));
}

TEST_F(Swanctl, AKeyFileSpoiledAfterTheLoadIsNamed) {
  write_psk("later.psk", "0123456789abcdef0123456789abcdef\n");
  std::string tunnel = psk_tunnel();
  tunnel.replace(tunnel.find((dir_ / "rz.psk").string()), (dir_ / "rz.psk").string().size(),
                 (dir_ / "later.psk").string());
  const config::Config config = load(tunnel);
  write_psk("later.psk", "short\n");
  const auto result = swanctl_config(config);
  EXPECT_THAT(result.error, HasSubstr("tunnel 'rz-nord': "));
  EXPECT_THAT(result.error, HasSubstr("at least 32"));
}

TEST_F(Swanctl, TheDirectoryHoldsTheConfigurationAndCopiesWithTheirModes) {
  const auto result = swanctl_config(load(cert_tunnel("ecdsa")));
  ASSERT_TRUE(result.ok()) << result.error;
  const auto out = dir_ / "swanctl";
  ASSERT_EQ(write_swanctl_dir(result.config, out.string()), "");
  auto content = [](const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  };
  auto mode = [](const std::filesystem::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 07777;
  };
  EXPECT_EQ(content(out / "swanctl.conf"), result.config.text);
  EXPECT_EQ(content(out / "x509/kdn.pem"), content(pki("ecdsa.pem")));
  EXPECT_EQ(content(out / "private/kdn.key"), content(pki("ecdsa.key")));
  EXPECT_EQ(content(out / "x509ca/kdn.pem"), content(pki("ca.pem")));
  EXPECT_EQ(mode(out / "swanctl.conf"), 0600u);
  EXPECT_EQ(mode(out / "private/kdn.key"), 0600u);
  EXPECT_EQ(mode(out / "private"), 0700u);
  EXPECT_EQ(mode(out / "x509/kdn.pem"), 0644u);

  SwanctlConfig missing = result.config;
  missing.files.push_back({pki("absent.pem"), "x509/absent.pem", false});
  EXPECT_THAT(write_swanctl_dir(missing, out.string()), HasSubstr("cannot read"));
}

}  // namespace
}  // namespace torwart::controlplane::vpn
