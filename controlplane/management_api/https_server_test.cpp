// The management API over real TLS on loopback: the certificates it must refuse, the limits that keep a
// client from holding it (oversized and malformed requests, slow clients), and 1 000 requests from 50
// concurrent clients while a commit-confirmed is pending and rolls back by itself.
#include "controlplane/management_api/https_server.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <sstream>
#include <thread>

#include "controlplane/management_api/https_client_for_tests.hpp"
#include "controlplane/tls/tr02102_tls.hpp"
#include "controlplane/torwartd/confirm_timer.hpp"
#include "controlplane/torwartd/fake_fastpath.hpp"
#include "rules/config/load.hpp"

namespace torwart::controlplane::api {
namespace {
namespace fs = std::filesystem;
namespace ssl = boost::asio::ssl;
using nlohmann::json;
using testing::Answer;
using testing::TestClient;

fs::path pki_dir;

tls::TlsFiles client_files(const std::string& name) {
  return {(pki_dir / "ca.pem").string(), (pki_dir / (name + ".pem")).string(),
          (pki_dir / (name + ".key")).string(), ""};
}

long rss_kib() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

class HttpsServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_dir = fs::temp_directory_path() / ("torwart-pki-" + std::to_string(getpid()));
    const std::string command = std::string(TEST_PKI_SCRIPT) + " " + pki_dir.string() + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  static void TearDownTestSuite() { fs::remove_all(pki_dir); }

  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "torwart-https-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    store_ = std::make_unique<ConfigStore>(dir_ / "config");
    audit_ = std::make_unique<AuditLog>(dir_ / "audit.jsonl");
    service_ = std::make_unique<ControlService>(*store_, fastpath_, *audit_);
    CommitRequest first;
    first.text = std::string(config::default_config_text());
    first.origin = "default";
    service_->commit(first, ControlService::self());
    handler_ = std::make_unique<ApiHandler>(*service_, "{}");
  }
  void TearDown() override {
    stop();
    fs::remove_all(dir_);
  }

  void start(HttpsLimits limits = {}) {
    server_tls_ = std::make_unique<ssl::context>(
        tls::make_server_context({(pki_dir / "ca.pem").string(), (pki_dir / "server.pem").string(),
                                  (pki_dir / "server.key").string(), (pki_dir / "crl.pem").string()}));
    timers_ = std::make_unique<ServiceTimers>(io_, *service_, std::chrono::seconds(1));
    // As torwartd does: after every request the commit-confirmed deadline is re-armed.
    server_ = std::make_unique<HttpsServer>(
        io_, *server_tls_, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0),
        [this](const ApiRequest& r, const ClientIdentity& id) {
          ApiResponse answer = handler_->handle(r, id);
          timers_->rearm();
          return answer;
        },
        limits);
    port_ = server_->port();
    guard_.emplace(io_.get_executor());
    thread_ = std::thread([this] { io_.run(); });
  }
  void stop() {
    if (!thread_.joinable()) return;
    boost::asio::post(io_, [this] {
      timers_.reset();
      server_.reset();
      guard_.reset();
      io_.stop();
    });
    thread_.join();
  }

  // Runs `f` on the server's thread (its counters are that thread's).
  template <typename F>
  auto on_server(F f) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return result.get();
  }

  std::unique_ptr<ssl::context> client_tls(const std::string& name) {
    return std::make_unique<ssl::context>(tls::make_client_context(client_files(name)));
  }

  fs::path dir_;
  FakeFastPath fastpath_;
  std::unique_ptr<ConfigStore> store_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<ControlService> service_;
  std::unique_ptr<ApiHandler> handler_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard_;
  std::unique_ptr<ssl::context> server_tls_;
  std::unique_ptr<HttpsServer> server_;
  std::unique_ptr<ServiceTimers> timers_;
  std::thread thread_;
  unsigned short port_ = 0;
};

TEST_F(HttpsServerTest, EachRolesCertificateGetsItsRole) {
  start();
  auto admin_tls = client_tls("client-provider-admin");
  TestClient admin(*admin_tls, port_);
  Answer a = admin.request("GET", "/api/v1/config");
  ASSERT_EQ(a.status, 200u) << a.body;
  EXPECT_EQ(a.etag, "\"v1\"");
  auto auditor_tls = client_tls("client-auditor");
  TestClient auditor(*auditor_tls, port_);
  EXPECT_EQ(auditor.request("GET", "/api/v1/audit").status, 200u);
  a = auditor.request("PUT", "/api/v1/config", json{{"config", "x"}}.dump(), "\"v1\"");
  EXPECT_EQ(a.status, 403u) << a.body;
  auto norole_tls = client_tls("client-norole");
  TestClient nobody(*norole_tls, port_);
  a = nobody.request("GET", "/api/v1/status");
  EXPECT_EQ(a.status, 403u);
  EXPECT_NE(a.body.find("no OU naming a role"), std::string::npos);
  // The audit log names the certificate.
  std::ifstream in(dir_ / "audit.jsonl");
  std::string line, last;
  while (std::getline(in, line)) last = line;
  EXPECT_NE(last.find("no-role-user"), std::string::npos) << last;
}

TEST_F(HttpsServerTest, CertificatesTheProviderDidNotIssueOrRevokedAreRefused) {
  start();
  struct Refused {
    std::unique_ptr<ssl::context> tls;
    const char* reason;  // in the server's record of the refusal
  };
  std::vector<Refused> refused;
  refused.push_back({client_tls("client-expired"), "certificate has expired"});
  refused.push_back({client_tls("client-revoked"), "certificate revoked"});
  refused.push_back({client_tls("client-foreign"), "unable to get local issuer certificate"});
  auto bare = std::make_unique<ssl::context>(ssl::context::tls_client);
  bare->load_verify_file((pki_dir / "ca.pem").string());
  refused.push_back({std::move(bare), "peer did not return a certificate"});
  uint64_t expected = 0;
  for (auto& r : refused) {
    bool failed = false;
    try {
      TestClient client(*r.tls, port_);
      client.request("GET", "/api/v1/status");  // TLS 1.3: the refusal arrives after the client's Finished
    } catch (const std::exception&) {
      failed = true;
    }
    EXPECT_TRUE(failed) << r.reason;
    ++expected;
    // The client may hear the alert before the server's handshake handler has counted it.
    std::pair<uint64_t, std::string> counters;
    for (int wait = 0; wait < 100; ++wait) {
      counters = on_server([this] {
        return std::make_pair(server_->counters().tls_refused, server_->counters().last_tls_refusal);
      });
      if (counters.first == expected) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(counters.first, expected);
    EXPECT_NE(counters.second.find(r.reason), std::string::npos) << counters.second;
  }
}

TEST_F(HttpsServerTest, OversizedAndMalformedRequestsAreAnsweredAndCounted) {
  HttpsLimits limits;
  limits.body_bytes = 64 * 1024;
  start(limits);
  auto tls = client_tls("client-provider-admin");
  {
    TestClient c(*tls, port_);
    EXPECT_NE(c.raw("GARBAGE\r\n\r\n").find("400 Bad Request"), std::string::npos);
  }
  {
    TestClient c(*tls, port_);
    const std::string big =
        "GET /api/v1/status HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(9000, 'a') + "\r\n\r\n";
    EXPECT_NE(c.raw(big).find("431"), std::string::npos);
  }
  {
    TestClient c(*tls, port_);
    const Answer a = c.request("POST", "/api/v1/config/validate", std::string(100 * 1024, ' '));
    EXPECT_EQ(a.status, 413u);
  }
  {
    TestClient c(*tls, port_);  // the connection still serves after a refused request on another
    EXPECT_EQ(c.request("GET", "/api/v1/status").status, 200u);
  }
  EXPECT_EQ(on_server([this] { return server_->counters().malformed; }), 3u);
}

TEST_F(HttpsServerTest, SlowClientsCannotHoldTheApi) {
  HttpsLimits limits;
  limits.header = std::chrono::milliseconds(1000);
  limits.idle = std::chrono::milliseconds(1000);
  start(limits);
  auto tls = client_tls("client-provider-admin");
  // Eight connections (the per-address limit) that send half a header and then nothing.
  std::vector<std::unique_ptr<TestClient>> slow;
  for (int i = 0; i < 8; ++i) {
    slow.push_back(std::make_unique<TestClient>(*tls, port_));
    boost::asio::write(slow.back()->stream(),
                       boost::asio::buffer(std::string("GET /api/v1/status HTTP/1.1\r\nHo")));
  }
  // A ninth from the same address is turned away at once...
  bool refused = false;
  try {
    TestClient ninth(*tls, port_);
    ninth.request("GET", "/api/v1/status");
  } catch (const std::exception&) {
    refused = true;
  }
  EXPECT_TRUE(refused);
  // ... and once the slow ones ran out of time, the API serves again.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  TestClient later(*tls, port_);
  EXPECT_EQ(later.request("GET", "/api/v1/status").status, 200u);
  const auto c = on_server([this] { return server_->counters(); });
  EXPECT_GE(c.connections_refused, 1u);
  EXPECT_EQ(c.malformed, 8u);  // each slow client, when its time ran out
  EXPECT_EQ(c.active, 1u);
}

TEST_F(HttpsServerTest, AThousandRequestsFromFiftyClientsDuringACommitConfirmedThatRollsBack) {
  HttpsLimits
      limits;  // the 50 clients all come from 127.0.0.1 here; in the field they are the provider's hosts
  limits.connections = 64;
  limits.connections_per_address = 64;
  start(limits);
  auto tls = client_tls("client-provider-admin");
  const long rss_before = rss_kib();
  std::string changed(config::default_config_text());
  changed.replace(changed.find("\nroutes:\n"), 9, "\nroutes:\n  - to: 172.30.0.0/16\n    via: 10.200.0.1\n");
  {
    TestClient committer(*tls, port_);
    const Answer a = committer.request(
        "PUT", "/api/v1/config", json{{"config", changed}, {"confirm_within_ms", 1000}}.dump(), "\"v1\"");
    ASSERT_EQ(a.status, 200u) << a.body;
  }
  std::atomic<int> ok{0}, torn{0}, failed{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 50; ++i) {
    clients.emplace_back([&] {
      try {
        TestClient c(*tls, port_);
        for (int n = 0; n < 20; ++n) {
          const Answer a = c.request("GET", "/api/v1/config");
          if (a.status != 200) {
            ++failed;
            continue;
          }
          const json body = json::parse(a.body);
          // The text and its version always belong together: v2 has the route, v1 and v3 (the rollback) do
          // not.
          const bool has_route = body["config"].get<std::string>().find("172.30.0.0/16") != std::string::npos;
          const uint64_t version = body["info"]["version"];
          if (a.etag != "\"v" + std::to_string(version) + "\"" || has_route != (version == 2)) ++torn;
          ++ok;
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
      } catch (const std::exception&) {
        ++failed;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), 1000);
  EXPECT_EQ(torn.load(), 0);
  EXPECT_EQ(failed.load(), 0);
  // The unconfirmed commit rolled back by itself while the clients were reading.
  TestClient after(*tls, port_);
  const json history = json::parse(after.request("GET", "/api/v1/config/history").body);
  EXPECT_EQ(history["current"], 3);
  EXPECT_EQ(history["versions"].back()["kind"], "auto-rollback") << history.dump();
  EXPECT_LT(rss_kib() - rss_before, 64 * 1024) << "memory grew by more than 64 MiB";
  EXPECT_EQ(on_server([this] { return server_->counters().active; }), 1u);
}

// Debian's sslscan against the running API: every protocol, suite and key exchange group it can get the
// server to accept must be on TR-02102-2's list (tr02102_tls.hpp), and renegotiation must be refused.
TEST_F(HttpsServerTest, AScannerFindsOnlyWhatTr02102Allows) {
  start();
  const fs::path report = dir_ / "sslscan.txt";
  const std::string command = "sslscan --no-colour --no-heartbleed 127.0.0.1:" + std::to_string(port_) +
                              " > " + report.string() + " 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command << " (is Debian's sslscan installed?)";
  const std::set<std::string> protocols{"TLSv1.2", "TLSv1.3"};
  const std::set<std::string> suites{"TLS_AES_128_GCM_SHA256",        "TLS_AES_256_GCM_SHA384",
                                     "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
                                     "ECDHE-RSA-AES128-GCM-SHA256",   "ECDHE-RSA-AES256-GCM-SHA384"};
  const std::set<std::string> groups{"secp256r1",       "secp384r1",       "secp521r1",
                                     "brainpoolP256r1", "brainpoolP384r1", "brainpoolP512r1"};
  std::ifstream in(report);
  std::string line, section;
  std::set<std::string> enabled, accepted, offered_groups;
  bool renegotiation_refused = false;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == ' ' && line.find(':') != std::string::npos) section = line;
    std::istringstream words(line);
    std::string a, b, c, d;
    words >> a >> b >> c >> d;
    if (section.find("Protocols") != std::string::npos && b == "enabled") enabled.insert(a);
    if (a == "Preferred" || a == "Accepted") {
      std::string name;
      words >> name;  // "Accepted  TLSv1.3  256 bits  NAME"
      accepted.insert(d == "bits" ? name : d);
    }
    if (section.find("Key Exchange Group") != std::string::npos && a.rfind("TLSv", 0) == 0)
      offered_groups.insert(d);
    if (line.find("Session renegotiation not supported") != std::string::npos) renegotiation_refused = true;
  }
  std::stringstream whole;
  whole << std::ifstream(report).rdbuf();
  EXPECT_EQ(enabled, protocols) << whole.str();
  ASSERT_FALSE(accepted.empty()) << whole.str();
  for (const auto& suite : accepted)
    EXPECT_TRUE(suites.count(suite)) << suite << " is not on TR-02102-2's list";
  ASSERT_FALSE(offered_groups.empty()) << whole.str();
  for (const auto& group : offered_groups)
    EXPECT_TRUE(groups.count(group)) << group << " is not on TR-02102-2's list";
  EXPECT_TRUE(renegotiation_refused) << whole.str();
}

}  // namespace
}  // namespace torwart::controlplane::api
