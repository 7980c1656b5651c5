#include "dataplane/lab/lab_dhcp_checks.hpp"

#include <fmt/format.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "dataplane/lab/check_support.hpp"

namespace torwart::lab {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The inet port's addresses as `torwart status --json` lists them, and whether it takes them by DHCP.
std::vector<std::string> inet_addresses(const json& status, bool& by_dhcp) {
  std::vector<std::string> out;
  for (const auto& port : status.value("ports", json::array())) {
    if (port.value("name", "") != "inet") continue;
    by_dhcp = port.value("address_by_dhcp", false);
    for (const auto& a : port.value("addresses", json::array())) out.push_back(a.get<std::string>());
  }
  return out;
}

// The fast path's default route, when the lease brought it ("0.0.0.0/0 via X (kernel dhcp)"), else "".
std::string leased_default_route(const json& status) {
  for (const auto& r : status.value("routes", json::array())) {
    if (r.value("to", "") == "0.0.0.0/0" && r.value("origin", "") == "kernel dhcp") {
      return "0.0.0.0/0 via " + r.value("via", std::string("?")) + " (kernel dhcp)";
    }
  }
  return "";
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : " ") + item;
  return out.empty() ? "none" : out;
}

uint64_t translated(const ApplianceProcess& appliance) {
  const json stats = appliance.stats();
  return stats.contains("nat") ? stats["nat"].value("packets_translated", uint64_t{0}) : 0;
}

}  // namespace

DhcpUplinkRows::DhcpUplinkRows(const LabContext& ctx, MirrorDaemon daemon)
    : ctx_(ctx), daemon_(std::move(daemon)) {
  const Namespace& inet = *ctx_.topology->inet;
  std::filesystem::create_directories(daemon_.directory);
  inet.run_checked({"ip", "route", "del", "192.168.10.0/24"});
  dhcp_server_ = start_dhcp_server(inet, kFirstLease, daemon_.directory, ctx_.log_dir + "/dnsmasq-dhcp.log");
  // Every connection is answered with its source address as the server saw it: the masquerade's address.
  peer_echo_ =
      inet.start({"socat", fmt::format("TCP4-LISTEN:{},bind=198.51.100.10,reuseaddr,fork", kBulkPort),
                  "SYSTEM:echo $SOCAT_PEERADDR"},
                 ctx_.log_dir + "/peer-echo.log");
  wait_listening(inet, "-ltn", kBulkPort, peer_echo_);
}

std::string DhcpUplinkRows::seen_from() const {
  // The first connection after a lease may wait for the gateway's ARP answer: one more try.
  std::string seen;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const CommandResult r =
        ctx_.run(*ctx_.topology->lan,
                 {"socat", "-u", fmt::format("TCP4:198.51.100.10:{},connect-timeout=2", kBulkPort), "STDOUT"},
                 seconds(5));
    seen = r.ok() ? trim(r.output) : "no answer (" + summary(r) + ")";
    if (r.ok()) break;
  }
  return seen;
}

std::string DhcpUplinkRows::wait_for_lease(const ApplianceProcess& appliance, const std::string& address,
                                           seconds timeout, std::string& why) {
  const std::string want = address + "/24";
  for (const auto deadline = Clock::now() + timeout; Clock::now() < deadline;) {
    if (!torwartd_.running()) {
      why = "torwartd exited; see " + torwartd_.log_path();
      return "";
    }
    const json status = appliance.status();
    bool by_dhcp = false;
    std::vector<std::string> v4;
    for (const auto& a : inet_addresses(status, by_dhcp)) {
      if (a.find(':') == std::string::npos) v4.push_back(a);
    }
    const std::string route = leased_default_route(status);
    if (by_dhcp && v4 == std::vector<std::string>{want} && !route.empty()) {
      return fmt::format("status: inet {} (address_by_dhcp), {}", want, route);
    }
    why = fmt::format("status: inet addresses {}{}, default route {}", joined(v4),
                      by_dhcp ? " (address_by_dhcp)" : " (NOT address_by_dhcp)",
                      route.empty() ? "none from the lease" : route);
    std::this_thread::sleep_for(milliseconds(200));
  }
  return "";
}

CheckResult DhcpUplinkRows::check_lease(const ApplianceProcess& appliance, const CheckResult& ready) {
  CheckResult row{
      "dhcp-uplink-lease",
      fmt::format("restart: inet by DHCP + masquerade, torwartd; dnsmasq leases {}; lan: TCP to "
                  "198.51.100.10:{}",
                  kFirstLease, kBulkPort),
      fmt::format("status: {}/24 on inet (address_by_dhcp), default route from the lease; the server sees {}",
                  kFirstLease, kFirstLease),
      "", false};
  if (!ready.pass) {
    row.observed = "the restarted appliance is not ready: " + ready.observed;
    return row;
  }
  const auto start = Clock::now();
  torwartd_ = ctx_.topology->appliance->start(daemon_.argv(), ctx_.log_dir + "/torwartd.log");
  std::string why;
  const std::string leased = wait_for_lease(appliance, kFirstLease, seconds(25), why);
  if (leased.empty()) {
    row.observed = fmt::format("no lease after {:.1f} s: {}", seconds_since(start), why);
    return row;
  }
  const double lease_seconds = seconds_since(start);
  const uint64_t translated_before = translated(appliance);
  const std::string seen = seen_from();
  const uint64_t nat = translated(appliance) - translated_before;
  row.observed =
      fmt::format("{}; lease after {:.1f} s (torwartd started); the server saw {}; nat translated +{}",
                  leased, lease_seconds, seen, nat);
  row.pass = seen == kFirstLease && nat > 0;
  leased_ = row.pass;
  return row;
}

CheckResult DhcpUplinkRows::check_lease_change(const ApplianceProcess& appliance) {
  CheckResult row{
      "dhcp-lease-change",
      fmt::format("dnsmasq now leases only {}, dhclient killed (torwartd restarts it); lan: TCP as above",
                  kSecondLease),
      fmt::format("status: {}/24 on inet, {} gone; the server sees {}", kSecondLease, kFirstLease,
                  kSecondLease),
      "", false};
  if (!leased_) {
    row.observed = "not run: dhcp-uplink-lease did not pass";
    return row;
  }
  const auto start = Clock::now();
  dhcp_server_.stop();
  dhcp_server_ = start_dhcp_server(*ctx_.topology->inet, kSecondLease, daemon_.directory,
                                   ctx_.log_dir + "/dnsmasq-dhcp.log");
  pid_t client = 0;
  std::ifstream(daemon_.dhclient_pid_file("inet")) >> client;
  if (client <= 0 || ::kill(client, SIGKILL) != 0) {
    row.observed = "no dhclient to kill (pid file " + daemon_.dhclient_pid_file("inet") + ")";
    return row;
  }
  std::string why;
  const std::string leased = wait_for_lease(appliance, kSecondLease, seconds(25), why);
  if (leased.empty()) {
    row.observed = fmt::format("no new lease after {:.1f} s: {}", seconds_since(start), why);
    return row;
  }
  const double lease_seconds = seconds_since(start);
  // Traffic recovers on the new address: a new connection is translated to it.
  const std::string seen = seen_from();
  row.observed =
      fmt::format("{}; new lease {:.1f} s after the change; the server saw {}", leased, lease_seconds, seen);
  row.pass = seen == kSecondLease;
  return row;
}

}  // namespace torwart::lab
