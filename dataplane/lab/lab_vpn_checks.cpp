#include "dataplane/lab/lab_vpn_checks.hpp"

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "dataplane/lab/lab_topology.hpp"
#include "dataplane/lab/uplink_dhcp.hpp"

namespace torwart::lab {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::seconds;

constexpr char kKey[] = "lab key: 32 printable characters, and then some";

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

VpnRows::VpnRows(const LabContext& ctx, const std::string& running_text, const std::string& fastpath_socket,
                 const std::string& torwartd_binary)
    : ctx_(ctx),
      dir_(ctx.work_dir + "/vpn"),
      torwartctl_((std::filesystem::path(torwartd_binary).parent_path() / "torwartctl").string()) {
  namespace fs = std::filesystem;
  fs::create_directories(dir_);
  const Namespace& inet = *ctx.topology->inet;
  inet.run({"ip", "addr", "add", std::string(kSiteHost) + "/32", "dev", "lo"}, milliseconds(5000));
  peer_ = start_charon(
      inet, dir_ + "/peer",
      {std::string("kernel-libipsec ") + kCharonPlugins, "    kernel-libipsec { allow_peer_ts = yes }\n",
       psk_connection("203.0.113.1", "203.0.113.2", "kdn.example", "box.rathaus.example", "10.99.0.0/24",
                      "192.168.10.0/24", std::string("\"") + kKey + "\""),
       "", true},
      problem_);
  if (!problem_.empty()) return;
  const std::string psk = dir_ + "/kdn.psk";
  std::ofstream(psk) << kKey << "\n";
  fs::permissions(psk, fs::perms::owner_read | fs::perms::owner_write);
  // IKE from the peer to the box's charon; the data centre and the LAN talk both ways.
  const std::string text =
      with_policy_rules(
          running_text,
          "    - {name: ike-from-kdn-peer, from: [inet], to: [local], source: [203.0.113.1/32], "
          "service: [udp/500, udp/4500], action: accept}\n"
          "    - {name: lan-to-site, from: [lan], to: [vpn-kdn], action: accept}\n"
          "    - {name: site-to-lan, from: [vpn-kdn], to: [lan], service: [icmp/echo-request], "
          "action: accept}\n") +
      "vpn:\n  tunnels:\n    - {name: kdn, uplink: inet, peer: 203.0.113.1, local_id: "
      "'fqdn:box.rathaus.example', "
      "remote_id: 'fqdn:kdn.example', auth: {psk_file: " +
      psk +
      "}, local_subnets: [192.168.10.0/24], remote_subnets: [10.99.0.0/24], encapsulation: udp, start: "
      "listen}\n";
  const std::string config = dir_ + "/torwart-vpn.yaml";
  std::ofstream(config) << text;
  const MirrorDaemon daemon{torwartd_binary, dir_ + "/torwartd", config, fastpath_socket, dir_ + "/eve", ""};
  daemon_ = ctx.topology->appliance->start(daemon.argv(), dir_ + "/torwartd.log");
}

VpnRows::~VpnRows() {
  daemon_.stop();
  // charon outlives torwartd by design: the lab ends it, and its peer.
  signal_charon(dir_ + "/torwartd/vpn", SIGTERM);
  peer_.stop();
  if (ctx_.topology && ctx_.topology->inet)
    ctx_.topology->inet->run({"ip", "addr", "del", std::string(kSiteHost) + "/32", "dev", "lo"},
                             milliseconds(5000));
}

CommandResult VpnRows::vpn_status() const {
  return run_command({torwartctl_, "-S", dir_ + "/torwartd/torwartd.sock", "--json", "vpn", "status"},
                     milliseconds(10000));
}

CheckResult VpnRows::check_tunnel_up() {
  CheckResult row{"vpn-tunnel-up", "inet (strongSwan peer): swanctl --initiate --child kdn",
                  "torwartd runs charon from the new version; both SAs of kdn in the fast path", "", false};
  if (!problem_.empty()) {
    row.observed = problem_;
    return row;
  }
  const CommandResult initiated = initiate_child(peer_, "kdn", seconds(30));
  if (!initiated.ok()) {
    row.observed = "no tunnel: " + initiated.output.substr(0, 300) + " (logs in " + dir_ + ")";
    return row;
  }
  const CommandResult status = vpn_status();
  try {
    const nlohmann::json vpn = nlohmann::json::parse(status.output);
    unsigned kdn = 0;
    std::string cipher;
    for (const auto& sa : vpn["sas"]) {
      if (sa["tunnel"] == "kdn") ++kdn;
      cipher = sa["cipher"].get<std::string>();
    }
    row.observed = fmt::format("{} SAs of kdn ({}, ESP in UDP), charon pid {}", kdn, cipher,
                               vpn["charon"]["pid"].get<int>());
    row.pass = kdn == 2 && vpn["charon"]["running"].get<bool>();
  } catch (const std::exception& e) {
    row.observed = std::string("torwartctl vpn status: ") + e.what() + ": " + status.output.substr(0, 200);
  }
  return row;
}

CheckResult VpnRows::check_site_transfer() {
  CheckResult row{"vpn-lan-to-site", "lan: ping 10.99.0.1, then 1 MB over TCP to it",
                  "echoes answered; the SHA-256 the site computes comes back equal", "", false};
  if (!problem_.empty()) {
    row.observed = problem_;
    return row;
  }
  const Namespace& lan = *ctx_.topology->lan;
  const CommandResult ping =
      ctx_.run(lan, {"ping", "-c", "3", "-i", "0.2", "-W", "2", "-n", kSiteHost}, seconds(15));
  if (!ping.ok()) {
    row.observed = "no echo through the tunnel";
    return row;
  }
  BackgroundProcess server = ctx_.topology->inet->start(
      {"socat", fmt::format("TCP4-LISTEN:9000,bind={},reuseaddr", kSiteHost), "SYSTEM:sha256sum"},
      dir_ + "/site-server.log");
  std::this_thread::sleep_for(milliseconds(300));
  const std::string data = dir_ + "/transfer.bin";
  run_command({"sh", "-c", "head -c 1000000 /dev/urandom > " + data}, milliseconds(5000));
  const std::string here = run_command({"sh", "-c", "sha256sum < " + data}, milliseconds(5000)).output;
  const CommandResult there = ctx_.run(
      lan, {"sh", "-c", fmt::format("socat -t 10 - TCP:{}:9000,connect-timeout=5 < {}", kSiteHost, data)},
      seconds(30));
  server.stop();
  const bool same =
      there.ok() && there.output.size() >= 64 && here.substr(0, 64) == there.output.substr(0, 64);
  row.observed = same ? "3 echoes; 1 MB arrived, SHA-256 equal (" + here.substr(0, 12) + "…)"
                      : "transfer: " + there.output.substr(0, 200);
  row.pass = same;
  return row;
}

CheckResult VpnRows::check_rekey() {
  CheckResult row{"vpn-rekey-no-loss", "lan: 250 pings to 10.99.0.1, 20 ms apart; box, then peer rekey",
                  "250 of 250 answered (make-before-break)", "", false};
  if (!problem_.empty()) {
    row.observed = problem_;
    return row;
  }
  BackgroundProcess ping = ctx_.topology->lan->start(
      {"ping", "-c", "250", "-i", "0.02", "-W", "2", "-n", kSiteHost}, dir_ + "/rekey-ping.log");
  std::this_thread::sleep_for(milliseconds(1000));
  const bool box =
      run_command({"swanctl", "--rekey", "--child", "kdn", "--uri", box_vici()}, milliseconds(15000)).ok();
  std::this_thread::sleep_for(milliseconds(1500));
  const bool peer =
      run_command({"swanctl", "--rekey", "--child", "kdn", "--uri", peer_.vici()}, milliseconds(15000)).ok();
  for (auto deadline = Clock::now() + seconds(20); Clock::now() < deadline && ping.running();)
    std::this_thread::sleep_for(milliseconds(100));
  ping.stop();
  const std::string said = read_text(dir_ + "/rekey-ping.log");
  const size_t at = said.rfind('\n', said.find("packets transmitted"));
  const size_t end = said.find("loss", at == std::string::npos ? 0 : at);
  row.observed =
      std::string(box && peer ? "both rekeyed; " : "a rekey failed; ") +
      (at == std::string::npos || end == std::string::npos ? "ping printed no summary"
                                                           : said.substr(at + 1, end + 4 - at - 1));
  row.pass = box && peer && said.find("250 packets transmitted, 250 received") != std::string::npos;
  return row;
}

}  // namespace torwart::lab
