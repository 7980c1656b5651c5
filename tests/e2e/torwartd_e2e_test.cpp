// End-to-end tests of torwartd and torwartctl driving a real `torwart run` between network namespaces (the
// lab harness): commit-confirmed rolls back on time (also across a torwartd restart), an invalid candidate
// never reaches the fast path, two editors on one base version, and traffic that does not notice torwartd
// dying and coming back. Needs root.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "controlplane/config_store/validate.hpp"
#include "dataplane/lab/appliance.hpp"
#include "dataplane/lab/cleanup.hpp"
#include "dataplane/lab/lab_checks.hpp"
#include "dataplane/lab/lab_topology.hpp"
#include "rules/config/config_digest.hpp"
#include "tests/e2e/e2e_support.hpp"

namespace torwart::lab {
namespace {

using e2e::binary;
using e2e::insert_after_line;
using e2e::python;
using e2e::read_file;

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

std::string with_route(const std::string& text, const std::string& prefix) {
  return insert_after_line(text, "routes:", "  - to: " + prefix + "\n    via: 10.200.0.1\n");
}

class TorwartdE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(geteuid(), 0u) << "end-to-end tests need root (network namespaces); run them as root";
    for (const auto& b : {torwart_, torwartd_, torwartctl_}) ASSERT_EQ(access(b.c_str(), X_OK), 0) << b;
    for (const char* program : {"ip", "ss", "ping", "python3"})
      ASSERT_FALSE(find_program(program).empty()) << program;
    install_cleanup_handlers();
    remove_stale_lab_namespaces();
    std::string pattern = (fs::temp_directory_path() / "torwartd-e2e-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    work_dir_ = pattern;
    config_text_ =
        insert_after_line(lab_config_text(work_dir_ + "/control.sock"), "  rules:",
                          "    - {name: e2e-echo, from: [lan], to: [inet], service: [tcp/7100-7107], "
                          "action: accept, log: true}\n");
    config_path_ = write("torwart.yaml", config_text_);
    static int sequence = 0;
    prefix_ = std::string(kNamespacePrefix) + std::to_string(getpid()) + "-d" + std::to_string(++sequence);
    topology_ = build_topology(prefix_, load_lab_config(config_text_), false);
    ctx_ = LabContext{&topology_, work_dir_, work_dir_, python(), 0, false};
    appliance_ = std::make_unique<ApplianceProcess>(*topology_.appliance, torwart_, config_path_,
                                                    work_dir_ + "/eve", work_dir_ + "/appliance.out");
    appliance_->start();
    CheckResult ready = wait_ready(ctx_, seconds(30), [this] { return appliance_->alive(); });
    ASSERT_TRUE(ready.pass) << ready.observed << "\n" << read_file(appliance_->output_log());
    start_torwartd();
  }

  void TearDown() override {
    torwartd_process_.stop();
    if (appliance_) appliance_->stop();
    appliance_.reset();
    topology_ = Topology{};
    if (!work_dir_.empty()) {
      if (HasFailure()) {
        std::cout << "torwartd e2e: kept " << work_dir_ << " for inspection\n";
      } else {
        std::error_code ec;
        fs::remove_all(work_dir_, ec);
      }
    }
  }

  std::string write(const std::string& name, const std::string& text) {
    const std::string path = work_dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  std::string socket() const { return work_dir_ + "/torwartd.sock"; }

  // torwartd in the host namespace (Unix sockets are not bound to a network namespace). The periodic sync
  // is off (1 h) so that the fast path's request counters move only by what a test does.
  void start_torwartd(const Argv& extra = {}) {
    Argv argv{torwartd_,
              "--state-dir",
              work_dir_ + "/state",
              "--socket",
              socket(),
              "-s",
              work_dir_ + "/control.sock",
              "--audit-log",
              work_dir_ + "/audit.jsonl",
              "--initial",
              config_path_,
              "--sync-interval",
              "3600"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    torwartd_process_ = BackgroundProcess(argv, work_dir_ + "/torwartd.log");
    for (auto deadline = Clock::now() + seconds(15); Clock::now() < deadline;) {
      ASSERT_TRUE(torwartd_process_.running()) << read_file(work_dir_ + "/torwartd.log");
      if (run_command({torwartctl_, "-S", socket(), "status"}, std::chrono::milliseconds(5000)).ok()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL() << "torwartd did not answer: " << read_file(work_dir_ + "/torwartd.log");
  }

  void kill_torwartd() {
    ASSERT_GT(torwartd_process_.pid(), 0);
    ::kill(torwartd_process_.pid(), SIGKILL);
    torwartd_process_.stop();
  }

  CommandResult ctl(Argv args) {
    Argv argv = {torwartctl_, "-S", socket()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, std::chrono::milliseconds(60000));
  }

  json fastpath() { return appliance_->status(); }

  // torwartd again, now with the management API on loopback and a test PKI (test_pki.sh) in `pki`; the port.
  std::string restart_torwartd_with_api(const std::string& pki) {
    EXPECT_EQ(std::system((std::string(TEST_PKI_SCRIPT) + " " + pki + " >/dev/null 2>&1").c_str()), 0);
    const std::string port = std::to_string(20000 + getpid() % 20000);
    kill_torwartd();
    start_torwartd({"--api", "127.0.0.1:" + port, "--api-ca", pki + "/ca.pem", "--api-cert",
                    pki + "/server.pem", "--api-key", pki + "/server.key", "--api-crl", pki + "/crl.pem"});
    return port;
  }

  // Waits until the fast path runs `version`; returns its status.
  json wait_for_version(uint64_t version, seconds timeout) {
    json s;
    for (auto deadline = Clock::now() + timeout; Clock::now() < deadline;) {
      s = fastpath();
      if (s["config_version"].get<uint64_t>() == version) return s;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "fast path did not reach version " << version << ": " << s.dump() << "\n"
                  << read_file(work_dir_ + "/torwartd.log");
    return s;
  }

  std::string torwart_ = binary("TORWART_BINARY", TORWART_BINARY_DEFAULT);
  std::string torwartd_ = binary("TORWARTD_BINARY", TORWARTD_BINARY_DEFAULT);
  std::string torwartctl_ = binary("TORWARTCTL_BINARY", TORWARTCTL_BINARY_DEFAULT);
  std::string work_dir_;
  std::string config_text_;
  std::string config_path_;
  std::string prefix_;
  Topology topology_;
  LabContext ctx_;
  std::unique_ptr<ApplianceProcess> appliance_;  // declared after topology_: stopped before it goes
  BackgroundProcess torwartd_process_;
};

TEST_F(TorwartdE2eTest, UnconfirmedCommitRollsBackOnTime) {
  const std::string v1_digest = config::config_digest(config_text_);
  EXPECT_EQ(fastpath()["config_digest"], v1_digest);
  const std::string v2 = with_route(config_text_, "172.16.0.0/12");
  const auto start = Clock::now();
  CommandResult r =
      ctl({"config", "commit", write("v2.yaml", v2), "--confirm-within", "3s", "-m", "try a route"});
  ASSERT_TRUE(r.ok()) << r.output;
  EXPECT_NE(r.output.find("version 2 is running"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("rolls back to version 1"), std::string::npos) << r.output;
  json s = fastpath();
  EXPECT_EQ(s["config_version"], 2);
  EXPECT_EQ(s["config_digest"], config::config_digest(v2));

  s = wait_for_version(3, seconds(10));
  EXPECT_GE(Clock::now() - start, seconds(3)) << "rolled back before the deadline";
  EXPECT_EQ(s["config_digest"], v1_digest) << "version 3 is version 1's text";
  r = ctl({"config", "history", "--json"});
  ASSERT_TRUE(r.ok()) << r.output;
  const json h = parse_json_output(r.output);
  EXPECT_EQ(h["current"], 3);
  EXPECT_EQ(h["versions"][2]["kind"], "auto-rollback");
  EXPECT_EQ(h["versions"][2]["source"], 1);
  EXPECT_NE(read_file(work_dir_ + "/audit.jsonl").find("\"action\":\"auto-rollback\""), std::string::npos);
  const CommandResult verified =
      run_command({torwartd_, "--verify-audit", "--audit-log", work_dir_ + "/audit.jsonl", "--state-dir",
                   work_dir_ + "/state"},
                  seconds(10));
  EXPECT_TRUE(verified.ok()) << verified.output;
  EXPECT_NE(verified.output.find("reaches the anchored record"), std::string::npos) << verified.output;
  r = ctl({"config", "confirm"});
  EXPECT_EQ(r.exit_code, 2) << "nothing to confirm any more: " << r.output;
}

// The provider's engineer runs the same torwartctl from afar: through the management API (mutual TLS, a
// certificate per role) a commit-confirmed reaches the real fast path and rolls back by itself; a role that
// may not change the box is refused and the refusal is in the audit log with the certificate's name.
TEST_F(TorwartdE2eTest, TheRemoteCliWorksThroughTheManagementApi) {
  const std::string pki = work_dir_ + "/pki";
  const std::string port = restart_torwartd_with_api(pki);
  auto remote = [&](const std::string& role, Argv args) {
    Argv argv{torwartctl_,
              "--host",
              "127.0.0.1:" + port,
              "--cert",
              pki + "/client-" + role + ".pem",
              "--key",
              pki + "/client-" + role + ".key",
              "--ca",
              pki + "/ca.pem"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, std::chrono::milliseconds(60000));
  };
  CommandResult r{};
  for (auto deadline = Clock::now() + seconds(10); Clock::now() < deadline;) {
    r = remote("auditor", {"status"});
    if (r.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_TRUE(r.ok()) << r.output << read_file(work_dir_ + "/torwartd.log");
  const std::string v2 = with_route(config_text_, "172.16.0.0/12");
  r = remote("auditor", {"config", "commit", write("v2.yaml", v2)});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("HTTP 403"), std::string::npos) << r.output;
  r = remote("local-admin", {"config", "commit", write("v2.yaml", v2)});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("may change only objects, policy; this change also touches routes"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(fastpath()["config_version"], 1);

  r = remote("provider-admin", {"config", "commit", write("v2.yaml", v2), "--base", "1", "--confirm-within",
                                "3s", "-m", "remote route"});
  ASSERT_TRUE(r.ok()) << r.output;
  EXPECT_EQ(fastpath()["config_digest"], config::config_digest(v2));
  const json s = wait_for_version(3, seconds(10));
  EXPECT_EQ(s["config_digest"], config::config_digest(config_text_)) << "rolled back to version 1's text";

  r = remote("auditor", {"audit", "--json"});
  ASSERT_TRUE(r.ok()) << r.output;
  const json audit = parse_json_output(r.output);
  bool refused_seen = false, commit_seen = false;
  for (const auto& record : audit["records"]) {
    const json& who = record["who"];
    if (record["result"] == "refused" && who.value("name", "") == "auditor-user" &&
        who.value("via", "") == "api")
      refused_seen = true;
    if (record["action"] == "commit" && who.value("name", "") == "provider-admin-user" &&
        who.value("role", "") == "provider-admin")
      commit_seen = true;
  }
  EXPECT_TRUE(refused_seen) << audit.dump(1);
  EXPECT_TRUE(commit_seen) << audit.dump(1);
  // The console's socket still works beside the API (break-glass) and is recorded as such.
  r = ctl({"config", "history", "--json"});
  ASSERT_TRUE(r.ok()) << r.output;
  EXPECT_EQ(parse_json_output(r.output)["versions"][1]["author"]["via"], "api");
}

// Debian's real Prometheus scrapes /metrics through the API with a client certificate (role auditor) and
// finds the fast path's and torwartd's counters under their Prometheus names.
TEST_F(TorwartdE2eTest, PrometheusScrapesTheBoxThroughTheManagementApi) {
  ASSERT_FALSE(find_program("prometheus").empty()) << "Debian's prometheus package";
  const std::string pki = work_dir_ + "/pki";
  const std::string port = restart_torwartd_with_api(pki);
  const std::string web = std::to_string(40000 + getpid() % 20000);
  write("prometheus.yml",
        "global: {scrape_interval: 1s, scrape_timeout: 1s}\n"
        "scrape_configs:\n"
        "  - job_name: torwart\n"
        "    scheme: https\n"
        "    tls_config: {ca_file: " +
            pki + "/ca.pem, cert_file: " + pki + "/client-auditor.pem, key_file: " + pki +
            "/client-auditor.key}\n"
            "    static_configs: [{targets: ['127.0.0.1:" +
            port + "']}]\n");
  BackgroundProcess prometheus(
      {find_program("prometheus"), "--config.file=" + work_dir_ + "/prometheus.yml",
       "--storage.tsdb.path=" + work_dir_ + "/tsdb", "--web.listen-address=127.0.0.1:" + web},
      work_dir_ + "/prometheus.log");
  auto query = [&](const std::string& expression) {
    const CommandResult r = run_command({"curl", "-s", "--get", "--data-urlencode", "query=" + expression,
                                         "http://127.0.0.1:" + web + "/api/v1/query"},
                                        std::chrono::milliseconds(5000));
    const json answer = json::parse(r.output, nullptr, false);
    return answer.is_discarded() ? json::array() : answer["data"]["result"];
  };
  json series;
  for (auto deadline = Clock::now() + seconds(40); Clock::now() < deadline;) {
    series = query("torwart_port_rx_packets_total");
    if (series.size() == 3 && query("up{job=\"torwart\"} == 1").size() == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  ASSERT_EQ(series.size(), 3u) << "one series per port: " << series.dump() << "\n"
                               << read_file(work_dir_ + "/prometheus.log");
  for (const auto& s : series) EXPECT_TRUE(s["metric"].contains("port")) << s.dump();
  EXPECT_EQ(query("torwart_fastpath_up == 1").size(), 1u);
  EXPECT_EQ(query("torwartd_config_current == 1").size(), 1u);
  EXPECT_EQ(query("torwartd_management_api_tls_refused_total").size(), 1u);
  prometheus.stop();
}

TEST_F(TorwartdE2eTest, ConfirmedCommitStays) {
  const std::string v2 = with_route(config_text_, "172.16.0.0/12");
  ASSERT_TRUE(ctl({"config", "commit", write("v2.yaml", v2), "--confirm-within", "2s"}).ok());
  CommandResult r = ctl({"config", "confirm"});
  ASSERT_TRUE(r.ok()) << r.output;
  std::this_thread::sleep_for(seconds(3));
  EXPECT_EQ(fastpath()["config_version"], 2);
}

TEST_F(TorwartdE2eTest, DeadlineSurvivesTorwartdRestarts) {
  const std::string v1_digest = config::config_digest(config_text_);
  // Restarted before the deadline: re-armed, rolls back on time.
  ASSERT_TRUE(ctl({"config", "commit", write("v2.yaml", with_route(config_text_, "172.16.0.0/12")),
                   "--confirm-within", "4s"})
                  .ok());
  const auto start = Clock::now();
  kill_torwartd();
  std::this_thread::sleep_for(seconds(1));
  EXPECT_EQ(fastpath()["config_version"], 2) << "the fast path keeps running while torwartd is dead";
  start_torwartd();
  EXPECT_EQ(fastpath()["config_version"], 2) << "not rolled back before the deadline";
  json s = wait_for_version(3, seconds(10));
  EXPECT_GE(Clock::now() - start, seconds(3));
  EXPECT_EQ(s["config_digest"], v1_digest);

  // Dead past the deadline: rolled back at once on start.
  ASSERT_TRUE(ctl({"config", "commit", write("v4.yaml", with_route(config_text_, "192.0.2.0/24")),
                   "--confirm-within", "2s"})
                  .ok());
  EXPECT_EQ(fastpath()["config_version"], 4);
  kill_torwartd();
  std::this_thread::sleep_for(seconds(3));
  EXPECT_EQ(fastpath()["config_version"], 4) << "nobody rolls back while torwartd is dead";
  start_torwartd();
  s = fastpath();
  EXPECT_EQ(s["config_version"], 5) << "rolled back during start-up";
  EXPECT_EQ(s["config_digest"], v1_digest) << "version 4's predecessor (3) has version 1's text";
}

TEST_F(TorwartdE2eTest, InvalidCandidateNeverReachesTheFastPath) {
  const json before = appliance_->stats();
  const std::string bad =
      insert_after_line(config_text_, "routes:", "  - to: 172.16.0.0/33\n    via: 10.200.0.1\n");
  CommandResult r = ctl({"config", "commit", write("bad.yaml", bad), "-m", "broken"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("bad.yaml:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("routes[0]"), std::string::npos) << r.output;
  r = ctl({"config", "validate", write("bad2.yaml", bad)});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  const json after = appliance_->stats();
  EXPECT_EQ(after["config_version"], 1);
  // Only the stats request itself reached the fast path: no reload, no status.
  EXPECT_EQ(after["control_requests"].get<uint64_t>() - before["control_requests"].get<uint64_t>(), 1u)
      << before.dump() << "\n"
      << after.dump();
  EXPECT_EQ(after["control_requests_rejected"], before["control_requests_rejected"]);
  r = ctl({"config", "history", "--json"});
  EXPECT_EQ(parse_json_output(r.output)["versions"].size(), 1u) << "nothing stored";
}

TEST_F(TorwartdE2eTest, SecondOfTwoConcurrentEditorsIsRefused) {
  const std::string anna = write("anna.yaml", with_route(config_text_, "172.16.0.0/12"));
  const std::string bert = write("bert.yaml", with_route(config_text_, "192.0.2.0/24"));
  auto a = std::async(std::launch::async, [&] {
    return ctl({"config", "commit", anna, "--base", "1", "-m", "anna"});
  });
  auto b = std::async(std::launch::async, [&] {
    return ctl({"config", "commit", bert, "--base", "1", "-m", "bert"});
  });
  const CommandResult ra = a.get(), rb = b.get();
  ASSERT_NE(ra.ok(), rb.ok()) << "exactly one wins\n" << ra.output << "\n" << rb.output;
  const CommandResult& loser = ra.ok() ? rb : ra;
  EXPECT_EQ(loser.exit_code, 2);
  EXPECT_NE(loser.output.find("your change is based on version 1, but the current version is 2"),
            std::string::npos)
      << loser.output;
  EXPECT_EQ(fastpath()["config_version"], 2);
  EXPECT_EQ(fastpath()["config_digest"], config::config_digest(read_file(ra.ok() ? anna : bert)));
}

TEST_F(TorwartdE2eTest, KillingTorwartdUnderTrafficBreaksNothing) {
  ASSERT_TRUE(ctl({"config", "commit", write("v2.yaml", with_route(config_text_, "172.16.0.0/12"))}).ok());
  BackgroundProcess server = topology_.inet->start(
      {python(), std::string(TORWART_E2E_SCRIPTS) + "/echo_flows.py", "server", "198.51.100.10", "7100", "1"},
      work_dir_ + "/echo-server.log");
  for (auto deadline = Clock::now() + seconds(10);;
       std::this_thread::sleep_for(std::chrono::milliseconds(100))) {
    CommandResult l =
        ctx_.run(topology_.host("inet"), {"ss", "-H", "-ltn", "sport", "=", ":7100"}, seconds(5));
    if (l.ok() && l.output.find("7100") != std::string::npos) break;
    ASSERT_LT(Clock::now(), deadline)
        << "echo server not listening: " << read_file(work_dir_ + "/echo-server.log");
  }
  BackgroundProcess pinger = topology_.lan->start(
      {"ping", "-4", "-n", "-i", "0.01", "-c", "600", "-W", "2", "10.20.0.10"}, work_dir_ + "/ping.out");
  BackgroundProcess stream = topology_.lan->start(
      {python(), std::string(TORWART_E2E_SCRIPTS) + "/steady_flows.py", "198.51.100.10", "6", "7100"},
      work_dir_ + "/steady.out");
  std::this_thread::sleep_for(seconds(2));
  kill_torwartd();
  std::this_thread::sleep_for(seconds(1));
  start_torwartd();  // resynchronises: the fast path already runs version 2, nothing is pushed
  for (auto deadline = Clock::now() + seconds(20);
       (pinger.running() || stream.running()) && Clock::now() < deadline;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_FALSE(pinger.running());
  ASSERT_FALSE(stream.running());
  server.stop();
  const std::string ping = read_file(work_dir_ + "/ping.out");
  EXPECT_NE(ping.find("600 packets transmitted, 600 received"), std::string::npos) << ping;
  const std::string steady = read_file(work_dir_ + "/steady.out");
  auto count = [&](const char* half) {
    const auto at = steady.find(std::string(half) + "=");
    return at == std::string::npos ? -1L : std::stol(steady.substr(at + std::strlen(half) + 1));
  };
  EXPECT_GT(count("echoed_first_half"), 10) << steady;
  EXPECT_GT(count("echoed_second_half"), 10) << "the TCP connection survived\n" << steady;
  const json s = fastpath();
  EXPECT_EQ(s["config_version"], 2) << "no reload on resynchronisation";
  EXPECT_NE(read_file(work_dir_ + "/torwartd.log").find("torwartd: in sync"), std::string::npos)
      << read_file(work_dir_ + "/torwartd.log");
}

TEST_F(TorwartdE2eTest, RefusedSnapshotFailsTheCommitAndKeepsTheOld) {
  // Valid, but a new device needs a restart of torwart run: the fast path refuses the snapshot.
  std::string text = config_text_;
  text.replace(text.find("device: tw-lan\n"), 15, "device: tw-lan9\n");
  CommandResult r = ctl({"config", "commit", write("device.yaml", text)});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("needs a restart"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("version 1 keeps running"), std::string::npos) << r.output;
  EXPECT_EQ(fastpath()["config_version"], 1);
  r = ctl({"config", "history", "--json"});
  const json h = parse_json_output(r.output);
  EXPECT_EQ(h["current"], 1);
  ASSERT_EQ(h["versions"].size(), 2u);
  EXPECT_EQ(h["versions"][1]["state"], "failed");
  r = ctl({"config", "commit", write("v3.yaml", with_route(config_text_, "172.16.0.0/12"))});
  EXPECT_TRUE(r.ok()) << r.output;
  EXPECT_NE(r.output.find("version 3 is running"), std::string::npos) << r.output;
}

TEST_F(TorwartdE2eTest, RestartedFastPathIsResynchronised) {
  const std::string v2 = with_route(config_text_, "172.16.0.0/12");
  ASSERT_TRUE(ctl({"config", "commit", write("v2.yaml", v2)}).ok());
  // torwart run restarts from its boot file: version 1 with the old text.
  appliance_->stop();
  appliance_->start();
  CheckResult ready = wait_ready(ctx_, seconds(30), [this] { return appliance_->alive(); });
  ASSERT_TRUE(ready.pass) << ready.observed;
  EXPECT_EQ(fastpath()["config_version"], 1);
  kill_torwartd();
  start_torwartd();
  const json s = fastpath();
  EXPECT_EQ(s["config_version"], 2);
  EXPECT_EQ(s["config_digest"], config::config_digest(v2));
  const CommandResult r = ctl({"status"});
  EXPECT_NE(r.output.find("in sync"), std::string::npos) << r.output;
}

TEST_F(TorwartdE2eTest, EditCommitsWhatTheEditorChanged) {
  // An "editor" that adds a route after the routes: line.
  const std::string editor = write(
      "editor.sh",
      "#!/bin/sh\nsed -i 's|^routes:$|routes:\\n  - to: 172.16.0.0/12\\n    via: 10.200.0.1|' \"$1\"\n");
  ASSERT_EQ(::chmod(editor.c_str(), 0755), 0);
  ::setenv("VISUAL", editor.c_str(), 1);
  CommandResult r = ctl({"config", "edit", "-m", "edited"});
  EXPECT_TRUE(r.ok()) << r.output;
  EXPECT_NE(r.output.find("version 2 is running (2 lines added, 0 removed against version 1)"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(fastpath()["config_digest"], config::config_digest(with_route(config_text_, "172.16.0.0/12")));
  ::setenv("VISUAL", "true", 1);  // changes nothing
  r = ctl({"config", "edit"});
  EXPECT_TRUE(r.ok()) << r.output;
  EXPECT_NE(r.output.find("no change to version 2"), std::string::npos) << r.output;
  ::unsetenv("VISUAL");
  r = ctl({"config", "diff", "1", "2"});
  EXPECT_TRUE(r.ok()) << r.output;
  EXPECT_NE(r.output.find("+  - to: 172.16.0.0/12\n+    via: 10.200.0.1\n"), std::string::npos) << r.output;

  // The tables for people.
  r = ctl({"config", "history"});
  EXPECT_TRUE(r.ok()) << r.output;
  EXPECT_NE(r.output.find("* 2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("root (uid 0)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("edited"), std::string::npos) << r.output;
  r = ctl({"config", "show"});
  EXPECT_EQ(r.output, with_route(config_text_, "172.16.0.0/12"));
  r = ctl({"status"});
  EXPECT_NE(r.output.find("current version   2  commit by root (uid 0)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("runs version 2"), std::string::npos) << r.output;
  r = ctl({"stats"});
  EXPECT_TRUE(r.ok()) << r.output;
  EXPECT_NE(r.output.find("config version 2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("lan"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace torwart::lab
