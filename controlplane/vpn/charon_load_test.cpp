// The generated swanctl.conf loaded into Debian's real charon (strongSwan 5.9.8): every connection, every
// secret and key, for ECDSA and RSA certificates and pre-shared keys, and a tunnel offering every algorithm
// keyword the TR-02102-3 check allows (so the allowed list is one strongSwan really knows).
//
// charon runs in a mount and network namespace of its own (`unshare -m -n`): /run is a bind mount of a
// temporary directory (charon writes /var/run/charon.pid there), its strongswan.conf comes from
// STRONGSWAN_CONF and its vici socket lies in the temporary directory. charon refuses to start without a
// kernel-ipsec and a kernel-net plugin; kernel-netlink provides both and loads in the empty namespace (no
// SA is installed: nothing here initiates). Needs root.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "controlplane/vpn/swanctl_config.hpp"
#include "rules/config/load.hpp"

namespace torwart::controlplane::vpn {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

constexpr const char* kCharon = "/usr/lib/ipsec/charon";

std::string content(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class CharonLoad : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (unshare -m -n, a bind mount on /run)";
    if (::access(kCharon, X_OK) != 0 || std::system("command -v swanctl >/dev/null") != 0)
      GTEST_SKIP() << "strongSwan's charon and swanctl are not installed (scripts/lab-packages.txt)";
    dir_ = fs::temp_directory_path() / ("vpn-charon-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "run");
    const std::string command = std::string(TORWART_VPN_TEST_PKI) + " " + (dir_ / "pki").string();
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    std::ofstream(dir_ / "rz.psk") << "Zentrale-Rechenzentrum-2026-\"{}$\\#=,;+/!\n";
    ::chmod((dir_ / "rz.psk").c_str(), 0600);
  }
  // TORWART_KEEP_CHARON_DIR=1 keeps the directory (charon's log, swanctl's output) for a look after a run.
  void TearDown() override {
    if (!dir_.empty() && std::getenv("TORWART_KEEP_CHARON_DIR") == nullptr) fs::remove_all(dir_);
  }

  std::string pki(const std::string& name) const { return (dir_ / "pki" / name).string(); }

  // Four tunnels: ECDSA and RSA certificates, a PSK responder, every allowed keyword.
  config::Config configuration() const {
    auto cert = [&](const std::string& leaf) {
      return "{certificate: " + pki(leaf + ".pem") + ", key: " + pki(leaf + ".key") +
             ", ca: " + pki("ca.pem") + "}";
    };
    const std::string text = R"(
zones: [{name: lan}, {name: inet}]
ports:
  - {name: lan, backend: null, addresses: [192.168.10.1/24, '2001:db8:10::1/64']}
  - {name: inet, backend: af_packet, device: veth-inet, addresses: [203.0.113.1/24]}
vpn:
  tunnels:
    - {name: kdn, uplink: inet, peer: 198.51.100.2, local_id: 'fqdn:torwart.stadt.example',
       remote_id: 'C=DE, O=Stadt Example, CN=peer.stadt.example', auth: )" +
                             cert("ecdsa") + R"(,
       local_subnets: [192.168.10.0/24], remote_subnets: [10.0.0.0/16]}
    - {name: rsa, uplink: inet, peer: 198.51.100.3, local_id: 'C=DE, O=Stadt Example, CN=rsa.stadt.example',
       remote_id: 'fqdn:peer.stadt.example', auth: )" +
                             cert("rsa") + R"(, local_subnets: [192.168.10.0/24],
       remote_subnets: [10.1.0.0/16], start: listen, encapsulation: udp}
    - {name: rz-nord, uplink: inet, peer: '%any', local_id: 'email:vpn@stadt.example', remote_id: 'fqdn:rz.example',
       auth: {psk_file: )" + (dir_ / "rz.psk").string() +
                             R"(}, local_subnets: [192.168.10.0/24, '2001:db8:10::/64'],
       remote_subnets: [10.2.0.0/16, '2001:db8:99::/48'], start: listen, esp_life_bytes: 1G, replay_window: 4096}
    - {name: every-alg, uplink: inet, peer: 198.51.100.4, local_id: 203.0.113.1, remote_id: 198.51.100.4,
       auth: )" + cert("ecdsa") +
                             R"(, local_subnets: [192.168.10.0/24], remote_subnets: [10.3.0.0/16],
       ike_proposals: [aes128gcm16-aes128gcm128-aes128gcm-aes256gcm16-aes256gcm128-aes256gcm-prfsha256-prfsha384-prfsha512-ecp256-ecp384-ecp521-ecp256bp-ecp384bp-ecp512bp-modp3072-modp4096,
                       aes128-aes-aes256-sha256-sha2_256-sha384-sha2_384-sha512-sha2_512-prfsha256-ecp384],
       esp_proposals: [aes128gcm16-aes128gcm128-aes128gcm-aes256gcm16-aes256gcm128-aes256gcm-ecp256-ecp384-ecp521-ecp256bp-ecp384bp-ecp512bp-modp3072-modp4096-esn-noesn]}
)";
    auto result = config::load_config_text(text, "site.yaml");
    if (auto* errors = std::get_if<std::vector<config::ConfigError>>(&result)) {
      std::string all;
      for (const auto& e : *errors) all += e.to_string() + "\n";
      ADD_FAILURE() << all;
      return {};
    }
    return std::get<config::Config>(result);
  }

  // Starts charon in its namespaces, runs `swanctl --load-all` on DIR/swanctl/swanctl.conf, then
  // --list-conns and --list-certs, stops charon; outputs in DIR/load.out, conns.out, certs.out.
  int run_charon() const {
    const std::string d = dir_.string();
    std::ofstream(dir_ / "strongswan.conf")
        << "charon {\n"
           "  load = random nonce x509 revocation constraints pubkey pkcs1 "
           "pkcs8 pem openssl gcm aes sha2 hmac kdf vici socket-default "
           "kernel-netlink\n"
           "  port = 0\n  port_nat_t = 0\n"
           "  plugins {\n    vici {\n      socket = unix://"
        << d
        << "/vici\n    }\n  }\n"
           "  filelog {\n    log {\n      path = "
        << d
        << "/charon.log\n      default = 1\n    }\n  }\n}\n"
           "swanctl {\n  load = pem pkcs1 pkcs8 x509 openssl revocation "
           "constraints pubkey random\n}\n";
    const std::string uri = "unix://" + d + "/vici";
    std::ofstream(dir_ / "run.sh") << "set -u\n"
                                      "mount --bind "
                                   << d << "/run /run || exit 90\n"
                                   << "export STRONGSWAN_CONF=" << d << "/strongswan.conf\n"
                                   << kCharon << " >" << d << "/charon.out 2>&1 &\n"
                                   << "charon=$!\n"
                                      "up=0\n"
                                      "for i in $(seq 200); do\n"
                                      "  if swanctl --stats --uri "
                                   << uri
                                   << " >/dev/null 2>&1; then up=1; break; fi\n"
                                      "  sleep 0.05\n"
                                      "done\n"
                                      "[ $up = 1 ] || { kill $charon; exit 91; }\n"
                                      "swanctl --load-all --noprompt --file "
                                   << d << "/swanctl/swanctl.conf --uri " << uri << " >" << d
                                   << "/load.out 2>&1\n"
                                      "rc=$?\n"
                                      "swanctl --list-conns --uri "
                                   << uri << " >" << d << "/conns.out 2>&1\n"
                                   << "swanctl --list-certs --uri " << uri << " >" << d << "/certs.out 2>&1\n"
                                   << "kill $charon\nwait $charon\nexit $rc\n";
    const std::string command = "timeout 60 unshare -m -n sh " + d + "/run.sh";
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  int two_charons(const std::string& peer_leaf, const std::string& peer_name);

  fs::path dir_;
};

// Runs the box's generated tunnel against a hand-written responder whose certificate is `peer_leaf` of the
// test PKI and whose identity is fqdn `peer_name`; returns two.sh's exit code (0: the CHILD_SA was installed
// and rekeyed; 85: no CHILD_SA came up). Outputs and both charons' logs stay in DIR/a and DIR/b.
int CharonLoad::two_charons(const std::string& peer_leaf, const std::string& peer_name) {
  const std::string text = R"(
zones: [{name: lan}, {name: inet}]
ports:
  - {name: lan, backend: null, addresses: [192.168.10.1/24]}
  - {name: inet, backend: af_packet, device: veth-inet, addresses: [198.51.100.1/24]}
vpn:
  tunnels:
    - {name: kdn, uplink: inet, peer: 198.51.100.2, local_id: 'C=DE, O=Stadt Example, CN=rsa.stadt.example',
       remote_id: 'fqdn:)" +
                           peer_name + R"(', auth: {certificate: )" + pki("rsa.pem") +
                           ", key: " + pki("rsa.key") + ", ca: " + pki("ca.pem") + R"(},
       local_subnets: [192.168.10.0/24], remote_subnets: [10.0.0.0/16], encapsulation: udp,
       ike_proposals: [aes256gcm16-prfsha384-ecp384], esp_proposals: [aes256gcm16-ecp384bp]}
)";
  auto loaded = config::load_config_text(text, "site.yaml");
  if (!std::holds_alternative<config::Config>(loaded)) return -2;
  const auto generated = swanctl_config(std::get<config::Config>(loaded));
  if (!generated.ok()) return -3;
  const std::string d = dir_.string();
  if (!write_swanctl_dir(generated.config, d + "/a/swanctl").empty()) return -4;

  // The responder, written by hand as a peer's administrator would.
  fs::create_directories(dir_ / "b/swanctl/x509");
  fs::create_directories(dir_ / "b/swanctl/x509ca");
  fs::create_directories(dir_ / "b/swanctl/private");
  fs::copy_file(pki(peer_leaf + ".pem"), dir_ / "b/swanctl/x509/peer.pem");
  fs::copy_file(pki(peer_leaf + ".key"), dir_ / "b/swanctl/private/peer.key");
  fs::copy_file(pki("ca.pem"), dir_ / "b/swanctl/x509ca/ca.pem");
  std::ofstream(dir_ / "b/swanctl/swanctl.conf") << R"(connections {
  town-hall {
    version = 2
    local_addrs = 198.51.100.2
    remote_addrs = 198.51.100.1
    proposals = aes256gcm16-prfsha384-ecp384
    encap = yes
    local {
      auth = pubkey
      certs = peer.pem
      id = )" + peer_name + R"(
    }
    remote {
      auth = pubkey
      id = "C=DE, O=Stadt Example, CN=rsa.stadt.example"
      cacerts = ca.pem
    }
    children {
      town-hall {
        local_ts = 10.0.0.0/16
        remote_ts = 192.168.10.0/24
        esp_proposals = aes256gcm16-ecp384bp
      }
    }
  }
}
)";
  for (const char* side : {"a", "b"}) {
    fs::create_directories(dir_ / side / "run");
    std::ofstream(dir_ / side / "strongswan.conf")
        << "charon {\n  load = random nonce x509 revocation constraints pubkey pkcs1 pkcs8 pem openssl gcm "
           "aes "
           "sha2 hmac kdf vici socket-default kernel-libipsec kernel-netlink\n"
           "  plugins {\n    vici {\n      socket = unix://"
        << d << "/" << side << "/vici\n    }\n  }\n  filelog {\n    log {\n      path = " << d << "/" << side
        << "/charon.log\n      default = 1\n      flush_line = yes\n    }\n  }\n}\nswanctl {\n  load = pem "
           "pkcs1 pkcs8 x509 openssl "
           "revocation constraints pubkey random\n}\n";
    std::ofstream(dir_ / side / "charon.sh")
        << "mount --bind " << d << "/" << side << "/run /run || exit 90\n"
        << "export STRONGSWAN_CONF=" << d << "/" << side << "/strongswan.conf\nexec " << kCharon << " >" << d
        << "/" << side << "/charon.out 2>&1\n";
  }
  const std::string id = std::to_string(getpid());
  const std::string a = "twvpna" + id, b = "twvpnb" + id;
  std::ofstream(dir_ / "two.sh") << "set -u\nD=" << d << "\nA=" << a << "\nB=" << b << "\n"
                                 << R"(cleanup() {
  for s in a b; do [ -f $D/$s/run/charon.pid ] && kill $(cat $D/$s/run/charon.pid) 2>/dev/null; done
  sleep 0.5
  ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null
}
trap cleanup EXIT
ip netns add $A && ip netns add $B || exit 80
ip -n $A link add twva type veth peer name twvb netns $B || exit 81
# Each side holds an address inside its own traffic selector: kernel-libipsec routes the remote subnet into
# its TUN device from such a source, and without one the CHILD_SA is refused ("error installing route").
ip -n $A addr add 192.168.10.1/24 dev lo && ip -n $A addr add 198.51.100.1/24 dev twva || exit 81
ip -n $A link set twva up && ip -n $A link set lo up || exit 81
ip -n $B addr add 10.0.0.1/16 dev lo && ip -n $B addr add 198.51.100.2/24 dev twvb || exit 81
ip -n $B link set twvb up && ip -n $B link set lo up || exit 81
ip netns exec $A unshare -m sh $D/a/charon.sh &
ip netns exec $B unshare -m sh $D/b/charon.sh &
for s in a b; do
  up=0
  for i in $(seq 200); do
    if swanctl --stats --uri unix://$D/$s/vici >/dev/null 2>&1; then up=1; break; fi
    sleep 0.05
  done
  [ $up = 1 ] || exit 82
done
export STRONGSWAN_CONF=$D/a/strongswan.conf
swanctl --load-all --noprompt --file $D/b/swanctl/swanctl.conf --uri unix://$D/b/vici >$D/b/load.out 2>&1 || exit 83
swanctl --load-all --noprompt --file $D/a/swanctl/swanctl.conf --uri unix://$D/a/vici >$D/a/load.out 2>&1 || exit 84
installed=0
for i in $(seq 200); do
  swanctl --list-sas --uri unix://$D/a/vici >$D/a/sas.out 2>&1
  if grep -q INSTALLED $D/a/sas.out; then installed=1; break; fi
  # A refused authentication ends the negotiation: no need to wait out the loop.
  if grep -q -e "constraint checking failed" -e "AUTHENTICATION_FAILED" $D/a/charon.log 2>/dev/null; then break; fi
  sleep 0.1
done
[ $installed = 1 ] || exit 85
swanctl --rekey --child kdn --uri unix://$D/a/vici >$D/a/rekey.out 2>&1 || exit 86
sleep 1
swanctl --list-sas --uri unix://$D/a/vici >$D/a/sas-rekeyed.out 2>&1
swanctl --list-sas --uri unix://$D/b/vici >$D/b/sas.out 2>&1
exit 0
)";
  const int status = std::system(("timeout 90 sh " + d + "/two.sh").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(CharonLoad, EveryConnectionAndSecretLoads) {
  const auto generated = swanctl_config(configuration());
  ASSERT_TRUE(generated.ok()) << generated.error;
  ASSERT_EQ(write_swanctl_dir(generated.config, (dir_ / "swanctl").string()), "");
  const int rc = run_charon();
  const std::string load = content(dir_ / "load.out");
  ASSERT_EQ(rc, 0) << load << content(dir_ / "charon.log") << content(dir_ / "charon.out");
  for (const char* conn : {"kdn", "rsa", "rz-nord", "every-alg"}) {
    EXPECT_THAT(load, HasSubstr(std::string("loaded connection '") + conn + "'")) << load;
  }
  EXPECT_THAT(load, HasSubstr("successfully loaded 4 connections, 0 unloaded")) << load;
  EXPECT_THAT(load, HasSubstr("loaded ike secret 'ike-rz-nord'")) << load;
  EXPECT_THAT(load, HasSubstr("loaded certificate from '" + (dir_ / "swanctl/x509/kdn.pem").string()))
      << load;
  EXPECT_THAT(load, HasSubstr("loaded certificate from '" + (dir_ / "swanctl/x509ca/kdn.pem").string()))
      << load;
  EXPECT_THAT(load, HasSubstr("loaded private key from '" + (dir_ / "swanctl/private/kdn.key").string()))
      << load;
  EXPECT_THAT(load, HasSubstr("loaded private key from '" + (dir_ / "swanctl/private/rsa.key").string()))
      << load;
  EXPECT_THAT(load, Not(HasSubstr("failed"))) << load;

  const std::string conns = content(dir_ / "conns.out");
  EXPECT_THAT(conns, HasSubstr("kdn: IKEv2")) << conns;
  EXPECT_THAT(conns, HasSubstr("local:  203.0.113.1")) << conns;
  EXPECT_THAT(conns, HasSubstr("remote: 198.51.100.2")) << conns;
  EXPECT_THAT(conns, HasSubstr("id: C=DE, O=Stadt Example, CN=peer.stadt.example")) << conns;
  EXPECT_THAT(conns, HasSubstr("local:  192.168.10.0/24")) << conns;
  EXPECT_THAT(conns, HasSubstr("remote: 10.0.0.0/16")) << conns;
  EXPECT_THAT(conns, HasSubstr("rz-nord: IKEv2")) << conns;
  EXPECT_THAT(conns, HasSubstr("local pre-shared key authentication")) << conns;
  // One CHILD_SA per inner family, each with its own reqid.
  EXPECT_THAT(conns,
              HasSubstr("  rz-nord: TUNNEL, rekeying every 14400s or 1073741824 bytes, dpd action is none\n"
                        "    local:  192.168.10.0/24\n    remote: 10.2.0.0/16\n"))
      << conns;
  EXPECT_THAT(conns,
              HasSubstr("  rz-nord-v6: TUNNEL, rekeying every 14400s or 1073741824 bytes, dpd action is "
                        "none\n    local:  2001:db8:10::/64\n    remote: 2001:db8:99::/48\n"))
      << conns;
  EXPECT_THAT(conns, HasSubstr("rsa: TUNNEL, rekeying every 14400s, dpd action is none")) << conns;
  EXPECT_THAT(conns, HasSubstr("kdn: TUNNEL, rekeying every 14400s, dpd action is start")) << conns;
  EXPECT_THAT(conns, HasSubstr("every-alg: IKEv2")) << conns;
  EXPECT_THAT(content(dir_ / "certs.out"), HasSubstr("CN=ecdsa.stadt.example"));
}

// The harness sees a failure: a proposal charon does not know, written past the loader, fails the load.
TEST_F(CharonLoad, AConfigurationCharonRefusesFailsTheLoad) {
  auto generated = swanctl_config(configuration());
  ASSERT_TRUE(generated.ok()) << generated.error;
  auto& text = generated.config.text;
  const std::string proposal = "proposals = aes256gcm16-prfsha384-ecp384";
  ASSERT_NE(text.find(proposal), std::string::npos);
  text.replace(text.find(proposal), proposal.size(), "proposals = aes256gcm16-prfsha384-ecp999");
  ASSERT_EQ(write_swanctl_dir(generated.config, (dir_ / "swanctl").string()), "");
  EXPECT_NE(run_charon(), 0);
  const std::string load = content(dir_ / "load.out");
  EXPECT_THAT(load, HasSubstr("loading connection 'kdn' failed: invalid value for: proposals")) << load;
  EXPECT_THAT(load, HasSubstr("loaded 3 of 4 connections, 1 failed to load")) << load;
}

// Two charons, one with the generated configuration (the box, RSA-3072 certificate, so RSASSA-PSS), one with
// a hand-written responder (ECDSA P-384), in two network namespaces joined by a veth pair. The tunnel must
// come up with the TR-02102-3 algorithms the box offered, and an ESP rekeying must run a new
// Diffie-Hellman exchange (PFS). The kernel here has no IPsec: both use kernel-libipsec (ESP in user space
// on a TUN device), which needs ESP in UDP: the tunnel says `encapsulation: udp`.
TEST_F(CharonLoad, TwoCharonsNegotiateTheGeneratedTunnel) {
  const int rc = two_charons("peer", "peer.stadt.example");
  ASSERT_EQ(rc, 0) << content(dir_ / "a/load.out") << content(dir_ / "b/load.out")
                   << content(dir_ / "a/sas.out") << "\n--- box's charon:\n"
                   << content(dir_ / "a/charon.log") << "\n--- peer's charon:\n"
                   << content(dir_ / "b/charon.log");
  const std::string sas = content(dir_ / "a/sas.out");
  EXPECT_THAT(sas, HasSubstr("kdn: #1, ESTABLISHED, IKEv2")) << sas;
  EXPECT_THAT(sas, HasSubstr("AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384")) << sas;
  EXPECT_THAT(sas, HasSubstr("kdn: #1, reqid 707188702, INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-256\n"))
      << sas;
  EXPECT_THAT(sas, HasSubstr("local  192.168.10.0/24")) << sas;
  EXPECT_THAT(sas, HasSubstr("remote 10.0.0.0/16")) << sas;
  // The peer checked the box's RSA signature: RSASSA-PSS, never PKCS#1 v1.5.
  const std::string peer_log = content(dir_ / "b/charon.log");
  EXPECT_THAT(peer_log, HasSubstr("with RSA_EMSA_PSS_SHA2_")) << peer_log;
  EXPECT_THAT(peer_log, Not(HasSubstr("with RSA_EMSA_PKCS1"))) << peer_log;
  // The rekeyed ESP SA came from a new Diffie-Hellman exchange on brainpoolP384r1 (PFS).
  const std::string rekeyed = content(dir_ / "a/sas-rekeyed.out");
  EXPECT_THAT(rekeyed,
              HasSubstr("kdn: #2, reqid 707188702, INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-256/ECP_384_BP"))
      << rekeyed;
  EXPECT_THAT(content(dir_ / "b/charon.log"), HasSubstr("selected proposal: ESP:AES_GCM_16_256/ECP_384_BP"));
}

// The peer's signature is held to TR-02102-3 3.2.5 as well: a peer signing with RSA PKCS#1 v1.5 (charon's
// default without rsa_pss) authenticates correctly and is still refused by the box.
TEST_F(CharonLoad, APeerSigningWithPkcs1IsRefused) {
  const int rc = two_charons("rsa", "rsa.stadt.example");
  const std::string log = content(dir_ / "a/charon.log");
  EXPECT_EQ(rc, 85) << log;  // no CHILD_SA
  EXPECT_THAT(log, HasSubstr("authentication of 'rsa.stadt.example' with RSA_EMSA_PKCS1_SHA2_256 successful"))
      << log;
  EXPECT_THAT(log, HasSubstr("selected peer config 'kdn' unacceptable: constraint checking failed")) << log;
  EXPECT_THAT(content(dir_ / "a/sas.out"), Not(HasSubstr("ESTABLISHED"))) << content(dir_ / "a/sas.out");
}

}  // namespace
}  // namespace torwart::controlplane::vpn
