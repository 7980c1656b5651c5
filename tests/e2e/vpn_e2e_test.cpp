// End-to-end tests of the VPN's control half: Debian's charon with torwart's plugin in the appliance's
// namespace negotiates IKEv2 with an independent strongSwan peer (Debian's charon with kernel-libipsec, in
// the Internet router's namespace); IKE reaches the box's charon through the fast path and the kernel twin
// of the Internet port, and the SAs charon installs land in `torwart run` (ipsec_sas), not in the kernel.
// Needs root.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "controlplane/vpn/swanctl_config.hpp"
#include "dataplane/control_protocol/client.hpp"
#include "dataplane/control_protocol/control_protocol.hpp"
#include "dataplane/lab/appliance.hpp"
#include "dataplane/lab/cleanup.hpp"
#include "dataplane/lab/lab_checks.hpp"
#include "dataplane/lab/lab_topology.hpp"
#include "dataplane/lab/strongswan.hpp"
#include "dataplane/lab/uplink_dhcp.hpp"
#include "tests/e2e/e2e_support.hpp"

namespace torwart::lab {
namespace {

using e2e::binary;
using e2e::read_file;
namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

constexpr char kPsk[] = "0sdGhpcyBpcyBhIHRlc3Qga2V5IG9mIDMyIGJ5dGVzLCBub3QgbW9yZSE=";
// The same key as the box's psk_file holds it (the configuration never carries the key itself).
constexpr char kPskText[] = "this is a test key of 32 bytes, not more!";

class VpnE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(geteuid(), 0u) << "end-to-end tests need root (network namespaces); run them as root";
    ASSERT_EQ(access(kCharonProgram, X_OK), 0) << "strongSwan's charon (strongswan-charon) is not installed";
    ASSERT_EQ(access(plugin_.c_str(), R_OK), 0) << plugin_;
    ASSERT_FALSE(find_program("swanctl").empty());
    install_cleanup_handlers();
    remove_stale_lab_namespaces();
    std::string pattern = (fs::temp_directory_path() / "torwart-vpn-e2e-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    work_dir_ = pattern;
    // IKE from the peer only (NAT-T moves it to 4500); everything else for the box stays refused. The
    // tunnel's zone talks to the LAN both ways.
    psk_file_ = work_dir_ + "/kdn.psk";
    std::ofstream(psk_file_) << kPskText << "\n";
    fs::permissions(psk_file_, fs::perms::owner_read | fs::perms::owner_write);
    const std::string text =
        with_policy_rules(lab_config_text(control_socket()),
                          "    - name: ike-from-kdn-peer\n"
                          "      from: [inet]\n"
                          "      to: [local]\n"
                          "      source: [203.0.113.1/32]\n"
                          "      service: [udp/500, udp/4500]\n"
                          "      action: accept\n"
                          "    - {name: lan-to-kdn-site, from: [lan], to: [vpn-kdn], action: accept}\n"
                          "    - {name: kdn-site-to-lan, from: [vpn-kdn], to: [lan], "
                          "service: [icmp/echo-request], action: accept}\n") +
        "vpn:\n  tunnels:\n    - name: kdn\n      uplink: inet\n      peer: 203.0.113.1\n"
        "      local_id: 'fqdn:box.rathaus.example'\n      remote_id: 'fqdn:kdn.example'\n"
        "      auth: {psk_file: " +
        psk_file_ +
        "}\n      local_subnets: [192.168.10.0/24]\n      remote_subnets: [10.99.0.0/24]\n"
        "      encapsulation: udp\n      start: listen\n      dpd_delay: 1s\n";
    config_text_ = text;
    config_path_ = work_dir_ + "/torwart.yaml";
    std::ofstream(config_path_) << text;
    static int sequence = 0;
    const std::string prefix =
        std::string(kNamespacePrefix) + std::to_string(getpid()) + "-v" + std::to_string(++sequence);
    config_ = load_lab_config(text);
    topology_ = build_topology(prefix, config_, false);
    ctx_ = LabContext{&topology_, work_dir_, work_dir_, "python3", 0, false};
    appliance_ = std::make_unique<ApplianceProcess>(*topology_.appliance, torwart_, config_path_,
                                                    work_dir_ + "/eve", work_dir_ + "/appliance.out");
    appliance_->start();
    const CheckResult ready = wait_ready(ctx_, seconds(30), [this] { return appliance_->alive(); });
    ASSERT_TRUE(ready.pass) << ready.observed << "\n" << read_file(appliance_->output_log());
    // The peer's protected network: an address on its loopback.
    ASSERT_TRUE(
        ctx_.run(*topology_.inet, {"ip", "addr", "add", "10.99.0.1/32", "dev", "lo"}, seconds(5)).ok());
  }

  void TearDown() override {
    torwartd_.stop();
    // charon outlives torwartd by design; the test ends it.
    signal_charon(work_dir_ + "/vpn", SIGTERM);
    box_.process.stop();
    peer_.process.stop();
    if (appliance_) appliance_->stop();
    appliance_.reset();
    topology_ = Topology{};
    if (!work_dir_.empty()) {
      if (HasFailure()) {
        std::cout << "vpn e2e: kept " << work_dir_ << " for inspection\n";
      } else {
        std::error_code ec;
        fs::remove_all(work_dir_, ec);
      }
    }
  }

  std::string control_socket() const { return work_dir_ + "/control.sock"; }

  // charon in `ns` from work_dir/NAME; a failure to start or load fails the test.
  CharonInstance start_charon(const Namespace& ns, const std::string& name, const CharonSettings& settings) {
    std::string problem;
    CharonInstance charon = lab::start_charon(ns, work_dir_ + "/" + name, settings, problem);
    EXPECT_TRUE(problem.empty()) << problem << "\n" << read_file(charon.log());
    return charon;
  }

  // The peer routes the box's networks into its TUN device (kernel-libipsec): install_routes.
  void start_peer() {
    peer_ = start_charon(
        *topology_.inet, "peer",
        {std::string("kernel-libipsec ") + kCharonPlugins, "    kernel-libipsec { allow_peer_ts = yes }\n",
         psk_connection("203.0.113.1", "203.0.113.2", "kdn.example", "box.rathaus.example", "10.99.0.0/24",
                        "192.168.10.0/24", kPsk),
         "", true});
  }

  // The box's charon on the swanctl.conf torwartd writes from the configuration's vpn section.
  void start_box_from_configuration() {
    const controlplane::vpn::SwanctlResult generated = controlplane::vpn::swanctl_config(config_);
    ASSERT_TRUE(generated.ok()) << generated.error;
    box_ = start_charon(
        *topology_.appliance, "box",
        {std::string("torwart ") + kCharonPlugins, "    torwart { socket = " + control_socket() + " }\n",
         generated.config.text, plugin_, false});
  }

  void start_box(const std::string& psk) {
    box_ = start_charon(
        *topology_.appliance, "box",
        {std::string("torwart ") + kCharonPlugins, "    torwart { socket = " + control_socket() + " }\n",
         psk_connection("203.0.113.2", "203.0.113.1", "box.rathaus.example", "kdn.example", "192.168.10.0/24",
                        "10.99.0.0/24", psk),
         plugin_, false});
  }

  // The number of SAs in the fast path once it is `wanted`, or when `limit` has passed.
  size_t sas_once(size_t wanted, milliseconds limit) {
    size_t now = fastpath(control_protocol::command::kIpsecSas)["sas"].size();
    for (auto deadline = Clock::now() + limit; now != wanted && Clock::now() < deadline;) {
      std::this_thread::sleep_for(milliseconds(100));
      now = fastpath(control_protocol::command::kIpsecSas)["sas"].size();
    }
    return now;
  }

  CommandResult initiate() {
    return run_command({"swanctl", "--initiate", "--child", "kdn", "--timeout", "20", "--uri", box_.vici()},
                       milliseconds(30000));
  }

  json fastpath(std::string_view command) {
    const json reply =
        control_protocol::fastpath_request(control_socket(), control_protocol::make_request(command));
    EXPECT_TRUE(reply.value("ok", false)) << reply.dump();
    return reply.value("result", json::object());
  }

  std::string torwart_ = binary("TORWART_BINARY", TORWART_BINARY_DEFAULT);
  std::string plugin_ = binary("TORWART_CHARON_PLUGIN", TORWART_CHARON_PLUGIN_DEFAULT);
  std::string work_dir_;
  std::string config_path_;
  std::string psk_file_;
  std::string config_text_;
  BackgroundProcess torwartd_;
  std::string torwartd_binary_ = binary("TORWARTD_BINARY", TORWARTD_BINARY_DEFAULT);
  std::string torwartctl_ = binary("TORWARTCTL_BINARY", TORWARTCTL_BINARY_DEFAULT);
  config::Config config_;
  Topology topology_;
  LabContext ctx_;
  std::unique_ptr<ApplianceProcess> appliance_;
  CharonInstance box_;
  CharonInstance peer_;
};

TEST_F(VpnE2eTest, IkeThroughTheExceptionPathInstallsTheSasInTheFastPath) {
  start_peer();
  start_box(kPsk);
  ASSERT_FALSE(HasFailure());
  const CommandResult initiated = initiate();
  ASSERT_TRUE(initiated.ok()) << initiated.output << "\nbox:\n"
                              << read_file(box_.log()) << "\npeer:\n"
                              << read_file(peer_.log());

  const json listing = fastpath(control_protocol::command::kIpsecSas);
  ASSERT_EQ(listing["sas"].size(), 2U) << listing.dump();
  int inbound = 0;
  for (const auto& sa : listing["sas"]) {
    EXPECT_EQ(sa["cipher"], "aes-gcm-256");
    EXPECT_EQ(sa["replay_window"], 1024);
    // kernel-libipsec on the peer asks for UDP encapsulation (RFC 3948): both SAs are ESP in UDP 4500.
    EXPECT_EQ(sa["udp_encapsulation"], true) << sa.dump();
    if (sa["direction"] == "in") {
      ++inbound;
      EXPECT_EQ(sa["destination"]["address"], "203.0.113.2");
      EXPECT_EQ(sa["source"]["address"], "203.0.113.1");
    } else {
      EXPECT_EQ(sa["destination"]["address"], "203.0.113.1");
    }
  }
  EXPECT_EQ(inbound, 1);
  // charon's policies for the tunnel (out, in, fwd) are in the fast path too.
  bool out_policy = false;
  for (const auto& policy : listing["policies"]) {
    if (policy["direction"] == "out" && policy["destination"]["from"] == "10.99.0.0" &&
        policy["destination"]["to"] == "10.99.0.255" && policy["source"]["from"] == "192.168.10.0") {
      out_policy = true;
    }
  }
  EXPECT_TRUE(out_policy) << listing["policies"].dump();
  // The peer sees the same CHILD_SA: its inbound SPI is the box's outbound one.
  const CommandResult peer_sas =
      run_command({"swanctl", "--list-sas", "--uri", peer_.vici()}, milliseconds(10000));
  EXPECT_NE(peer_sas.output.find("INSTALLED"), std::string::npos) << peer_sas.output;

  // Terminating the tunnel takes the SAs out of the fast path again.
  const CommandResult terminated =
      run_command({"swanctl", "--terminate", "--ike", "kdn", "--timeout", "10", "--uri", box_.vici()},
                  milliseconds(20000));
  EXPECT_TRUE(terminated.ok()) << terminated.output;
  // charon removes the CHILD_SAs as it destroys the IKE_SA, just after swanctl has its answer.
  EXPECT_EQ(sas_once(0, seconds(5)), 0U);
}

// Traffic through the tunnel: the box's charon runs the configuration's swanctl.conf (reqid per tunnel), the
// fast path encrypts what the LAN sends to the peer's network and decrypts the answers, and a transfer
// arrives byte for byte (its SHA-256 computed at the far end and sent back through the tunnel).
TEST_F(VpnE2eTest, TheLanReachesThePeersNetworkThroughTheTunnel) {
  start_peer();
  start_box_from_configuration();
  ASSERT_FALSE(HasFailure());
  const CommandResult initiated = initiate_child(peer_, "kdn", seconds(30));
  ASSERT_TRUE(initiated.ok()) << initiated.output << "\nbox:\n"
                              << read_file(box_.log()) << "\npeer:\n"
                              << read_file(peer_.log());
  const CommandResult ping =
      ctx_.run(*topology_.lan, {"ping", "-c", "3", "-i", "0.2", "-W", "2", "-n", "10.99.0.1"}, seconds(15));
  EXPECT_TRUE(ping.ok()) << ping.output << "\n" << fastpath(control_protocol::command::kStats).dump();
  // The other direction of the policy: echo requests from the peer's network are allowed into the LAN.
  const CommandResult ping_back = ctx_.run(
      *topology_.inet, {"ping", "-c", "2", "-W", "2", "-n", "-I", "10.99.0.1", "192.168.10.10"}, seconds(15));
  EXPECT_TRUE(ping_back.ok()) << ping_back.output;

  BackgroundProcess server = topology_.inet->start(
      {"socat", "TCP4-LISTEN:9000,bind=10.99.0.1,reuseaddr", "SYSTEM:sha256sum"}, work_dir_ + "/server.log");
  std::this_thread::sleep_for(milliseconds(300));
  const std::string data = work_dir_ + "/transfer.bin";
  ASSERT_TRUE(run_command({"sh", "-c", "head -c 400000 /dev/urandom > " + data}, milliseconds(5000)).ok());
  const CommandResult local_sum = run_command({"sh", "-c", "sha256sum < " + data}, milliseconds(5000));
  const CommandResult remote_sum =
      ctx_.run(*topology_.lan, {"sh", "-c", "socat -t 10 - TCP:10.99.0.1:9000,connect-timeout=5 < " + data},
               seconds(30));
  server.stop();
  ASSERT_TRUE(remote_sum.ok()) << remote_sum.output;
  EXPECT_EQ(remote_sum.output.substr(0, 64), local_sum.output.substr(0, 64));

  // Both of the box's SAs carried the traffic.
  for (const auto& sa : fastpath(control_protocol::command::kIpsecSas)["sas"]) {
    EXPECT_GT(sa["packets"].get<uint64_t>(), 100U) << sa.dump();
  }
}

// torwartd runs charon from the current version: with the tunnel in version 1 it starts charon with the
// plugin and loads the tunnel, and the peer's traffic crosses; a commit without the tunnel stops charon,
// whose SAs leave the fast path.
TEST_F(VpnE2eTest, TorwartdRunsCharonFromTheCurrentVersion) {
  start_peer();
  ASSERT_FALSE(HasFailure());
  const MirrorDaemon daemon{torwartd_binary_, work_dir_,          config_path_,
                            control_socket(), work_dir_ + "/eve", ""};
  torwartd_ = topology_.appliance->start(daemon.argv(), work_dir_ + "/torwartd.log");
  const CommandResult initiated = initiate_child(peer_, "kdn", seconds(30));
  ASSERT_TRUE(initiated.ok()) << initiated.output << "\ntorwartd:\n"
                              << read_file(work_dir_ + "/torwartd.log") << "\nbox's charon:\n"
                              << read_file(work_dir_ + "/vpn/charon.log");
  const CommandResult ping =
      ctx_.run(*topology_.lan, {"ping", "-c", "3", "-i", "0.2", "-W", "2", "-n", "10.99.0.1"}, seconds(15));
  EXPECT_TRUE(ping.ok()) << ping.output;
  const CommandResult status =
      run_command({torwartctl_, "-S", daemon.socket(), "--json", "status"}, milliseconds(10000));
  ASSERT_TRUE(status.ok()) << status.output;
  const json vpn = json::parse(status.output)["vpn"];
  EXPECT_EQ(vpn["charon"]["running"], true) << vpn.dump();
  EXPECT_EQ(vpn["loaded_from_version"], 1) << vpn.dump();
  EXPECT_EQ(fastpath(control_protocol::command::kIpsecSas)["sas"].size(), 2U);
  // torwartctl vpn status names both SAs by their tunnel.
  ASSERT_EQ(vpn["sas"].size(), 2U) << vpn.dump();
  for (const auto& sa : vpn["sas"]) EXPECT_EQ(sa["tunnel"], "kdn") << sa.dump();
  const CommandResult table =
      run_command({torwartctl_, "-S", daemon.socket(), "vpn", "status"}, milliseconds(10000));
  ASSERT_TRUE(table.ok()) << table.output;
  EXPECT_NE(table.output.find("charon            running"), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("kdn             in   "), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("kdn             out  "), std::string::npos) << table.output;

  // Version 2 has no tunnel (and no rules for its zone): charon goes, and its SAs with it.
  std::string v2 = config_text_.substr(0, config_text_.find("vpn:\n"));
  for (const char* rule : {"lan-to-kdn-site", "kdn-site-to-lan"}) {
    const size_t at = v2.find(std::string("    - {name: ") + rule);
    ASSERT_NE(at, std::string::npos);
    v2.erase(at, v2.find('\n', at) + 1 - at);
  }
  const std::string v2_path = work_dir_ + "/v2.yaml";
  std::ofstream(v2_path) << v2;
  const CommandResult committed =
      run_command({torwartctl_, "-S", daemon.socket(), "config", "commit", v2_path}, milliseconds(20000));
  ASSERT_TRUE(committed.ok()) << committed.output;
  EXPECT_EQ(sas_once(0, seconds(15)), 0U) << read_file(work_dir_ + "/torwartd.log");
  const json after =
      json::parse(run_command({torwartctl_, "-S", daemon.socket(), "--json", "status"}, milliseconds(10000))
                      .output)["vpn"];
  EXPECT_EQ(after["charon"]["running"], false) << after.dump();
  // The EVE spool tells the tunnel's story: both SAs of kdn installed, then removed with their counters.
  std::map<std::string, int> events;
  for (const auto& file : fs::recursive_directory_iterator(work_dir_ + "/eve")) {
    if (!file.is_regular_file()) continue;
    std::ifstream in(file.path());
    for (std::string line; std::getline(in, line);) {
      if (line.find("\"event_type\":\"ipsec\"") == std::string::npos) continue;
      const json record = json::parse(line)["ipsec"];
      if (record["tunnel"] == "kdn") ++events[record["event"].get<std::string>()];
    }
  }
  EXPECT_EQ(events["sa_installed"], 2);
  EXPECT_EQ(events["sa_removed"], 2);
}

// Make-before-break (RFC 7296 2.8): both ends rekey the CHILD_SA while a ping runs every 20 ms through the
// tunnel; not one echo may be lost, and the traffic ends up on the new SAs.
TEST_F(VpnE2eTest, RekeyingUnderTrafficLosesNoPacket) {
  start_peer();
  start_box_from_configuration();
  ASSERT_FALSE(HasFailure());
  const CommandResult initiated = initiate_child(peer_, "kdn", seconds(30));
  ASSERT_TRUE(initiated.ok()) << initiated.output;
  std::set<uint32_t> first_spis;
  for (const auto& sa : fastpath(control_protocol::command::kIpsecSas)["sas"])
    first_spis.insert(sa["spi"].get<uint32_t>());
  BackgroundProcess ping = topology_.lan->start(
      {"ping", "-c", "250", "-i", "0.02", "-W", "2", "-n", "10.99.0.1"}, work_dir_ + "/ping.log");
  std::this_thread::sleep_for(milliseconds(1000));
  const CommandResult box_rekey =
      run_command({"swanctl", "--rekey", "--child", "kdn", "--uri", box_.vici()}, milliseconds(15000));
  EXPECT_TRUE(box_rekey.ok()) << box_rekey.output;
  std::this_thread::sleep_for(milliseconds(1500));
  const CommandResult peer_rekey =
      run_command({"swanctl", "--rekey", "--child", "kdn", "--uri", peer_.vici()}, milliseconds(15000));
  EXPECT_TRUE(peer_rekey.ok()) << peer_rekey.output;
  for (auto deadline = Clock::now() + seconds(20); Clock::now() < deadline && ping.running();)
    std::this_thread::sleep_for(milliseconds(100));
  ping.stop();
  const std::string said = read_file(work_dir_ + "/ping.log");
  EXPECT_NE(said.find("250 packets transmitted, 250 received"), std::string::npos) << said << "\nbox:\n"
                                                                                   << read_file(box_.log());
  // Two rekeys later, the fast path holds other SAs than the first pair, and they carried traffic.
  const json sas = fastpath(control_protocol::command::kIpsecSas)["sas"];
  ASSERT_GE(sas.size(), 2U) << sas.dump();
  for (const auto& sa : sas) {
    EXPECT_FALSE(first_spis.contains(sa["spi"].get<uint32_t>())) << sa.dump();
  }
}

// Dead peer detection through the fast path: charon asks the plugin when the inbound SA last carried a
// packet (ipsec_sa_query), probes the silent peer after dpd_delay (1 s here) and, its retransmissions spent
// (3, from 1 s), clears the tunnel: the SAs leave the fast path. The peer comes back and initiates again.
TEST_F(VpnE2eTest, ADeadPeerIsDetectedAndItsSasLeaveTheFastPath) {
  start_peer();
  start_box_from_configuration();
  ASSERT_FALSE(HasFailure());
  ASSERT_TRUE(initiate_child(peer_, "kdn", seconds(30)).ok());
  ASSERT_EQ(fastpath(control_protocol::command::kIpsecSas)["sas"].size(), 2U);
  // The peer dies without a word (no DELETE).
  ASSERT_TRUE(signal_charon(peer_.dir, SIGKILL));
  peer_.stop();
  const auto killed = Clock::now();
  const size_t left = sas_once(0, seconds(40));
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - killed).count();
  ASSERT_EQ(left, 0U) << read_file(box_.log());
  std::cout << "vpn e2e: dead peer detected and its SAs removed " << took << " ms after it died\n";
  EXPECT_NE(read_file(box_.log()).find("DPD"), std::string::npos) << "charon probed the peer";
  // Back again: the tunnel comes up anew.
  start_peer();
  ASSERT_TRUE(initiate_child(peer_, "kdn", seconds(30)).ok());
  EXPECT_EQ(fastpath(control_protocol::command::kIpsecSas)["sas"].size(), 2U);
  const CommandResult ping =
      ctx_.run(*topology_.lan, {"ping", "-c", "2", "-W", "2", "-n", "10.99.0.1"}, seconds(10));
  EXPECT_TRUE(ping.ok()) << ping.output;
}

TEST_F(VpnE2eTest, AWrongPreSharedKeyInstallsNothing) {
  start_peer();
  start_box("0sV3JvbmcgcHJlLXNoYXJlZCBrZXksIGFsc28gMzIgYnl0ZXMgbG9uZyE=");
  ASSERT_FALSE(HasFailure());
  const CommandResult initiated = initiate();
  EXPECT_FALSE(initiated.ok()) << initiated.output;
  EXPECT_EQ(fastpath(control_protocol::command::kIpsecSas)["sas"].size(), 0U);
  // The peer says why: the box's AUTH payload did not verify with the key it has.
  const std::string peer_log = read_file(peer_.log());
  EXPECT_NE(peer_log.find("MAC mismatched"), std::string::npos) << peer_log;
}

}  // namespace
}  // namespace torwart::lab
