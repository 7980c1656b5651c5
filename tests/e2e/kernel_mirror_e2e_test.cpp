// End-to-end tests of the kernel mirror (torwartd --kernel-mirror in the appliance's namespace) with a real
// `torwart run`: routes set with `ip` on a twin steer transit traffic and leave again, a route the
// configuration owns is not taken, and a port with `addresses: dhcp` gets its address and default route
// from dnsmasq through Debian's dhclient on its twin, with source NAT following the lease when it changes
// and after the fast path restarted. Needs root.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "dataplane/lab/appliance.hpp"
#include "dataplane/lab/cleanup.hpp"
#include "dataplane/lab/lab_checks.hpp"
#include "dataplane/lab/lab_topology.hpp"
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

class KernelMirrorE2eTest : public ::testing::Test {
 protected:
  void start(bool dhcp) {
    ASSERT_EQ(geteuid(), 0u) << "end-to-end tests need root (network namespaces); run them as root";
    for (const auto& b : {torwart_, torwartd_binary_, torwartctl_})
      ASSERT_EQ(access(b.c_str(), X_OK), 0) << b;
    for (const char* program : {"ip", "ping", "dnsmasq", "dhclient"})
      ASSERT_FALSE(find_program(program).empty()) << program;
    install_cleanup_handlers();
    remove_stale_lab_namespaces();
    std::string pattern = (fs::temp_directory_path() / "torwart-mirror-e2e-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    work_dir_ = pattern;
    const std::string lab_text = lab_config_text(work_dir_ + "/control.sock");
    // The Internet port takes its address by DHCP (the lab's dhcp rows run the same configuration).
    const std::string text = dhcp ? lab_dhcp_config_text(lab_text) : lab_text;
    config_path_ = work_dir_ + "/torwart.yaml";
    std::ofstream(config_path_) << text;
    static int sequence = 0;
    const std::string prefix =
        std::string(kNamespacePrefix) + std::to_string(getpid()) + "-m" + std::to_string(++sequence);
    // The namespaces are the lab's (the Internet router keeps its addresses); only the box is configured
    // otherwise.
    topology_ = build_topology(prefix, load_lab_config(lab_text), false);
    ctx_ = LabContext{&topology_, work_dir_, work_dir_, "python3", 0, false};
    if (dhcp) {
      // The Internet knows only the leased address: without translation nothing could come back.
      ASSERT_TRUE(in("inet", {"ip", "route", "del", "192.168.10.0/24"}).ok());
      start_dhcp_server("203.0.113.50");
    }
    appliance_ = std::make_unique<ApplianceProcess>(*topology_.appliance, torwart_, config_path_,
                                                    work_dir_ + "/eve", work_dir_ + "/appliance.out");
    start_appliance();
    start_torwartd();
  }

  void TearDown() override {
    torwartd_.stop();
    dnsmasq_.stop();
    if (appliance_) appliance_->stop();
    appliance_.reset();
    topology_ = Topology{};  // also ends the dhclients torwartd left running in the namespace
    if (!work_dir_.empty()) {
      if (HasFailure()) {
        std::cout << "kernel mirror e2e: kept " << work_dir_ << " for inspection\n";
      } else {
        std::error_code ec;
        fs::remove_all(work_dir_, ec);
      }
    }
  }

  void start_appliance() {
    appliance_->start();
    CheckResult ready = wait_ready(ctx_, seconds(30), [this] { return appliance_->alive(); });
    ASSERT_TRUE(ready.pass) << ready.observed << "\n" << read_file(appliance_->output_log());
  }

  // In the appliance's namespace: the mirror follows the twins there. Syncs every second.
  void start_torwartd() {
    torwartd_ = topology_.appliance->start(daemon().argv(), work_dir_ + "/torwartd.log");
    for (auto deadline = Clock::now() + seconds(15); Clock::now() < deadline;) {
      ASSERT_TRUE(torwartd_.running()) << read_file(work_dir_ + "/torwartd.log");
      if (run_command({torwartctl_, "-S", socket(), "status"}, milliseconds(5000)).ok()) return;
      std::this_thread::sleep_for(milliseconds(100));
    }
    FAIL() << "torwartd did not answer: " << read_file(work_dir_ + "/torwartd.log");
  }

  // dnsmasq as the provider's DHCP server on the Internet router, leasing only `address`.
  void start_dhcp_server(const std::string& address) {
    dnsmasq_.stop();
    dnsmasq_ = lab::start_dhcp_server(*topology_.inet, address, work_dir_, work_dir_ + "/dnsmasq.log");
  }

  MirrorDaemon daemon() const {
    return {torwartd_binary_, work_dir_, config_path_, work_dir_ + "/control.sock", work_dir_ + "/eve", ""};
  }
  std::string socket() const { return daemon().socket(); }

  CommandResult in(const std::string& role, const Argv& argv, seconds timeout = seconds(20)) {
    return ctx_.run(role == "app" ? *topology_.appliance : topology_.host(role), argv, timeout);
  }

  json status() {
    const CommandResult r =
        run_command({torwartctl_, "-S", socket(), "--json", "status"}, milliseconds(10000));
    EXPECT_TRUE(r.ok()) << r.output;
    return r.ok() ? parse_json_output(r.output) : json();
  }

  // The route to `prefix` the fast path holds, or null.
  static json route_to(const json& s, const std::string& prefix) {
    if (!s.contains("fastpath") || !s["fastpath"].contains("routes")) return nullptr;
    for (const auto& r : s["fastpath"]["routes"]) {
      if (r["to"] == prefix) return r;
    }
    return nullptr;
  }

  // Waits until `predicate(status)` holds; returns the last status.
  template <typename Predicate>
  json wait_for(const char* what, seconds timeout, Predicate predicate) {
    json s;
    for (auto deadline = Clock::now() + timeout; Clock::now() < deadline;) {
      s = status();
      if (predicate(s)) return s;
      std::this_thread::sleep_for(milliseconds(200));
    }
    ADD_FAILURE() << "waited " << timeout.count() << " s for " << what << ": " << s.dump() << "\n"
                  << read_file(work_dir_ + "/torwartd.log");
    return s;
  }

  bool pings(const std::string& from, const std::string& address) {
    return check_ping(ctx_, "ping", from, address).pass;
  }

  std::string torwart_ = binary("TORWART_BINARY", TORWART_BINARY_DEFAULT);
  std::string torwartd_binary_ = binary("TORWARTD_BINARY", TORWARTD_BINARY_DEFAULT);
  std::string torwartctl_ = binary("TORWARTCTL_BINARY", TORWARTCTL_BINARY_DEFAULT);
  std::string work_dir_;
  std::string config_path_;
  Topology topology_;
  LabContext ctx_;
  std::unique_ptr<ApplianceProcess> appliance_;  // declared after topology_: stopped before it goes
  BackgroundProcess torwartd_;
  BackgroundProcess dnsmasq_;
};

TEST_F(KernelMirrorE2eTest, RoutesSetWithIpOnATwinSteerTransitTrafficAndLeaveAgain) {
  start(false);
  ASSERT_FALSE(HasFatalFailure());
  // A network behind the KDN router that the configuration does not route: LAN pings to it follow the
  // default route to the Internet, which has no way back.
  // Neighbours the fast path resolves, the box's kernel knows too: a LAN client that never asks for the
  // box's address (a static entry for its gateway) is resolved by the fast path's own ARP, whose answer the
  // twin's kernel takes (arp_accept).
  ASSERT_TRUE(in("lan", {"ip", "neigh", "replace", "192.168.10.1", "lladdr", "02:00:00:00:01:fe", "dev",
                         "eth0", "nud", "permanent"})
                  .ok());
  EXPECT_TRUE(pings("lan", "10.20.0.10")) << "LAN to the KDN server";
  const std::string kernel_neighbours = in("app", {"ip", "neigh", "show", "dev", "lan"}).output;
  EXPECT_NE(kernel_neighbours.find("192.168.10.10 lladdr 02:00:00:00:01:10"), std::string::npos)
      << kernel_neighbours;

  // The box's kernel has the configuration's routes on the twins (proto 245), so its own connections reach
  // what lies behind a gateway: the KDN server.
  const std::string given = in("app", {"ip", "route", "show", "proto", "245"}).output;
  EXPECT_NE(given.find("10.0.0.0/8 via 10.200.0.1 dev kdn"), std::string::npos) << given;
  EXPECT_NE(given.find("default via 203.0.113.1 dev inet"), std::string::npos) << given;
  EXPECT_TRUE(in("app", {"ping", "-c", "3", "-i", "0.2", "-w", "10", "10.20.0.10"}).ok())
      << "the box's own ping to the KDN server";
  EXPECT_TRUE(status()["fastpath"]["learned"]["not_taken"].empty()) << "the given routes were learned back";

  ASSERT_TRUE(in("kdn", {"ip", "addr", "add", "172.20.0.10/32", "dev", "lo"}).ok());
  EXPECT_FALSE(pings("lan", "172.20.0.10")) << "reached before any route named it";

  ASSERT_TRUE(in("app", {"ip", "route", "add", "172.20.0.0/16", "via", "10.200.0.1", "dev", "kdn"}).ok());
  // A prefix the file routes (the kernel holds the file's own route to it, metric 0): the file wins, and
  // status says so.
  ASSERT_TRUE(
      in("app", {"ip", "route", "add", "10.0.0.0/8", "via", "10.200.0.77", "dev", "kdn", "metric", "50"})
          .ok());
  json s = wait_for("the learned route", seconds(10),
                    [](const json& j) { return !route_to(j, "172.20.0.0/16").is_null(); });
  const json route = route_to(s, "172.20.0.0/16");
  EXPECT_EQ(route["via"], "10.200.0.1") << route.dump();
  EXPECT_EQ(route["interface"], "kdn") << route.dump();
  EXPECT_EQ(route["origin"], "kernel boot") << route.dump();
  EXPECT_EQ(route_to(s, "10.0.0.0/8")["origin"], "config") << s.dump();
  EXPECT_EQ(route_to(s, "10.200.0.0/24")["origin"], "connected") << s.dump();
  bool listed = false;
  for (const auto& n : s["fastpath"]["learned"]["not_taken"])
    listed |= n["reason"] == "the configuration routes 10.0.0.0/8";
  EXPECT_TRUE(listed) << s["fastpath"]["learned"].dump();
  EXPECT_TRUE(pings("lan", "172.20.0.10")) << "the learned route did not carry the traffic";
  const CommandResult human = run_command({torwartctl_, "-S", socket(), "status"}, milliseconds(10000));
  EXPECT_NE(human.output.find("kernel boot"), std::string::npos) << human.output;
  EXPECT_NE(human.output.find("not taken: route 10.0.0.0/8 via 10.200.0.77 dev kdn metric 50 (boot)"),
            std::string::npos)
      << human.output;

  // torwartd dies: the fast path keeps what it learned (fail-static); a new torwartd dumps again and
  // hands over a higher generation with the same routes.
  const uint64_t generation = s["fastpath"]["learned"]["generation"];
  ::kill(torwartd_.pid(), SIGKILL);
  torwartd_.stop();
  EXPECT_TRUE(pings("lan", "172.20.0.10")) << "lost the learned route with torwartd";
  start_torwartd();
  s = wait_for("a new generation from the new torwartd", seconds(10), [&](const json& j) {
    return j["fastpath"].contains("learned") && j["fastpath"]["learned"]["generation"] > generation;
  });
  EXPECT_FALSE(route_to(s, "172.20.0.0/16").is_null()) << s.dump();

  ASSERT_TRUE(in("app", {"ip", "route", "del", "172.20.0.0/16"}).ok());
  s = wait_for("the route gone", seconds(10),
               [](const json& j) { return route_to(j, "172.20.0.0/16").is_null(); });
  EXPECT_FALSE(pings("lan", "172.20.0.10")) << "still reached after the route was deleted";
}

TEST_F(KernelMirrorE2eTest, DhcpGivesTheUplinkItsAddressAndMasqueradeFollowsTheLease) {
  start(true);
  ASSERT_FALSE(HasFatalFailure());
  auto has_address = [](const std::string& cidr) {
    return [cidr](const json& j) {
      const json r = route_to(j, cidr);
      return !r.is_null() && r["origin"] == "connected (dhcp)" && !route_to(j, "0.0.0.0/0").is_null();
    };
  };
  json s = wait_for("the first lease", seconds(30), has_address("203.0.113.0/24"));
  const json gateway = route_to(s, "0.0.0.0/0");
  EXPECT_EQ(gateway["via"], "203.0.113.1") << gateway.dump();
  EXPECT_EQ(gateway["origin"], "kernel dhcp") << gateway.dump();
  const json client = s["kernel_mirror"]["dhcp"]["inet"];
  EXPECT_EQ(client["lease"]["address"], "203.0.113.50/24") << client.dump();
  EXPECT_TRUE(pings("lan", "198.51.100.10")) << "no way out through the leased address";
  const CommandResult human = run_command({torwartctl_, "-S", socket(), "status"}, milliseconds(10000));
  EXPECT_NE(human.output.find("lease 203.0.113.50/24 via 203.0.113.1"), std::string::npos) << human.output;
  EXPECT_NE(human.output.find("kernel dhcp"), std::string::npos) << human.output;
  const json stats = appliance_->stats();
  EXPECT_GT(stats["nat"]["packets_translated"].get<uint64_t>(), 0u) << stats.dump();
  EXPECT_NE(in("app", {"ip", "-4", "addr", "show", "dev", "inet"}).output.find("203.0.113.50/24"),
            std::string::npos);

  // The provider renumbers: the server now leases another address and refuses the old one. The client is
  // restarted (as after a reboot of the box: it asks for its old address first, is told no, and gets the
  // new one); torwartd starts it again by itself.
  start_dhcp_server("203.0.113.60");
  const pid_t old_client = client["pid"].get<pid_t>();
  ASSERT_GT(old_client, 0);
  ::kill(old_client, SIGKILL);
  s = wait_for("the new lease", seconds(40), [](const json& j) {
    const json c = j["kernel_mirror"]["dhcp"]["inet"];
    return c["lease"].value("address", "") == "203.0.113.60/24" && !route_to(j, "0.0.0.0/0").is_null() &&
           route_to(j, "203.0.113.0/24")["origin"] == "connected (dhcp)";
  });
  EXPECT_GE(s["kernel_mirror"]["dhcp"]["inet"]["starts"].get<uint64_t>(), 2u) << s.dump();
  EXPECT_EQ(in("app", {"ip", "-4", "addr", "show", "dev", "inet"}).output.find("203.0.113.50"),
            std::string::npos)
      << "the old address stayed on the twin";
  EXPECT_TRUE(pings("lan", "198.51.100.10")) << "no way out through the new address";

  // The fast path restarts: its twins are made anew without an address; torwartd restarts the client,
  // which gets its lease again, and the mirror hands it to the new fast path.
  appliance_->stop();
  start_appliance();
  ASSERT_FALSE(HasFatalFailure());
  s = wait_for("the lease on the restarted fast path", seconds(40), has_address("203.0.113.0/24"));
  EXPECT_TRUE(pings("lan", "198.51.100.10")) << "no way out after the fast path restarted";
}

// torwart-dhclient-script on its own, called as dhclient calls it (the reason and the lease in the
// environment), on one end of a veth pair in a namespace of its own: a lease is applied, a renewal with the
// same router changes nothing, a new router replaces the default route, and an expired lease takes everything
// away again; nothing outside the interface (and the summary file) is touched.
TEST(DhclientScript, AppliesRenewsAndRemovesALease) {
  ASSERT_EQ(geteuid(), 0u) << "needs root (a network namespace)";
  install_cleanup_handlers();
  remove_stale_lab_namespaces();
  const Namespace ns(std::string(kNamespacePrefix) + std::to_string(getpid()) + "-dhcp");
  ASSERT_TRUE(ns.run({"ip", "link", "add", "inet", "type", "veth", "peer", "name", "inet-peer"}).ok());
  ASSERT_TRUE(ns.run({"ip", "link", "set", "inet-peer", "up"}).ok());
  std::string pattern = (fs::temp_directory_path() / "torwart-dhclient-script-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  const std::string directory = pattern;
  auto call = [&](std::vector<std::string> environment) {
    Argv argv = {"env", "interface=inet", "TORWART_DHCP_DIR=" + directory};
    argv.insert(argv.end(), environment.begin(), environment.end());
    argv.push_back(TORWART_DHCLIENT_SCRIPT);
    return ns.run(argv);
  };
  auto addresses = [&] { return ns.run({"ip", "-4", "-o", "addr", "show", "dev", "inet"}).output; };
  auto routes = [&] { return ns.run({"ip", "-4", "route", "show", "dev", "inet"}).output; };

  ASSERT_TRUE(call({"reason=PREINIT"}).ok());
  const std::vector<std::string> lease = {"new_ip_address=203.0.113.50", "new_subnet_mask=255.255.255.0",
                                          "new_routers=203.0.113.1 203.0.113.2", "new_dhcp_lease_time=120",
                                          "new_domain_name_servers=192.0.2.53"};
  std::vector<std::string> bound = lease;
  bound.insert(bound.begin(), "reason=BOUND");
  CommandResult r = call(bound);
  ASSERT_TRUE(r.ok()) << r.output;
  EXPECT_NE(addresses().find("203.0.113.50/24"), std::string::npos) << addresses();
  EXPECT_NE(addresses().find("valid_lft 1"), std::string::npos) << "the lease's lifetime: " << addresses();
  EXPECT_NE(routes().find("default via 203.0.113.1 proto dhcp"), std::string::npos) << routes();
  EXPECT_EQ(routes().find("203.0.113.2"), std::string::npos) << "only the first router: " << routes();
  const std::string summary = read_file(directory + "/inet.lease");
  EXPECT_NE(summary.find("address=203.0.113.50/24"), std::string::npos) << summary;
  EXPECT_NE(summary.find("dns=192.0.2.53"), std::string::npos) << summary;

  std::vector<std::string> renewed = lease;
  renewed.insert(renewed.begin(), {"reason=RENEW", "old_ip_address=203.0.113.50",
                                   "old_subnet_mask=255.255.255.0", "old_routers=203.0.113.1 203.0.113.2"});
  ASSERT_TRUE(call(renewed).ok());
  EXPECT_NE(routes().find("default via 203.0.113.1 proto dhcp"), std::string::npos) << routes();

  // The provider's router changes at a renewal: the default route follows.
  for (auto& e : renewed) {
    if (e.rfind("new_routers=", 0) == 0) e = "new_routers=203.0.113.9";
  }
  ASSERT_TRUE(call(renewed).ok());
  EXPECT_NE(routes().find("default via 203.0.113.9 proto dhcp"), std::string::npos) << routes();
  EXPECT_EQ(routes().find("203.0.113.1 "), std::string::npos)
      << "the old router's route stayed: " << routes();

  r = call({"reason=EXPIRE", "old_ip_address=203.0.113.50", "old_subnet_mask=255.255.255.0",
            "old_routers=203.0.113.9"});
  ASSERT_TRUE(r.ok()) << r.output;
  EXPECT_EQ(addresses().find("203.0.113.50"), std::string::npos) << addresses();
  EXPECT_EQ(routes().find("default"), std::string::npos) << routes();
  EXPECT_FALSE(fs::exists(directory + "/inet.lease"));
  EXPECT_EQ(
      call({"reason=TIMEOUT", "new_ip_address=203.0.113.50", "new_subnet_mask=255.255.255.0"}).exit_code, 1)
      << "a remembered lease no server confirmed is not used";
  EXPECT_FALSE(call({"reason=BOUND", "new_ip_address=203.0.113.50", "new_subnet_mask=255.0.255.0"}).ok())
      << "a mask that is no mask";
  std::error_code ec;
  fs::remove_all(directory, ec);
}

}  // namespace
}  // namespace torwart::lab
