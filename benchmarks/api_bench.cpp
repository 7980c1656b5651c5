// The management API's cost (benchmarks/README.md, "Management API"): requests per second and latency over
// real mutual TLS on loopback, each operation next to a baseline measured in the same run (GET of the
// OpenAPI document: TLS, HTTP and routing without an operation). torwartd's service runs on a fake fast path
// that answers at once, so that the figures are the control plane's own: status; a commit of a 200-rule
// policy (validation, storage, audit log); a Prometheus scrape with a stats answer of realistic size.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "controlplane/management_api/api_handler.hpp"
#include "controlplane/management_api/https_client_for_tests.hpp"
#include "controlplane/management_api/https_server.hpp"
#include "controlplane/tls/tr02102_tls.hpp"
#include "controlplane/torwartd/fake_fastpath.hpp"
#include "rules/config/load.hpp"

namespace {
namespace fs = std::filesystem;
namespace api = torwart::controlplane::api;
using namespace torwart::controlplane;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

// The fast path's stats answer of a box with three ports, all drop reasons it met and two workers.
class BusyFastPath : public FakeFastPath {
 public:
  json stats() override {
    json ports = json::object();
    for (const char* port : {"lan", "kdn", "inet"}) {
      json drops = json::object();
      for (const char* reason : {"policy_drop", "spoofed_source", "ttl_exceeded", "local_rate_exceeded",
                                 "no_route", "malformed_ipv4", "syn_flood", "nat_no_address"})
        drops[reason] = 1234;
      ports[port] = {{"rx_packets", 1000000},
                     {"rx_bytes", 900000000},
                     {"tx_packets", 990000},
                     {"tx_bytes", 880000000},
                     {"drops", drops}};
    }
    json identified = json::object();
    for (const char* app : {"http", "tls", "dns", "quic", "smb", "ssh"}) identified[app] = 4242;
    return {
        {"config_version", running.version},
        {"ports", ports},
        {"flows", {{"active", 12000}, {"created", 900000}, {"ended", 880000}, {"expired", 870000}}},
        {"nat", {{"mappings_active", 800}, {"ports_exhausted", {{"tcp", 0}, {"udp", 0}, {"icmp", 0}}}}},
        {"app_layer", {{"identified", identified}, {"inspected_packets", 5000000}}},
        {"workers", {{{"worker", 0}, {"snapshot_version", 3}}, {{"worker", 1}, {"snapshot_version", 3}}}}};
  }
};

std::string with_rules(unsigned count, const std::string& action) {
  std::string text(torwart::config::default_config_text());
  std::string rules;
  for (unsigned i = 0; i < count; ++i)
    rules += fmt::format("    - {{name: bench-{}, from: [lan], to: [kdn], service: [tcp/{}], action: {}}}\n",
                         i, 10000 + i, action);
  text.insert(text.find("\n  rules:\n") + 10, rules);
  return text;
}

struct Figures {
  double per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
};

template <typename Request>
Figures measure(unsigned count, Request request) {
  std::vector<double> ms;
  const auto start = Clock::now();
  for (unsigned i = 0; i < count; ++i) {
    const auto t = Clock::now();
    request(i);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(ms.begin(), ms.end());
  return {count / seconds, ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 99 / 100)]};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"api_bench - the management API's requests per second over mutual TLS (benchmarks/README.md)"};
  unsigned requests = 900, commits = 100;  // the server ends a connection after 1 000 requests
  std::string pki_script = PKI_SCRIPT;
  app.add_option("--requests", requests, "Requests per read-only row (one connection: at most 999)")
      ->check(CLI::Range(10u, 999u))
      ->capture_default_str();
  app.add_option("--commits", commits, "Commits of the 200-rule policy")->capture_default_str();
  app.add_option("--pki-script", pki_script, "test_pki.sh")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const fs::path dir = fs::temp_directory_path() / ("torwart-api-bench-" + std::to_string(getpid()));
  fs::create_directories(dir);
  if (std::system((pki_script + " " + (dir / "pki").string() + " >/dev/null 2>&1").c_str()) != 0) {
    std::cerr << "api_bench: " << pki_script << " failed\n";
    return 1;
  }
  const std::string pki = (dir / "pki").string();
  BusyFastPath fastpath;
  ConfigStore store(dir / "config");
  AuditLog audit(dir / "audit.jsonl");
  ControlService service(store, fastpath, audit);
  CommitRequest first;
  first.text = with_rules(200, "accept");
  first.origin = "bench";
  service.commit(first, ControlService::self());
  api::ApiHandler handler(service, "{\"openapi\": \"3.0.3\"}");
  boost::asio::io_context io;
  auto server_tls =
      tls::make_server_context({pki + "/ca.pem", pki + "/server.pem", pki + "/server.key", pki + "/crl.pem"});
  api::HttpsServer server(
      io, server_tls, {boost::asio::ip::make_address("127.0.0.1"), 0},
      [&](const api::ApiRequest& r, const api::ClientIdentity& id) { return handler.handle(r, id); });
  std::thread io_thread([&] { io.run(); });

  auto client_tls = tls::make_client_context(
      {pki + "/ca.pem", pki + "/client-provider-admin.pem", pki + "/client-provider-admin.key", ""});
  // One kept-alive connection per row.
  auto get_row = [&](const char* target) {
    api::testing::TestClient client(client_tls, server.port());
    return measure(requests, [&client, target](unsigned) {
      if (client.request("GET", target).status != 200)
        throw std::runtime_error(std::string(target) + " failed");
    });
  };
  const Figures baseline = get_row("/api/v1/openapi.json");
  const Figures status = get_row("/api/v1/status");
  const Figures scrape = get_row("/metrics");
  api::testing::TestClient client(client_tls, server.port());
  const std::string texts[2] = {json{{"config", with_rules(200, "drop")}}.dump(),
                                json{{"config", with_rules(200, "accept")}}.dump()};
  const Figures commit = measure(commits, [&](unsigned i) {
    const auto a = client.request("PUT", "/api/v1/config", texts[i % 2], "*");
    if (a.status != 200) throw std::runtime_error("commit failed: " + a.body);
  });
  const size_t scrape_bytes = client.request("GET", "/metrics").body.size();
  // Handshakes: a new connection per request (what a script without keep-alive pays).
  const Figures handshake = measure(std::max(50u, requests / 20), [&](unsigned) {
    api::testing::TestClient fresh(client_tls, server.port());
    if (fresh.request("GET", "/api/v1/openapi.json").status != 200) throw std::runtime_error("handshake row");
  });

  std::cout << fmt::format("{:<44} {:>10} {:>9} {:>9} {:>9}\n", "row (mutual TLS 1.3, loopback, one thread)",
                           "req/s", "p50 ms", "p99 ms", "ratio");
  auto row = [&](const std::string& name, const Figures& f) {
    std::cout << fmt::format("{:<44} {:>10.0f} {:>9.3f} {:>9.3f} {:>9.2f}\n", name, f.per_second, f.p50_ms,
                             f.p99_ms, f.per_second / baseline.per_second);
  };
  row("baseline: GET /api/v1/openapi.json", baseline);
  row("GET /api/v1/status", status);
  row(fmt::format("GET /metrics ({} bytes)", scrape_bytes), scrape);
  row("PUT /api/v1/config (200 policy rules)", commit);
  row("new connection + GET openapi (handshake)", handshake);
  io.stop();
  io_thread.join();
  fs::remove_all(dir);
  return 0;
}
