#include "dataplane/lab/lab_management_checks.hpp"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "dataplane/lab/check_support.hpp"
#include "dataplane/lab/lab_topology.hpp"
#include "dataplane/lab/test_pki_script.hpp"

namespace torwart::lab {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

std::string tail_of(const std::string& text) {
  return text.size() > 300 ? text.substr(text.size() - 300) : text;
}

}  // namespace

ManagementRows::ManagementRows(const LabContext& ctx, const std::string& prefix,
                               const std::string& running_text, const std::string& fastpath_socket,
                               const std::string& torwartd_binary)
    : ctx_(ctx),
      dir_(ctx.work_dir + "/management"),
      pki_(dir_ + "/pki"),
      torwartd_(torwartd_binary),
      torwartctl_((std::filesystem::path(torwartd_binary).parent_path() / "torwartctl").string()) {
  std::filesystem::create_directories(dir_);
  const Namespace& box = *ctx.topology->appliance;
  provider_ = std::make_unique<Namespace>(prefix + "-prov");
  run_checked({"ip", "link", "add", "mgmt0", "netns", box.name(), "type", "veth", "peer", "name", "eth0",
               "netns", provider_->name()},
              milliseconds(10000));
  box.add_address("mgmt0", std::string(kBoxAddress) + "/24");
  box.set_up("mgmt0");
  provider_->add_address("eth0", std::string(kProvider) + "/24");
  provider_->add_address("eth0", std::string(kStranger) + "/24");
  provider_->set_up("eth0");
  const std::string script = dir_ + "/test_pki.sh";
  std::ofstream(script) << test_pki_script();
  run_checked({"bash", script, pki_, std::string("IP:") + kBoxAddress}, milliseconds(60000));
  const std::string config = dir_ + "/torwart-managed.yaml";
  std::ofstream(config) << running_text << "management:\n  interface: mgmt0\n  provider: [192.0.2.0/28]\n";
  daemon_ = box.start({torwartd_,
                       "--state-dir",
                       dir_ + "/state",
                       "--socket",
                       dir_ + "/torwartd.sock",
                       "-s",
                       fastpath_socket,
                       "--audit-log",
                       dir_ + "/audit.jsonl",
                       "--eve-dir",
                       dir_ + "/eve",
                       "--initial",
                       config,
                       "--sync-interval",
                       "1",
                       "--api",
                       std::string(kBoxAddress) + ":" + kApiPort,
                       "--api-ca",
                       pki_ + "/ca.pem",
                       "--api-cert",
                       pki_ + "/server.pem",
                       "--api-key",
                       pki_ + "/server.key",
                       "--api-crl",
                       pki_ + "/crl.pem",
                       "--management-filter"},
                      ctx.log_dir + "/torwartd-management.log");
}

ManagementRows::~ManagementRows() {
  daemon_.stop();
  // The filter outlives torwartd by design; the lab's later rows and the next run start without it.
  if (ctx_.topology && ctx_.topology->appliance)
    ctx_.topology->appliance->run({"nft", "delete", "table", "inet", "torwart_management"},
                                  milliseconds(5000));
}

CommandResult ManagementRows::remote(const std::string& role, const Argv& args, milliseconds timeout) const {
  Argv argv{torwartctl_,
            "--host",
            std::string(kBoxAddress) + ":" + kApiPort,
            "--cert",
            pki_ + "/client-" + role + ".pem",
            "--key",
            pki_ + "/client-" + role + ".key",
            "--ca",
            pki_ + "/ca.pem"};
  argv.insert(argv.end(), args.begin(), args.end());
  return ctx_.run(*provider_, argv, timeout);
}

bool ManagementRows::stranger_connects() const {
  const std::string script = fmt::format(
      "import socket; socket.create_connection(('{}', {}), timeout=2, source_address=('{}', 0)).close()",
      kBoxAddress, kApiPort, kStranger);
  return ctx_.run(*provider_, {ctx_.python, "-c", script}, milliseconds(5000)).ok();
}

CheckResult ManagementRows::check_filter() {
  CheckResult row{"management-filter",
                  fmt::format("provider {}: torwartctl --host {} status; stranger {}: TCP to port {}",
                              kProvider, kBoxAddress, kStranger, kApiPort),
                  "the provider is answered, the stranger's connection is dropped and counted", "", false};
  CommandResult status{};
  for (auto deadline = Clock::now() + seconds(30); Clock::now() < deadline;) {
    status = remote("provider-admin", {"status", "--json"}, milliseconds(5000));
    if (status.ok() && status.output.find("\"management_filter\"") != std::string::npos &&
        status.output.find("\"installed\": true") != std::string::npos)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  if (!status.ok()) {
    row.observed = "the provider got no answer: " + tail_of(status.output);
    return row;
  }
  const bool stranger = stranger_connects();
  json filter;
  try {
    filter = parse_json_output(remote("auditor", {"status", "--json"}).output)["management_filter"];
  } catch (const std::exception& e) {
    row.observed = std::string("status unreadable: ") + e.what();
    return row;
  }
  const auto dropped = filter.value("dropped_packets", 0);
  row.pass = !stranger && filter.value("installed", false) && dropped > 0;
  row.observed = fmt::format("provider answered; stranger {}; filter on {} for {}, {} packets dropped",
                             stranger ? "CONNECTED" : "dropped", filter.value("interface", "?"),
                             filter.value("provider", json::array()).dump(), dropped);
  return row;
}

CheckResult ManagementRows::check_remote_commit_confirmed(const ApplianceProcess& appliance) {
  CheckResult row{
      "remote-commit-confirmed",
      "provider: torwartctl --host config commit --confirm-within 8s (a rule dropping all from the LAN "
      "first), no confirm",
      "LAN loses the KDN server, torwartd rolls back by itself, LAN reaches it again", "", false};
  const CommandResult shown = remote("provider-admin", {"config", "show"});
  if (!shown.ok()) {
    row.observed = "config show: " + tail_of(shown.output);
    return row;
  }
  const std::string lockout =
      with_policy_rules(shown.output, "    - {name: lab-lockout, from: [lan], action: drop}\n");
  const std::string candidate = dir_ + "/lockout.yaml";
  std::ofstream(candidate) << lockout;
  const uint64_t before = appliance.status().value("config_version", uint64_t{0});
  const auto start = Clock::now();
  const CommandResult commit = remote("provider-admin", {"config", "commit", candidate, "--confirm-within",
                                                         "8s", "-m", "lab: lock the LAN out"});
  if (!commit.ok()) {
    row.observed = "commit refused: " + tail_of(commit.output);
    return row;
  }
  // One short try: check_ping retries for seconds, long enough to see the rollback.
  const bool locked_out =
      !ctx_.run(ctx_.topology->host("lan"), {"ping", "-c", "2", "-i", "0.2", "-W", "1", "10.20.0.10"},
                milliseconds(5000))
           .ok();
  uint64_t now_running = before + 1;
  for (auto deadline = Clock::now() + seconds(25); Clock::now() < deadline;) {
    now_running = appliance.status().value("config_version", uint64_t{0});
    if (now_running >= before + 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const double rolled_back_after = std::chrono::duration<double>(Clock::now() - start).count();
  const bool back = check_ping(ctx_, "back", "lan", "10.20.0.10").pass;
  row.pass = locked_out && now_running >= before + 2 && back;
  row.observed =
      fmt::format("v{} locked the LAN out: {}; rolled back to v{} after {:.1f} s; LAN reaches KDN again: {}",
                  before + 1, locked_out ? "yes" : "NO", now_running, rolled_back_after, back ? "yes" : "NO");
  return row;
}

}  // namespace torwart::lab
