// End-to-end tests: real traffic through `torwart run` between network namespaces built by the lab harness
// (tests/lab). Each test builds its own topology and appliance and removes both again. Needs root.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "dataplane/lab/appliance.hpp"
#include "dataplane/lab/box_flood_script.hpp"
#include "dataplane/lab/cleanup.hpp"
#include "dataplane/lab/lab_checks.hpp"
#include "dataplane/lab/lab_topology.hpp"
#include "tests/e2e/e2e_support.hpp"

namespace torwart::lab {
namespace {

using e2e::insert_after_line;
using e2e::python;
using e2e::read_file;
using e2e::replace_once;

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

std::string torwart_binary() {
  const char* env = std::getenv("TORWART_BINARY");
  return env != nullptr && *env != '\0' ? env : TORWART_BINARY_DEFAULT;
}

std::string script(const std::string& name) {
  return std::string(TORWART_E2E_SCRIPTS) + "/" + name;
}

uint64_t counter(const json& j, std::initializer_list<const char*> path) {
  const json* node = &j;
  for (const char* key : path) {
    if (!node->is_object() || !node->contains(key)) return 0;  // absent drop reasons are zero
    node = &(*node)[key];
  }
  return node->get<uint64_t>();
}

uint64_t lan_drops(const json& stats, const char* reason) {
  return counter(stats, {"ports", "lan", "drops", reason});
}

// "1000 packets transmitted, 1000 received, 0% packet loss" -> {1000, 1000}.
std::pair<long, long> ping_summary(const std::string& output) {
  const auto at = output.find(" packets transmitted, ");
  if (at == std::string::npos) return {-1, -1};
  const auto line_start = output.rfind('\n', at);
  long sent = std::stol(output.substr(line_start == std::string::npos ? 0 : line_start + 1));
  long received = std::stol(output.substr(at + sizeof(" packets transmitted, ") - 1));
  return {sent, received};
}

std::vector<json> eve_records(const std::string& path) {
  std::vector<json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    try {
      out.push_back(json::parse(line));
    } catch (const json::exception&) {
      out.push_back(json{{"event_type", "unparsable"}, {"line", line}});
    }
  }
  return out;
}

size_t count_drop_records(const std::vector<json>& records, const std::string& reason,
                          const std::string& iface) {
  size_t n = 0;
  for (const auto& r : records) {
    if (r.value("event_type", "") == "drop" && r.value("in_iface", "") == iface && r.contains("drop") &&
        r["drop"].value("reason", "") == reason) {
      ++n;
    }
  }
  return n;
}

bool namespace_exists(const std::string& name) {
  for (const auto& n : list_namespaces()) {
    if (n == name) return true;
  }
  return false;
}

// A lab topology matching the default configuration, with `torwart run` between its namespaces.
class E2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(geteuid(), 0u) << "end-to-end tests need root (network namespaces); run them as root";
    ASSERT_EQ(access(torwart_binary().c_str(), X_OK), 0)
        << "torwart binary not executable: " << torwart_binary();
    for (const char* program : {"ip", "ss", "ethtool", "ping", "python3"}) {
      ASSERT_FALSE(find_program(program).empty()) << program << " missing (scripts/lab-packages.txt)";
    }
    install_cleanup_handlers();
    remove_stale_lab_namespaces();
    std::string pattern = (fs::temp_directory_path() / "torwart-e2e-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    work_dir_ = pattern;
    // The default policy, plus the echo ports TwoWorkersShareFlowsWithoutLoss uses, as a provider would add
    // them.
    config_text_ =
        insert_after_line(lab_config_text(work_dir_ + "/control.sock"), "  rules:",
                          "    - {name: e2e-echo, from: [lan], to: [inet], service: [tcp/7100-7107, "
                          "udp/7100-7107], action: accept, log: true}\n");
    config_text_ = adjust_config(config_text_);
    config_ = load_lab_config(config_text_);
    config_path_ = work_dir_ + "/torwart.yaml";
    std::ofstream(config_path_) << config_text_;

    static int sequence = 0;
    prefix_ = std::string(kNamespacePrefix) + std::to_string(getpid()) + "-" + std::to_string(++sequence);
    topology_ = build_topology(prefix_, config_, false);
    ctx_ = LabContext{&topology_, work_dir_, work_dir_, python(), 0, false};
    appliance_ = std::make_unique<ApplianceProcess>(*topology_.appliance, torwart_binary(), config_path_,
                                                    work_dir_ + "/eve", work_dir_ + "/appliance.out");
    appliance_->start();
    CheckResult ready = wait_ready(ctx_, seconds(30), [this] { return appliance_->alive(); });
    ASSERT_TRUE(ready.pass) << ready.observed << "\n" << read_file(appliance_->output_log());
  }

  void TearDown() override {
    const pid_t pid = appliance_ ? appliance_->pid() : -1;
    if (appliance_) appliance_->stop();
    appliance_.reset();
    const std::vector<std::string> names = {prefix_ + "-app", prefix_ + "-lan", prefix_ + "-kdn",
                                            prefix_ + "-inet"};
    topology_ = Topology{};
    if (!prefix_.empty()) {
      for (const auto& name : names) EXPECT_FALSE(namespace_exists(name)) << name << " left behind";
    }
    if (pid > 0) {
      EXPECT_TRUE(kill(pid, 0) != 0 && errno == ESRCH) << "appliance pid " << pid << " still exists";
    }
    if (!work_dir_.empty()) {
      if (HasFailure()) {
        std::cout << "e2e: kept " << work_dir_ << " for inspection\n";
      } else {
        std::error_code ec;
        fs::remove_all(work_dir_, ec);
      }
    }
  }

  // Fixtures that need another configuration than the lab default change its text here.
  virtual std::string adjust_config(std::string text) { return text; }

  std::string write_config(const std::string& name, const std::string& text) {
    const std::string path = work_dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  CommandResult in(const std::string& role, const Argv& argv, seconds timeout = seconds(20)) {
    return ctx_.run(role == "app" ? *topology_.appliance : topology_.host(role), argv, timeout);
  }

  void wait_listening(const std::string& role, const char* flags, int port, const BackgroundProcess& server) {
    for (auto deadline = Clock::now() + seconds(10); Clock::now() < deadline;) {
      ASSERT_TRUE(server.running()) << "server exited: " << read_file(server.log_path());
      CommandResult r = in(role, {"ss", "-H", flags, "sport", "=", ":" + std::to_string(port)});
      if (r.ok() && r.output.find(std::to_string(port)) != std::string::npos) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL() << "nothing listens on port " << port << " in " << role;
  }

  std::string work_dir_;
  std::string config_text_;
  std::string config_path_;
  std::string prefix_;
  config::Config config_;
  Topology topology_;
  LabContext ctx_;
  std::unique_ptr<ApplianceProcess> appliance_;  // declared after topology_: stopped before it goes
};

// 2. Reloads under a running ping stream lose nothing; refused reloads leave the running version alone.
TEST_F(E2eTest, ReloadUnderTrafficLosesNothing) {
  const json before = appliance_->stats();
  ASSERT_EQ(appliance_->status()["config_version"], 1);

  // Compatible changes: an unrelated route and static neighbour, then a zone's anti-spoofing, then burst.
  const std::string v2 = insert_after_line(
      insert_after_line(config_text_, "routes:", "  - to: 172.16.0.0/12\n    via: 10.200.0.1\n"),
      "neighbours:", "  - address: 10.200.0.5\n    mac: 02:00:00:00:02:05\n");
  const std::string v3 = replace_once(v2, "  - name: inet\n", "  - name: inet\n    antispoof: false\n");
  const std::string v10 = replace_once(v3, "  burst: 32\n", "  burst: 16\n");
  const std::string invalid = replace_once(v10, "    via: 10.200.0.1\n", "    via: not-an-address\n");
  const std::string new_device = replace_once(v10, "device: tw-lan\n", "device: tw-lan9\n");

  BackgroundProcess pinger = topology_.lan->start(
      {"ping", "-4", "-n", "-i", "0.01", "-c", "1000", "-W", "2", "10.20.0.10"}, work_dir_ + "/ping.out");
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));

  auto expect_version = [&](uint64_t version) {
    const json status = appliance_->status();
    EXPECT_EQ(status["config_version"].get<uint64_t>(), version) << status.dump();
  };
  CommandResult r = appliance_->reload(write_config("v2.yaml", v2));
  EXPECT_TRUE(r.ok()) << r.output;
  EXPECT_NE(r.output.find("version 2 is running"), std::string::npos) << r.output;
  expect_version(2);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));

  r = appliance_->reload(write_config("v3.yaml", v3));
  EXPECT_TRUE(r.ok()) << r.output;
  expect_version(3);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));

  r = appliance_->reload(write_config("v10.yaml", v10), 10);
  EXPECT_TRUE(r.ok()) << r.output;
  expect_version(10);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));

  r = appliance_->reload(write_config("invalid.yaml", invalid));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  expect_version(10);

  r = appliance_->reload(write_config("device.yaml", new_device));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("needs a restart"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("version 10 keeps running"), std::string::npos) << r.output;
  expect_version(10);

  r = appliance_->reload(write_config("v10-again.yaml", v10), 5);  // not above the running version
  EXPECT_EQ(r.exit_code, 2) << r.output;
  expect_version(10);

  for (auto deadline = Clock::now() + seconds(40); pinger.running() && Clock::now() < deadline;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const auto ping_exit = pinger.stop();
  const std::string ping_output = read_file(work_dir_ + "/ping.out");
  EXPECT_EQ(ping_exit, 0) << ping_output;
  const auto [sent, received] = ping_summary(ping_output);
  EXPECT_EQ(sent, 1000) << ping_output;
  EXPECT_EQ(received, 1000) << ping_output;
  EXPECT_NE(ping_output.find(" 0% packet loss"), std::string::npos) << ping_output;

  const json after = appliance_->stats();
  EXPECT_EQ(after["config_version"], 10);
  for (const auto& w : after["workers"]) EXPECT_EQ(w["snapshot_version"], 10) << after["workers"].dump();
  EXPECT_GE(counter(after, {"ports", "kdn", "tx_packets"}) - counter(before, {"ports", "kdn", "tx_packets"}),
            1000u);
  EXPECT_GE(counter(after, {"ports", "lan", "tx_packets"}) - counter(before, {"ports", "lan", "tx_packets"}),
            1000u);
  for (const char* reason : {"distribution_queue_full", "tx_queue_full", "slow_path_queue_full", "no_route",
                             "neighbour_unresolved", "spoofed_source"}) {
    EXPECT_EQ(counter(after, {"drops", reason}), counter(before, {"drops", reason})) << reason;
  }
}

// Signatures reloaded while a ping stream runs: a set is added, replaced by one with another sid, a set
// naming an unreadable file is refused (the running set stays), a file with a broken rule loads the rest.
// Nothing is lost, and each moment's alerts come from the set that ran then.
TEST_F(E2eTest, SignaturesReloadWhileTrafficRunsWithoutLoss) {
  const std::string first =
      write_config("first.rules",
                   "alert icmp $HOME_NET any -> any any (msg:\"echo request\"; itype:8; "
                   "sid:7001; rev:1;)\n");
  const std::string second =
      write_config("second.rules",
                   "alert icmp any any -> $HOME_NET any (msg:\"echo reply\"; itype:0; sid:7002; rev:1;)\n"
                   "alert icmp any any -> any any (msg:\"broken\"; itype:0 sid:7003;)\n");
  auto with_rules = [&](const std::string& files) {
    return config_text_ + "\nids:\n  rule_files: [" + files + "]\n  cache_dir: " + work_dir_ + "/ids-cache\n";
  };
  BackgroundProcess pinger = topology_.lan->start(
      {"ping", "-4", "-n", "-i", "0.01", "-c", "600", "-W", "2", "10.20.0.10"}, work_dir_ + "/ping.out");
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  CommandResult r = appliance_->reload(write_config("ids-1.yaml", with_rules(first)));
  EXPECT_TRUE(r.ok()) << r.output;
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  r = appliance_->reload(write_config("ids-2.yaml", with_rules(second)));
  EXPECT_TRUE(r.ok()) << r.output;
  const json running = appliance_->stats()["signatures"];
  EXPECT_EQ(running["rules_loaded"], 1) << running.dump();
  EXPECT_EQ(running["rules_skipped"], 1) << running.dump();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  r = appliance_->reload(write_config("ids-3.yaml", with_rules(first + ", " + work_dir_ + "/missing.rules")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("missing.rules"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("keeps running"), std::string::npos) << r.output;

  for (auto deadline = Clock::now() + seconds(30); pinger.running() && Clock::now() < deadline;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(pinger.stop(), 0);
  const auto [sent, received] = ping_summary(read_file(work_dir_ + "/ping.out"));
  EXPECT_EQ(sent, 600);
  EXPECT_EQ(received, 600);
  const json after = appliance_->stats();
  EXPECT_EQ(after["signatures"]["engine"]["alerts"].get<uint64_t>() > 0, true) << after["signatures"].dump();

  // The first set alerted on the requests while it ran, the second on the replies; the refused third none.
  std::set<uint64_t> sids;
  for (auto deadline = Clock::now() + seconds(10); Clock::now() < deadline && sids.size() < 2;) {
    sids.clear();
    for (const auto& record : eve_records(appliance_->eve_path()))
      if (record["event_type"] == "alert") sids.insert(record["alert"]["signature_id"].get<uint64_t>());
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(sids, (std::set<uint64_t>{7001, 7002}));
}

// 3. Malformed frames are counted per reason on port lan, logged as EVE drops, and forwarding goes on.
TEST_F(E2eTest, MalformedFramesAreCountedAndDropped) {
  struct Kind {
    const char* kind;    // craft_frames.py
    const char* reason;  // drop reason
    int count;
  };
  const Kind kinds[] = {{"truncated_ipv4", "truncated_ipv4", 3},
                        {"bad_ipv4_checksum", "bad_ipv4_checksum", 4},
                        {"bad_tcp_header_length", "bad_tcp_header_length", 5},
                        {"ttl_zero", "ttl_exceeded", 2}};
  const json before = appliance_->stats();
  for (const auto& k : kinds) {
    const CommandResult r =
        in("lan", {python(), script("craft_frames.py"), kHostDevice, "02:00:00:00:01:10", "02:00:00:00:01:fe",
                   "192.168.10.10", "198.51.100.10", k.kind, std::to_string(k.count)});
    ASSERT_TRUE(r.ok()) << r.output;
  }
  json after;
  for (auto deadline = Clock::now() + seconds(5); Clock::now() < deadline;) {
    after = appliance_->stats();
    bool all = true;
    for (const auto& k : kinds) {
      all &= lan_drops(after, k.reason) - lan_drops(before, k.reason) >= static_cast<uint64_t>(k.count);
    }
    if (all) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (const auto& k : kinds) {
    EXPECT_EQ(lan_drops(after, k.reason) - lan_drops(before, k.reason), static_cast<uint64_t>(k.count))
        << k.reason << "\n"
        << after["ports"]["lan"].dump();
  }

  CheckResult ping = check_ping(ctx_, "ping-after-malformed", "lan", "198.51.100.10");
  EXPECT_TRUE(ping.pass) << ping.observed;

  std::vector<json> records;
  for (auto deadline = Clock::now() + seconds(5); Clock::now() < deadline;) {
    records = eve_records(appliance_->eve_path());
    bool all = true;
    for (const auto& k : kinds)
      all &= count_drop_records(records, k.reason, "lan") >= static_cast<size_t>(k.count);
    if (all) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (const auto& k : kinds) {
    EXPECT_EQ(count_drop_records(records, k.reason, "lan"), static_cast<size_t>(k.count))
        << "EVE drop records with reason " << k.reason << " in " << appliance_->eve_path();
  }
}

// 4. TTL / hop limit 1 towards the inet server gets ICMP time exceeded from the appliance's LAN address.
TEST_F(E2eTest, TtlOneGetsTimeExceeded) {
  const json before = appliance_->stats();
  CheckResult ping_v4 = check_ttl_expiry(ctx_, false);
  EXPECT_TRUE(ping_v4.pass) << ping_v4.observed;
  CheckResult ping_v6 = check_ttl_expiry(ctx_, true);
  EXPECT_TRUE(ping_v6.pass) << ping_v6.observed;

  CommandResult udp_v4 = in("lan", {python(), script("udp_ttl_probe.py"), "198.51.100.10", "33434"});
  EXPECT_TRUE(udp_v4.ok()) << udp_v4.output;
  EXPECT_NE(udp_v4.output.find("origin=icmp type=11 code=0 offender=192.168.10.1\n"), std::string::npos)
      << udp_v4.output;
  CommandResult udp_v6 = in("lan", {python(), script("udp_ttl_probe.py"), "2001:db8:f000::10", "33435"});
  EXPECT_TRUE(udp_v6.ok()) << udp_v6.output;
  EXPECT_NE(udp_v6.output.find("origin=icmp6 type=3 code=0 offender=2001:db8:10::1\n"), std::string::npos)
      << udp_v6.output;

  const json after = appliance_->stats();
  EXPECT_EQ(lan_drops(after, "ttl_exceeded") - lan_drops(before, "ttl_exceeded"), 4u) << after.dump();
  EXPECT_GE(counter(after, {"icmp_errors_sent"}) - counter(before, {"icmp_errors_sent"}), 4u) << after.dump();
}

// 5. SIGTERM stops the appliance cleanly (exit 0) and the last EVE record is the final stats record.
TEST_F(E2eTest, SigtermStopsCleanlyWithFinalStats) {
  CheckResult ping = check_ping(ctx_, "ping-before-stop", "lan", "10.20.0.10");
  ASSERT_TRUE(ping.pass) << ping.observed;
  const pid_t pid = appliance_->pid();
  ASSERT_GT(pid, 0);
  const auto status = appliance_->stop(std::chrono::milliseconds(15000));  // SIGTERM, SIGKILL only after 15 s
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 0) << read_file(appliance_->output_log());
  EXPECT_NE(read_file(appliance_->output_log()).find("torwart: stopped"), std::string::npos)
      << read_file(appliance_->output_log());
  EXPECT_FALSE(fs::exists(work_dir_ + "/control.sock")) << "control socket left behind";

  const std::vector<json> records = eve_records(appliance_->eve_path());
  ASSERT_FALSE(records.empty());
  const json& last = records.back();
  EXPECT_EQ(last.value("event_type", ""), "stats") << last.dump();
  ASSERT_TRUE(last.contains("stats") && last["stats"].contains("torwart")) << last.dump();
  EXPECT_GE(counter(last["stats"]["torwart"], {"ports", "lan", "rx_packets"}), 3u) << last.dump();
  EXPECT_GE(counter(last["stats"]["torwart"], {"ports", "kdn", "tx_packets"}), 3u) << last.dump();
}

// 6. Two workers with software distribution: a multi-flow exchange hands packets between workers and
// every datagram and stream byte comes back.
TEST_F(E2eTest, TwoWorkersShareFlowsWithoutLoss) {
  const json status = appliance_->status();
  ASSERT_EQ(status["workers"], 2) << status.dump();
  ASSERT_EQ(status["distribution"], "software") << status.dump();
  const json before = appliance_->stats();

  constexpr int kBasePort = 7100;
  constexpr int kFlows = 8;
  BackgroundProcess server =
      topology_.inet->start({python(), script("echo_flows.py"), "server", "198.51.100.10",
                             std::to_string(kBasePort), std::to_string(kFlows)},
                            work_dir_ + "/echo-server.log");
  wait_listening("inet", "-lun", kBasePort + kFlows - 1, server);
  wait_listening("inet", "-ltn", kBasePort + kFlows - 1, server);
  CommandResult r = in("lan",
                       {python(), script("echo_flows.py"), "client", "198.51.100.10",
                        std::to_string(kBasePort), std::to_string(kFlows), "50"},
                       seconds(60));
  server.stop();
  EXPECT_TRUE(r.ok()) << r.output;
  EXPECT_NE(r.output.find("udp_sent=400 udp_echoed=400 tcp_sent=400 tcp_echoed=400"), std::string::npos)
      << r.output;

  const json after = appliance_->stats();
  EXPECT_GT(counter(after, {"handed_off_between_workers"}) - counter(before, {"handed_off_between_workers"}),
            0u)
      << after.dump();
  EXPECT_EQ(counter(after, {"drops", "distribution_queue_full"}), 0u) << after.dump();
  // Both directions went through: at least one packet per datagram and per echo on each side.
  EXPECT_GE(
      counter(after, {"ports", "inet", "tx_packets"}) - counter(before, {"ports", "inet", "tx_packets"}),
      800u);
  EXPECT_GE(counter(after, {"ports", "lan", "tx_packets"}) - counter(before, {"ports", "lan", "tx_packets"}),
            800u);
}

// 7. SYN flood (BSI NET.3.2.A19): a bounded flood of SYNs from random Internet sources towards an inbound
// service does not stop a running download, and a new connection made during the flood succeeds through the
// SYN proxy (cookies), byte for byte.
TEST_F(E2eTest, SynFloodDoesNotStopARunningDownload) {
  // An inbound service on the LAN server, and a low cookie threshold so that the flood switches the inet zone
  // to cookies quickly (per worker).
  std::string flood_config = insert_after_line(config_text_, "  rules:",
                                               "    - {name: e2e-inbound, from: [inet], to: [lan], service: "
                                               "[tcp/8080], action: accept, log: false}\n");
  flood_config = replace_once(flood_config, "  - name: inet\n",
                              "  - name: inet\n    syn_flood: {cookies_above: 32, half_open_limit: 4096}\n");
  CommandResult r = appliance_->reload(write_config("synflood.yaml", flood_config));
  ASSERT_TRUE(r.ok()) << r.output;

  constexpr int kDownloadPort = 7100;
  constexpr int kServicePort = 8080;
  constexpr int kFetchBytes = 1 << 20;
  BackgroundProcess download_server = topology_.inet->start(
      {python(), script("syn_flood.py"), "serve", "198.51.100.10", std::to_string(kDownloadPort), "0"},
      work_dir_ + "/download-server.log");
  BackgroundProcess service =
      topology_.lan->start({python(), script("syn_flood.py"), "serve", "192.168.10.10",
                            std::to_string(kServicePort), std::to_string(kFetchBytes)},
                           work_dir_ + "/service.log");
  wait_listening("inet", "-ltn", kDownloadPort, download_server);
  wait_listening("lan", "-ltn", kServicePort, service);
  const json before = appliance_->stats();

  BackgroundProcess download = topology_.lan->start(
      {python(), script("syn_flood.py"), "download", "198.51.100.10", std::to_string(kDownloadPort), "10"},
      work_dir_ + "/download.out");
  std::this_thread::sleep_for(seconds(2));
  BackgroundProcess flood = topology_.inet->start({python(), script("syn_flood.py"), "flood", "192.168.10.10",
                                                   std::to_string(kServicePort), "30000", "6000"},
                                                  work_dir_ + "/flood.out");
  std::this_thread::sleep_for(seconds(2));
  ASSERT_TRUE(flood.running()) << "the flood should still be running: "
                               << read_file(work_dir_ + "/flood.out");
  const CommandResult fetched =
      in("inet",
         {python(), script("syn_flood.py"), "fetch", "198.51.100.10", "192.168.10.10",
          std::to_string(kServicePort), std::to_string(kFetchBytes)},
         seconds(30));
  const bool flood_ran_during_fetch = flood.running();

  for (auto deadline = Clock::now() + seconds(30);
       (download.running() || flood.running()) && Clock::now() < deadline;)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto download_exit = download.stop();
  const auto flood_exit = flood.stop();
  download_server.stop();
  service.stop();
  const json after = appliance_->stats();

  EXPECT_TRUE(fetched.ok()) << fetched.output;
  EXPECT_NE(fetched.output.find("fetched=" + std::to_string(kFetchBytes)), std::string::npos)
      << fetched.output;
  EXPECT_TRUE(flood_ran_during_fetch) << "the new connection was made after the flood had ended";
  EXPECT_EQ(flood_exit, 0) << read_file(work_dir_ + "/flood.out");
  const std::string download_output = read_file(work_dir_ + "/download.out");
  EXPECT_EQ(download_exit, 0) << download_output;
  EXPECT_NE(download_output.find("seconds=10 "), std::string::npos) << download_output;
  EXPECT_NE(download_output.find(" stalls=0 "), std::string::npos) << download_output;

  auto delta = [&](std::initializer_list<const char*> path) {
    return counter(after, path) - counter(before, path);
  };
  EXPECT_GE(delta({"syn_flood", "cookies_sent"}), 20000u) << after.dump();
  EXPECT_GE(delta({"syn_flood", "cookies_valid"}), 1u) << after.dump();
  EXPECT_GE(delta({"syn_flood", "proxied_flows"}), 1u) << after.dump();
  EXPECT_LE(counter(after, {"flows", "active"}), 2u * 32u + 16u)
      << "the flood must not create state beyond the threshold";
  std::cout << "e2e: " << download_output << "e2e: syn_flood " << after["syn_flood"].dump() << "\n";
}

// A policy reload keeps the established connections the new policy still allows and ends the others; flows
// the policy ended get their EVE flow record.
TEST_F(E2eTest, PolicyReloadKeepsAllowedFlowsAndEndsTheOthers) {
  constexpr int kKept = 7100, kEnded = 7104;
  BackgroundProcess server = topology_.inet->start(
      {python(), script("echo_flows.py"), "server", "198.51.100.10", std::to_string(kKept), "8"},
      work_dir_ + "/echo-server.log");
  wait_listening("inet", "-ltn", kKept + 7, server);
  BackgroundProcess client = topology_.lan->start({python(), script("steady_flows.py"), "198.51.100.10", "6",
                                                   std::to_string(kKept), std::to_string(kEnded)},
                                                  work_dir_ + "/steady.out");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  // `torwart flows` lists both connections, each on the worker that owns it, under the rule that let it in.
  const CommandResult listing = appliance_->command({"flows", "--json", "-c", appliance_->config_path()});
  ASSERT_TRUE(listing.ok()) << listing.output;
  const json flows = parse_json_output(listing.output);
  std::set<int> listed_ports;
  for (const auto& f : flows["flows"]) {
    if (f.value("dest_ip", "") == "198.51.100.10" && f.value("proto", "") == "TCP") {
      listed_ports.insert(f.value("dest_port", 0));
      EXPECT_EQ(f.value("policy_rule", ""), "e2e-echo") << f.dump();
      EXPECT_EQ(f.value("state", ""), "established") << f.dump();
      EXPECT_GT(f.value("pkts_toclient", 0), 0) << f.dump();
    }
  }
  EXPECT_EQ(listed_ports, (std::set<int>{kKept, kEnded})) << flows.dump();
  EXPECT_GE(flows.value("active", 0), 2) << flows.dump();
  const std::string narrower =
      replace_once(config_text_, "tcp/7100-7107, udp/7100-7107", "tcp/7100-7103, udp/7100-7103");
  const CommandResult r = appliance_->reload(write_config("narrower.yaml", narrower));
  ASSERT_TRUE(r.ok()) << r.output;
  for (auto deadline = Clock::now() + seconds(20); client.running() && Clock::now() < deadline;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_FALSE(client.running()) << "steady_flows.py did not finish";
  server.stop();
  const std::string out = read_file(work_dir_ + "/steady.out");
  auto count = [&](int port, const char* half) {
    const std::string key = "port=" + std::to_string(port) + " ";
    const auto line = out.find(key);
    if (line == std::string::npos) return -1L;
    const auto at = out.find(std::string(half) + "=", line);
    return at == std::string::npos ? -1L : std::stol(out.substr(at + std::strlen(half) + 1));
  };
  EXPECT_GT(count(kKept, "echoed_first_half"), 10) << out;
  EXPECT_GT(count(kKept, "echoed_second_half"), 10) << "the allowed connection survived the reload\n" << out;
  EXPECT_GT(count(kEnded, "echoed_first_half"), 10) << out;
  EXPECT_EQ(count(kEnded, "echoed_second_half"), 0) << "the new policy ended this connection\n" << out;

  const json stats = appliance_->stats();
  EXPECT_GE(counter(stats, {"flows", "policy_rechecks"}), 2u) << stats.dump();
  EXPECT_GE(counter(stats, {"drops", "policy_drop"}), 1u) << stats.dump();
  appliance_->stop();  // flushes the EVE file
  size_t ended_by_policy = 0, kept_then_closed = 0;
  for (const auto& record : eve_records(appliance_->eve_path())) {
    if (record.value("event_type", "") != "flow") continue;
    const std::string reason = record["flow"].value("reason", "");
    if (record.value("dest_port", 0) == kEnded && reason == "policy") ++ended_by_policy;
    // The kept connection was closed by the client: its flow ends by timeout or, still in the table when
    // the appliance stops, with "shutdown".
    if (record.value("dest_port", 0) == kKept && (reason == "shutdown" || reason == "timeout"))
      ++kept_then_closed;
  }
  EXPECT_EQ(ended_by_policy, 1u);
  EXPECT_EQ(kept_then_closed, 1u);
}

// 9. Kernel twins: each port's twin carries its name, MAC, MTU and addresses in the appliance's namespace. A
// TCP service of the box on its LAN address is refused by the default policy and reached (both ways, through
// conntrack) once a rule names `local`; the box's kernel pings a LAN host through the twin (`from: [local]`,
// the baseline's box-out rule).
TEST_F(E2eTest, BoxServicesAreReachedThroughTheTwinOnlyWhereARuleNamesLocal) {
  const CommandResult link = in("app", {"ip", "-o", "link", "show", "dev", "lan"});
  ASSERT_TRUE(link.ok()) << link.output;
  EXPECT_NE(link.output.find("mtu 1500"), std::string::npos) << link.output;
  EXPECT_NE(link.output.find("02:00:00:00:01:fe"), std::string::npos) << link.output;
  EXPECT_NE(link.output.find(",UP,LOWER_UP>"), std::string::npos) << link.output;  // a tap's state is UNKNOWN
  const CommandResult addresses = in("app", {"ip", "-o", "addr", "show", "dev", "lan"});
  EXPECT_NE(addresses.output.find("192.168.10.1/24"), std::string::npos) << addresses.output;
  EXPECT_NE(addresses.output.find("2001:db8:10::1/64"), std::string::npos) << addresses.output;

  constexpr int kPort = 5300;
  BackgroundProcess service = topology_.appliance->start(
      {"socat", "TCP4-LISTEN:" + std::to_string(kPort) + ",bind=192.168.10.1,reuseaddr,fork", "PIPE"},
      work_dir_ + "/box-service.log");
  wait_listening("app", "-ltn", kPort, service);
  // Connects from the LAN client, sends a line and prints what comes back.
  auto exchange = [&] {
    return in("lan",
              {python(), "-c",
               "import socket; s = socket.create_connection(('192.168.10.1', " + std::to_string(kPort) +
                   "), timeout=3); s.sendall(b'hello box\\n'); print(s.recv(100).decode().strip())"});
  };

  const json before = appliance_->stats();
  const CommandResult refused = exchange();
  EXPECT_FALSE(refused.ok()) << refused.output;
  const json after_refusal = appliance_->stats();
  EXPECT_GE(lan_drops(after_refusal, "policy_drop") - lan_drops(before, "policy_drop"), 1u)
      << after_refusal.dump();

  const std::string open =
      insert_after_line(config_text_, "  rules:",
                        "    - {name: e2e-box-service, from: [lan], to: [local], service: [tcp/" +
                            std::to_string(kPort) + "], action: accept}\n");
  const CommandResult r = appliance_->reload(write_config("box-service.yaml", open));
  ASSERT_TRUE(r.ok()) << r.output;
  const CommandResult answered = exchange();
  EXPECT_TRUE(answered.ok()) << answered.output;
  EXPECT_NE(answered.output.find("hello box"), std::string::npos) << answered.output;
  service.stop();

  const CommandResult ping = in("app", {"ping", "-c", "3", "-i", "0.2", "-W", "2", "192.168.10.10"});
  EXPECT_EQ(ping_summary(ping.output), (std::pair<long, long>{3, 3})) << ping.output;

  const json after = appliance_->stats();
  EXPECT_GT(counter(after, {"kernel_twins", "handed_to_workers"}), 0u) << after.dump();
  EXPECT_GT(counter(after, {"kernel_twins", "sent_to_wire"}), 0u) << after.dump();
  EXPECT_EQ(counter(after, {"kernel_twins", "dropped_queue_full"}), 0u) << after.dump();
}

// 10. A flood at the box's own address (issue 13): about 100 000 frames/s from the Internet side, half UDP to
// a port the input policy hands to the box's kernel (through the punt ring and the inet twin), half echo
// requests (answered by the fast path, policed by local_traffic), in the middle of a 16 s TCP download
// LAN <- Internet. The download's seconds inside the flood keep at least half the throughput of its seconds
// before and after it, the echo flood is held to the icmp rate and the excess counted as
// local_rate_exceeded, and the box's kernel still answers a TCP service and pings out during the flood.
TEST_F(E2eTest, FloodAtTheBoxLeavesTransitAndTheBoxsKernelUsable) {
  constexpr int kFloodPort = 9999, kProbePort = 5301, kDownloadPort = 7100;
  constexpr int kTargetPps = 100000;
  // The download's seconds 1-4 and 12-15 are unflooded, 6-10 flooded (the flood starts 5 s after the download
  // and lasts 6 s); second 0 is slow start, 5 and 11 straddle the flood's ends.
  constexpr int kDownloadSeconds = 16, kFloodStart = 5, kFloodSeconds = 6;
  constexpr uint64_t kIcmpRate = 500, kIcmpBurst = 100;  // the built-in local_traffic.icmp
  // The built-in local_traffic.input_new, of which one source group (1/16) is the flood's: its datagrams
  // are never answered, so they are new to the end.
  constexpr uint64_t kInputRate = 4000 / 16, kInputBurst = 800 / 16;
  const std::string open = insert_after_line(
      config_text_, "  rules:",
      "    - {name: e2e-flood-sink, from: [inet], to: [local], service: [udp/" + std::to_string(kFloodPort) +
          "], action: accept, log: false}\n"
          "    - {name: e2e-box-probe, from: [inet], to: [local], service: [tcp/" +
          std::to_string(kProbePort) + "], action: accept, log: false}\n");
  CommandResult r = appliance_->reload(write_config("box-flood.yaml", open));
  ASSERT_TRUE(r.ok()) << r.output;
  const std::string box_flood = write_box_flood_script(work_dir_);  // the lab's flood-at-box row runs it too

  BackgroundProcess download_server = topology_.inet->start(
      {python(), script("syn_flood.py"), "serve", "198.51.100.10", std::to_string(kDownloadPort), "0"},
      work_dir_ + "/download-server.log");
  BackgroundProcess box_service = topology_.appliance->start(
      {"socat", "TCP4-LISTEN:" + std::to_string(kProbePort) + ",bind=203.0.113.2,reuseaddr,fork", "PIPE"},
      work_dir_ + "/box-service.log");
  BackgroundProcess sink = topology_.appliance->start(
      {python(), box_flood, "sink", "203.0.113.2", std::to_string(kFloodPort), "30"},
      work_dir_ + "/sink.out");
  wait_listening("inet", "-ltn", kDownloadPort, download_server);
  wait_listening("app", "-ltn", kProbePort, box_service);
  wait_listening("app", "-lun", kFloodPort, sink);
  if (HasFatalFailure()) return;

  auto echo_replies = [&] {  // echo replies the Internet router's kernel received (/proc/net/snmp, Icmp)
    const std::string snmp = in("inet", {"cat", "/proc/net/snmp"}).output;
    std::istringstream lines(snmp);
    std::string names, values;
    while (std::getline(lines, names) && std::getline(lines, values)) {
      if (names.rfind("Icmp: ", 0) != 0) continue;
      std::istringstream n(names), v(values);
      for (std::string name, value; n >> name && v >> value;)
        if (name == "InEchoReps") return std::stoull(value);
    }
    ADD_FAILURE() << "no Icmp InEchoReps in\n" << snmp;
    return 0ull;
  };
  auto inet_rx_missed = [&] {  // frames the inet port's device dropped before a worker saw them
    const json status = appliance_->status();
    for (const auto& port : status["ports"])
      if (port.value("name", "") == "inet") return port.value("rx_missed", uint64_t{0});
    ADD_FAILURE() << "status lists no port inet";
    return uint64_t{0};
  };
  // Frames the veth pair between the Internet router and the box dropped (its sender's tx, the box's rx).
  auto veth_dropped = [&] {
    const CommandResult tx =
        in("inet", {"cat", "/sys/class/net/" + std::string(kHostDevice) + "/statistics/tx_dropped"});
    const CommandResult rx = in("app", {"cat", "/sys/class/net/tw-inet/statistics/rx_dropped"});
    EXPECT_TRUE(tx.ok() && rx.ok()) << tx.output << rx.output;
    return tx.ok() && rx.ok() ? std::stoull(tx.output) + std::stoull(rx.output) : 0ull;
  };
  const json before = appliance_->stats();
  const uint64_t replies_before = echo_replies();
  const uint64_t missed_before = inet_rx_missed();
  const uint64_t veth_before = veth_dropped();

  BackgroundProcess download =
      topology_.lan->start({python(), script("syn_flood.py"), "download", "198.51.100.10",
                            std::to_string(kDownloadPort), std::to_string(kDownloadSeconds)},
                           work_dir_ + "/download.out");
  std::this_thread::sleep_for(seconds(kFloodStart));
  BackgroundProcess flood = topology_.inet->start(
      {python(), box_flood, "flood", kHostDevice, "02:00:00:00:03:01", "02:00:00:00:03:fe", "203.0.113.1",
       "203.0.113.2", std::to_string(kFloodPort), std::to_string(kFloodSeconds), std::to_string(kTargetPps)},
      work_dir_ + "/flood.out");
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  // The box's kernel during the flood: its TCP service through the twin (to: [local]) and its own pings out
  // (from: [local]), while the download runs.
  BackgroundProcess probe = topology_.inet->start(
      // Another peer than the flooding router: its new connections draw on another source group's budget.
      {python(), box_flood, "probe", "203.0.113.2", std::to_string(kProbePort), "10", "198.51.100.10"},
      work_dir_ + "/probe.out");
  BackgroundProcess box_ping = topology_.appliance->start(
      {"ping", "-4", "-n", "-c", "10", "-i", "0.3", "-W", "2", "203.0.113.1"}, work_dir_ + "/box-ping.out");
  for (auto deadline = Clock::now() + seconds(10);
       (probe.running() || box_ping.running()) && Clock::now() < deadline;)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const bool flood_ran_throughout = flood.running();
  for (auto deadline = Clock::now() + seconds(30);
       (download.running() || flood.running() || probe.running() || box_ping.running() || sink.running()) &&
       Clock::now() < deadline;)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto download_exit = download.stop();
  const auto flood_exit = flood.stop();
  const auto probe_exit = probe.stop();
  const auto ping_exit = box_ping.stop();
  sink.stop();
  box_service.stop();
  download_server.stop();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const json after = appliance_->stats();
  const uint64_t replies = echo_replies() - replies_before;

  const std::string flood_out = read_file(work_dir_ + "/flood.out");
  const std::string sink_out = read_file(work_dir_ + "/sink.out");
  const std::string probe_out = read_file(work_dir_ + "/probe.out");
  const std::string ping_out = read_file(work_dir_ + "/box-ping.out");
  const std::string download_out = read_file(work_dir_ + "/download.out");
  // Bytes per second: the median of the download's unflooded and of its flooded seconds, so that one second
  // of a neighbour's build on this shared machine does not decide.
  std::vector<double> per_second;
  if (const auto at = download_out.find("per_second=["); at != std::string::npos) {
    std::istringstream list(download_out.substr(at + 12));
    for (double bytes; list >> bytes;) {
      per_second.push_back(bytes);
      if (list.peek() == ',') list.ignore();
    }
  }
  auto median_of = [&](std::initializer_list<int> which) {
    std::vector<double> v;
    for (const int i : which)
      if (static_cast<size_t>(i) < per_second.size()) v.push_back(per_second[static_cast<size_t>(i)]);
    std::sort(v.begin(), v.end());
    return v.empty() ? -1.0 : v[v.size() / 2];
  };
  const double unflooded = median_of({1, 2, 3, 4, 12, 13, 14, 15});
  const double flooded = median_of({6, 7, 8, 9, 10});
  auto field = [](const std::string& text, const std::string& key) {
    const auto at = text.find(key + "=");
    return at == std::string::npos ? -1.0 : std::stod(text.substr(at + key.size() + 1));
  };
  const double rate = field(flood_out, "rate"), flood_seconds = field(flood_out, "seconds");
  const auto icmp_sent = static_cast<uint64_t>(std::max(0.0, field(flood_out, "icmp")));
  const auto udp_sent = static_cast<uint64_t>(std::max(0.0, field(flood_out, "udp")));
  const auto twin_received = static_cast<uint64_t>(std::max(0.0, field(sink_out, "received")));
  auto delta = [&](std::initializer_list<const char*> path) {
    return counter(after, path) - counter(before, path);
  };
  const uint64_t rate_exceeded = delta({"ports", "inet", "drops", "local_rate_exceeded"});
  const uint64_t delivered = delta({"kernel_twins", "delivered"});
  const uint64_t punt_full = delta({"drops", "slow_path_queue_full"});
  const uint64_t tap_full = delta({"kernel_twins", "dropped_queue_full"});
  const uint64_t lost_early = inet_rx_missed() - missed_before + veth_dropped() - veth_before;

  std::cout << "e2e: download: " << download_out << "e2e: flood: " << flood_out << "e2e: flood rate " << rate
            << " frames/s ("
            << (rate >= 0.95 * kTargetPps
                    ? "the target of 100000/s reached"
                    : "below the target of 100000/s: what this machine gave the generator")
            << ")\n"
            << "e2e: transit download (median second) " << unflooded * 8 / 1e6 << " Mbit/s without flood, "
            << flooded * 8 / 1e6 << " Mbit/s during the flood ("
            << (unflooded > 0 ? 100 * flooded / unflooded : 0) << " %)\n"
            << "e2e: echo requests sent " << icmp_sent << ", answered " << replies << ", local_rate_exceeded "
            << rate_exceeded << "; UDP to the twin sent " << udp_sent << ", delivered to the twin "
            << delivered << ", received by the box's socket " << twin_received << ", slow_path_queue_full "
            << punt_full << ", tap queue full " << tap_full
            << "; lost before the workers (rx_missed, veth drops) " << lost_early << "\ne2e: probe "
            << probe_out;

  EXPECT_EQ(download_exit, 0) << download_out;
  EXPECT_EQ(per_second.size(), static_cast<size_t>(kDownloadSeconds)) << download_out;
  EXPECT_NE(download_out.find(" stalls=0 "), std::string::npos) << download_out;
  EXPECT_EQ(flood_exit, 0) << flood_out;
  EXPECT_TRUE(flood_ran_throughout) << "the flood ended before the probes did: " << flood_out;
  EXPECT_GE(rate, 0.5 * kTargetPps) << "the flood generator fell far below its target: " << flood_out;
  ASSERT_GT(unflooded, 0.0);
  EXPECT_GE(flooded, 0.5 * unflooded) << "transit fell below half its unflooded throughput";

  // Echo: the policer admitted at most the icmp rate over the flood (2 workers: each half the rate and
  // burst, rounded up) and dropped the rest as local_rate_exceeded. Frames lost before the workers are no
  // drops of the policer: those counted (rx_missed, veth drops), and up to 10 % more that nothing counts
  // (seen: up to 4.3 % of the flood when a neighbour's build ran on both CPUs; not the kernel's backlog,
  // /proc/net/softnet_stat showed no drops; most likely the port's af_packet ring, which net_af_packet does
  // not report as rx_missed).
  const uint64_t admitted_at_most =
      static_cast<uint64_t>((kIcmpRate * (flood_seconds + 1.0)) + kIcmpBurst + 2);
  EXPECT_LE(replies, admitted_at_most) << "the echo policer let more through than local_traffic.icmp allows";
  EXPECT_GE(replies, kIcmpRate * static_cast<uint64_t>(flood_seconds) / 4)
      << "the policer admitted too little";
  // UDP into the twin: the input policy accepts it, local_traffic.input admits its rate, the rest is
  // local_rate_exceeded too. Everything the box's socket got went through the twin; most of what was
  // admitted arrived. The twin also got the probe's segments and copies of ARP: a few hundred frames beside
  // the flood.
  const uint64_t input_at_most =
      static_cast<uint64_t>((kInputRate * (flood_seconds + 1.0)) + kInputBurst + 2) + 1000;
  std::cout << "e2e: the flood's source group admitted at most " << input_at_most
            << " datagrams into the twin\n";
  EXPECT_LE(twin_received, delivered);
  EXPECT_LE(delivered, std::min(udp_sent + 1000, input_at_most))
      << "the input policer let more into the twin than local_traffic.input allows";
  EXPECT_GE(delivered, kInputRate * static_cast<uint64_t>(flood_seconds) / 4)
      << "the input policer admitted too little";
  EXPECT_GE(twin_received, delivered / 2) << "the twin lost most of the admitted flood";

  // Both classes: policed, answered, delivered or missed at the port, and nothing else.
  const uint64_t excess =
      (icmp_sent - std::min(icmp_sent, admitted_at_most)) + (udp_sent - std::min(udp_sent, input_at_most));
  EXPECT_LE(rate_exceeded + replies, icmp_sent + udp_sent);
  EXPECT_GE(rate_exceeded + replies + delivered + lost_early, (icmp_sent + udp_sent) * 9 / 10)
      << "flood frames neither answered, delivered, policed, nor missed at the port";
  EXPECT_GE(rate_exceeded + lost_early, excess * 9 / 10)
      << "local_rate_exceeded did not grow by the excess over the icmp and input rates";

  // The box's kernel stayed usable.
  EXPECT_EQ(probe_exit, 0) << probe_out;
  EXPECT_NE(probe_out.find("probes=10 answered=10 "), std::string::npos) << probe_out;
  EXPECT_EQ(ping_exit, 0) << ping_out;
  EXPECT_EQ(ping_summary(ping_out), (std::pair<long, long>{10, 10})) << ping_out;
}

// The application layer inline (README "Application layer"): policy rules that match the TLS SNI, the HTTP
// response's content type and the DNS query name stop those connections and queries, while the same kinds of
// traffic to other names pass; the EVE records name what was seen.
class AppLayerE2eTest : public E2eTest {
 protected:
  std::string adjust_config(std::string text) override {
    return insert_after_line(text, "  rules:",
                             "    - {name: no-blocked-sni, from: [lan], to: [inet], service: [tcp/443], "
                             "tls_sni: [\"*.blocked.example\"], "
                             "action: reject}\n"
                             "    - {name: no-exe-downloads, from: [lan], to: [inet], service: [tcp/80], "
                             "http_content_type: [application/x-msdownload], action: drop}\n"
                             "    - {name: no-tracker-dns, from: [lan], to: [inet], service: [udp/53], "
                             "dns_name: [\"*.tracker.example\"], "
                             "action: drop}\n");
  }

  void TearDown() override {
    for (BackgroundProcess* server : {&tls_server_, &http_server_, &dns_server_}) server->stop();
    E2eTest::TearDown();
  }

  // openssl s_server on 443, typed_http_server.py on 80 (bodies of `http_body_bytes`), dnsmasq on 53 knowing
  // allowed.example and ads.tracker.example: all in the Internet namespace.
  void start_servers(const std::string& http_body_bytes) {
    const std::string cert = work_dir_ + "/cert.pem", key = work_dir_ + "/key.pem";
    const CommandResult r = in("inet", {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj",
                                        "/CN=torwart-e2e", "-keyout", key, "-out", cert, "-days", "2"});
    ASSERT_TRUE(r.ok()) << r.output;
    tls_server_ = topology_.inet->start(
        {"openssl", "s_server", "-accept", "443", "-cert", cert, "-key", key, "-www", "-quiet"},
        work_dir_ + "/s_server.log");
    http_server_ = topology_.inet->start(
        {python(), script("typed_http_server.py"), "198.51.100.10", "80", http_body_bytes},
        work_dir_ + "/http.log");
    dns_server_ = topology_.inet->start(
        {"dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--bind-interfaces",
         "--listen-address=198.51.100.10", "--address=/allowed.example/198.51.100.10",
         "--address=/ads.tracker.example/198.51.100.10", "--pid-file=" + work_dir_ + "/dnsmasq.pid"},
        work_dir_ + "/dnsmasq.log");
    wait_listening("inet", "-ltn", 443, tls_server_);
    wait_listening("inet", "-ltn", 80, http_server_);
    wait_listening("inet", "-lun", 53, dns_server_);
  }

  BackgroundProcess tls_server_, http_server_, dns_server_;
};

TEST_F(AppLayerE2eTest, SniContentTypeAndDnsNameRulesStopOnlyWhatTheyName) {
  start_servers("300000");
  if (HasFatalFailure()) return;

  auto https = [&](const std::string& name) {
    return in("lan",
              {"curl", "-sk", "--max-time", "8", "--resolve", name + ":443:198.51.100.10", "-o", "/dev/null",
               "-w", "%{http_code}", "https://" + name + "/"},
              seconds(15));
  };
  const CommandResult allowed_tls = https("www.allowed.example");
  EXPECT_TRUE(allowed_tls.ok()) << allowed_tls.output;
  EXPECT_EQ(allowed_tls.output, "200");
  const CommandResult blocked_tls = https("www.blocked.example");
  EXPECT_FALSE(blocked_tls.ok()) << "the reject rule must stop the handshake: " << blocked_tls.output;
  EXPECT_EQ(blocked_tls.output.substr(0, 3), "000") << blocked_tls.output;

  auto http_get = [&](const std::string& path) {
    return in("lan",
              {"curl", "-sS", "--max-time", "6", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
               "http://198.51.100.10" + path},
              seconds(15));
  };
  const CommandResult page = http_get("/report.html");
  EXPECT_TRUE(page.ok()) << page.output;
  EXPECT_EQ(page.output, "200 300000");
  const CommandResult exe = http_get("/setup.exe");
  EXPECT_FALSE(exe.ok()) << "the download must not complete: " << exe.output;
  EXPECT_EQ(exe.output.find("300000"), std::string::npos) << exe.output;

  auto dig = [&](const std::string& name) {
    return in("lan", {"dig", "+short", "+time=2", "+tries=1", "@198.51.100.10", name}, seconds(10));
  };
  const CommandResult good_name = dig("www.allowed.example");
  EXPECT_TRUE(good_name.ok()) << good_name.output;
  EXPECT_NE(good_name.output.find("198.51.100.10"), std::string::npos) << good_name.output;
  const CommandResult tracker = dig("ads.tracker.example");
  EXPECT_NE(tracker.output.find("timed out"), std::string::npos)
      << "the query must be dropped: " << tracker.output;
  EXPECT_EQ(tracker.output.find("\n198.51.100.10"), std::string::npos) << tracker.output;

  const json stats = appliance_->stats();
  EXPECT_GE(counter(stats, {"app_layer", "identified", "tls"}), 2u) << stats.dump();
  EXPECT_GE(counter(stats, {"app_layer", "identified", "http"}), 2u) << stats.dump();
  EXPECT_GE(counter(stats, {"app_layer", "identified", "dns"}), 2u) << stats.dump();
  EXPECT_GE(counter(stats, {"app_layer", "verdict_rejects"}), 1u) << stats.dump();
  EXPECT_GE(counter(stats, {"app_layer", "verdict_drops"}), 2u) << stats.dump();
  appliance_->stop();

  std::set<std::string> snis, rules_dropping, http_types, dns_queries, flow_apps;
  for (const auto& record : eve_records(appliance_->eve_path())) {
    const std::string type = record.value("event_type", "");
    if (type == "tls") snis.insert(record["tls"].value("sni", ""));
    if (type == "http") http_types.insert(record["http"].value("http_content_type", ""));
    if (type == "dns" && record["dns"].value("type", "") == "query")
      dns_queries.insert(record["dns"].value("rrname", ""));
    if (type == "drop" && record.contains("drop"))
      rules_dropping.insert(record["drop"].value("policy_rule", ""));
    if (type == "flow") flow_apps.insert(record.value("app_proto", ""));
  }
  EXPECT_TRUE(snis.contains("www.allowed.example")) << testing::PrintToString(snis);
  EXPECT_TRUE(http_types.contains("text/html; charset=utf-8")) << testing::PrintToString(http_types);
  EXPECT_TRUE(dns_queries.contains("www.allowed.example")) << testing::PrintToString(dns_queries);
  EXPECT_TRUE(rules_dropping.contains("no-blocked-sni")) << testing::PrintToString(rules_dropping);
  EXPECT_TRUE(rules_dropping.contains("no-exe-downloads")) << testing::PrintToString(rules_dropping);
  EXPECT_TRUE(rules_dropping.contains("no-tracker-dns")) << testing::PrintToString(rules_dropping);
  for (const char* app : {"tls", "http", "dns"}) EXPECT_TRUE(flow_apps.contains(app)) << app;
}

// A capture the test makes itself (tcpdump on the LAN host while curl, openssl's server and dig talk through
// the appliance), analysed by `torwart inspect` as `suricata -r` would: the same records as live.
TEST_F(AppLayerE2eTest, ACaptureOfRealClientsIsIdentifiedAndParsedByInspect) {
  ASSERT_FALSE(lab::find_program("tcpdump").empty()) << "tcpdump missing (scripts/lab-packages.txt)";
  start_servers("20000");
  if (HasFatalFailure()) return;
  const std::string capture = work_dir_ + "/lan.pcap";
  BackgroundProcess tcpdump = topology_.lan->start(
      {"tcpdump", "-i", "eth0", "--immediate-mode", "-U", "-Z", "root", "-n", "-w", capture, "tcp or udp"},
      work_dir_ + "/tcpdump.log");
  for (auto deadline = Clock::now() + seconds(10); Clock::now() < deadline;) {
    if (read_file(work_dir_ + "/tcpdump.log").find("listening on") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(
      in("lan", {"curl", "-sk", "--max-time", "8", "--resolve", "www.allowed.example:443:198.51.100.10", "-o",
                 "/dev/null", "https://www.allowed.example/"})
          .ok());
  EXPECT_TRUE(in("lan", {"curl", "-sS", "--max-time", "8", "-A", "torwart-e2e/1", "-o", "/dev/null",
                         "http://198.51.100.10/report.html"})
                  .ok());
  EXPECT_TRUE(
      in("lan", {"dig", "+short", "+time=2", "+tries=1", "@198.51.100.10", "www.allowed.example"}).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  tcpdump.stop();

  const std::string out = work_dir_ + "/inspected";
  const CommandResult r =
      run_command({torwart_binary(), "inspect", "-r", capture, "-l", out}, std::chrono::seconds(60));
  ASSERT_TRUE(r.ok()) << r.output;
  bool tls = false, http = false, dns = false;
  std::set<std::string> apps;
  for (const auto& record : eve_records(out + "/eve.json")) {
    const std::string type = record.value("event_type", "");
    if (type == "tls" && record["tls"].value("sni", "") == "www.allowed.example") {
      tls = true;
      EXPECT_EQ(record["tls"].value("version", ""), "TLS 1.3") << record.dump();
      EXPECT_EQ(record["tls"]["ja3"].value("hash", "").size(), 32u) << record.dump();
      EXPECT_FALSE(record["tls"].value("ja4", "").empty()) << record.dump();
    }
    if (type == "http" && record["http"].value("url", "") == "/report.html") {
      http = true;
      EXPECT_EQ(record["http"].value("http_user_agent", ""), "torwart-e2e/1") << record.dump();
      EXPECT_EQ(record["http"].value("status", 0), 200) << record.dump();
      EXPECT_EQ(record["http"].value("length", 0), 20000) << record.dump();
    }
    if (type == "dns" && record["dns"].value("type", "") == "answer" &&
        record["dns"].value("rrname", "") == "www.allowed.example") {
      dns = true;
      EXPECT_EQ(record["dns"].value("rcode", ""), "NOERROR") << record.dump();
      ASSERT_TRUE(record["dns"].contains("answers")) << record.dump();
      EXPECT_EQ(record["dns"]["answers"][0].value("rdata", ""), "198.51.100.10") << record.dump();
    }
    if (type == "flow") apps.insert(record.value("app_proto", ""));
  }
  EXPECT_TRUE(tls) << read_file(out + "/eve.json");
  EXPECT_TRUE(http) << read_file(out + "/eve.json");
  EXPECT_TRUE(dns) << read_file(out + "/eve.json");
  for (const char* app : {"tls", "http", "dns"}) EXPECT_TRUE(apps.contains(app)) << app;
}

// NAT (tests/e2e/README.md): the lab with masquerade on the Internet uplink and a port forward to the LAN
// host, two workers with software distribution, so that NAT steering must bring both directions together.
class NatE2eTest : public E2eTest {
 protected:
  static constexpr int kForwardPort = 8443;
  static constexpr int kServerPort = 7200;

  std::string adjust_config(std::string text) override {
    text = insert_after_line(text, "  rules:",
                             "    - {name: e2e-forward, from: [inet], to: [lan], destination: "
                             "[192.168.10.10/32], service: [tcp/7200, "
                             "udp/7200], action: accept}\n"
                             "    - {name: e2e-hairpin, from: [lan], to: [lan], destination: "
                             "[192.168.10.10/32], service: [tcp/7200, "
                             "udp/7200], action: accept}\n");
    return text +
           "nat:\n"
           "  source:\n"
           "    - {name: lan-masquerade, out: inet, from: [lan], translate_to: interface}\n"
           "  forwards:\n"
           "    - {name: lan-echo-tcp, in: inet, protocol: tcp, port: 8443, to: 192.168.10.10, to_port: "
           "7200}\n"
           "    - {name: lan-echo-udp, in: inet, protocol: udp, port: 8443, to: 192.168.10.10, to_port: "
           "7200}\n";
  }

  // The Internet knows only the public address: without translation nothing could come back.
  void remove_route_back() {
    CommandResult r = in("inet", {"ip", "route", "del", "192.168.10.0/24"});
    ASSERT_TRUE(r.ok()) << r.output;
    r = in("inet", {"ip", "route", "show"});
    ASSERT_EQ(r.output.find("192.168.10."), std::string::npos) << r.output;
  }
};

TEST_F(NatE2eTest, LanReachesTheInternetThroughSourceNatOnly) {
  const json status = appliance_->status();
  ASSERT_EQ(status["workers"], 2) << status.dump();
  ASSERT_EQ(status["distribution"], "software") << status.dump();
  remove_route_back();
  const json before = appliance_->stats();

  constexpr int kBasePort = 7100;
  constexpr int kFlows = 8;
  BackgroundProcess server =
      topology_.inet->start({python(), script("echo_flows.py"), "server", "198.51.100.10",
                             std::to_string(kBasePort), std::to_string(kFlows)},
                            work_dir_ + "/echo-server.log");
  wait_listening("inet", "-lun", kBasePort + kFlows - 1, server);
  wait_listening("inet", "-ltn", kBasePort + kFlows - 1, server);

  // A LAN socket opens a mapping (its hello is echoed back through it); strangers then try the mapping's
  // candidate ports (the first UDP port of each worker's slice) and a forward-less public port.
  BackgroundProcess listener =
      topology_.lan->start({python(), script("nat_probe.py"), "listen", "192.168.10.10", "7300", "4",
                            "198.51.100.10", std::to_string(kBasePort)},
                           work_dir_ + "/lan-listener.log");
  wait_listening("lan", "-lun", 7300, listener);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (const char* port : {"1024", "33280", "7300"}) {
    const CommandResult probe = in("inet", {python(), script("nat_probe.py"), "send", "203.0.113.2", port});
    EXPECT_NE(probe.output.find("tcp_connected=0"), std::string::npos) << port << ": " << probe.output;
  }
  for (auto deadline = Clock::now() + seconds(10); listener.running() && Clock::now() < deadline;)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  listener.stop();
  const std::string heard = read_file(listener.log_path());
  EXPECT_NE(heard.find("udp_received=1 tcp_accepted=0"), std::string::npos)
      << "only the echo of the hello may arrive: " << heard;

  CommandResult r = in("lan",
                       {python(), script("echo_flows.py"), "client", "198.51.100.10",
                        std::to_string(kBasePort), std::to_string(kFlows), "50"},
                       seconds(60));
  server.stop();
  EXPECT_TRUE(r.ok()) << r.output;
  EXPECT_NE(r.output.find("udp_sent=400 udp_echoed=400 tcp_sent=400 tcp_echoed=400"), std::string::npos)
      << r.output;
  CommandResult ping = in("lan", {"ping", "-c", "3", "-i", "0.2", "-W", "2", "198.51.100.10"});
  EXPECT_EQ(ping_summary(ping.output), (std::pair<long, long>{3, 3})) << ping.output;

  const json after = appliance_->stats();
  auto delta = [&](std::initializer_list<const char*> path) {
    return counter(after, path) - counter(before, path);
  };
  EXPECT_GE(delta({"nat", "mappings_created"}), 2u * kFlows + 2) << after.dump();
  EXPECT_GE(delta({"nat", "packets_translated"}), 4u * 400) << after.dump();
  EXPECT_GT(delta({"nat", "steered_by_nat"}), 0u)
      << "NAT steering never overrode the flow hash: " << after.dump();
  EXPECT_EQ(counter(after, {"drops", "distribution_queue_full"}), 0u) << after.dump();
  EXPECT_EQ(counter(after, {"drops", "nat_port_exhausted"}), 0u) << after.dump();
  // The strangers' datagrams to the mapping's port were refused by the policy or as unsolicited.
  EXPECT_GE(counter(after, {"ports", "inet", "drops", "policy_drop"}) +
                counter(after, {"ports", "inet", "drops", "nat_unsolicited"}),
            5u)
      << after.dump();
}

TEST_F(NatE2eTest, PortForwardAndHairpinReachTheLanServer) {
  remove_route_back();
  BackgroundProcess server = topology_.lan->start(
      {python(), script("echo_flows.py"), "server", "192.168.10.10", std::to_string(kServerPort), "1"},
      work_dir_ + "/lan-echo-server.log");
  wait_listening("lan", "-ltn", kServerPort, server);
  wait_listening("lan", "-lun", kServerPort, server);
  // From the Internet to the public address.
  CommandResult outside = in(
      "inet",
      {python(), script("echo_flows.py"), "client", "203.0.113.2", std::to_string(kForwardPort), "1", "50"},
      seconds(60));
  EXPECT_TRUE(outside.ok()) << outside.output;
  EXPECT_NE(outside.output.find("udp_sent=50 udp_echoed=50 tcp_sent=50 tcp_echoed=50"), std::string::npos)
      << outside.output;
  // From the LAN to the public address (hairpin): the box translates both ways, also for the same host.
  CommandResult hairpin = in(
      "lan",
      {python(), script("echo_flows.py"), "client", "203.0.113.2", std::to_string(kForwardPort), "1", "50"},
      seconds(60));
  server.stop();
  EXPECT_TRUE(hairpin.ok()) << hairpin.output;
  EXPECT_NE(hairpin.output.find("udp_sent=50 udp_echoed=50 tcp_sent=50 tcp_echoed=50"), std::string::npos)
      << hairpin.output;
  const json stats = appliance_->stats();
  EXPECT_GT(counter(stats, {"nat", "packets_translated"}), 0u) << stats.dump();
}

}  // namespace
}  // namespace torwart::lab
