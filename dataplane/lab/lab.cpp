#include "dataplane/lab/lab.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>

#include "dataplane/lab/appliance.hpp"
#include "dataplane/lab/box_checks.hpp"
#include "dataplane/lab/cleanup.hpp"
#include "dataplane/lab/lab_checks.hpp"
#include "dataplane/lab/lab_dhcp_checks.hpp"
#include "dataplane/lab/lab_management_checks.hpp"
#include "dataplane/lab/lab_topology.hpp"
#include "dataplane/lab/lab_vpn_checks.hpp"
#include "dataplane/lab/uplink_dhcp.hpp"

namespace torwart::lab {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

// Programs the lab runs; scripts/lab-packages.txt lists the Debian packages that provide them.
constexpr const char* kRequiredPrograms[] = {"ip",      "ss",  "ethtool", "sysctl", "ping",
                                             "dnsmasq", "dig", "curl",    "socat",  "python3"};
// ... and for the product's rows only (the DHCP uplink: torwartd runs it on the inet twin).
constexpr const char* kProductPrograms[] = {"dhclient", "nft", "openssl"};

// torwartd beside the torwart binary (the build directory, or where both are installed).
std::string torwartd_beside(const std::string& torwart_binary) {
  return (fs::path(torwart_binary).parent_path() / "torwartd").string();
}

void require_environment(const LabOptions& options) {
  if (geteuid() != 0) throw std::runtime_error("the lab needs root (network namespaces)");
  std::vector<std::string> missing;
  for (const char* program : kRequiredPrograms) {
    if (find_program(program).empty()) missing.push_back(program);
  }
  if (options.appliance == ApplianceKind::kTorwart) {
    for (const char* program : kProductPrograms) {
      if (find_program(program).empty()) missing.push_back(program);
    }
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += " " + m;
    throw std::runtime_error("missing programs:" + list +
                             " (install the packages in scripts/lab-packages.txt)");
  }
  if (options.appliance == ApplianceKind::kTorwart &&
      (options.torwart_binary.empty() || access(options.torwart_binary.c_str(), X_OK) != 0)) {
    throw std::runtime_error("torwart binary not executable: '" + options.torwart_binary + "'");
  }
  if (options.appliance == ApplianceKind::kTorwart && access(options.torwartd_binary.c_str(), X_OK) != 0) {
    throw std::runtime_error("torwartd binary not executable: '" + options.torwartd_binary +
                             "' (build it beside torwart, or name it with --torwartd)");
  }
  const std::string torwartctl = (fs::path(options.torwartd_binary).parent_path() / "torwartctl").string();
  if (options.appliance == ApplianceKind::kTorwart && access(torwartctl.c_str(), X_OK) != 0) {
    throw std::runtime_error("torwartctl binary not executable: '" + torwartctl +
                             "' (the management rows run it; build it beside torwartd)");
  }
}

std::string make_temp_dir() {
  std::string pattern = (fs::temp_directory_path() / "torwart-lab-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

// A cell on one line: a program's stderr (curl's "(28) Operation timed out…") may carry line breaks that
// would break the table's rows.
std::string one_line(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return text;
}

// The result comes before what was observed: the observed figures of some rows (flood-at-box) are long, and
// as the last column they widen no other row.
void print_table(const std::vector<CheckResult>& rows, bool kernel_router) {
  const std::vector<std::string> header{"CHECK", "SENT", "EXPECTED", "RESULT", "OBSERVED"};
  std::vector<size_t> width;
  width.reserve(header.size());
  for (const auto& h : header) width.push_back(h.size());
  auto cells = [&](const CheckResult& r) {
    std::string result = r.pass ? "PASS" : "FAIL";
    if (kernel_router && r.kernel_differs) result += " *";
    return std::vector<std::string>{r.name, r.sent, r.expected, result, one_line(r.observed)};
  };
  for (const auto& r : rows) {
    auto c = cells(r);
    for (size_t i = 0; i < c.size(); ++i) width[i] = std::max(width[i], c[i].size());
  }
  auto print_row = [&](const std::vector<std::string>& c) {
    std::string line;
    for (size_t i = 0; i < c.size(); ++i) line += fmt::format("{:<{}}  ", c[i], width[i]);
    std::cout << line.substr(0, line.find_last_not_of(' ') + 1) << '\n';
  };
  print_row(header);
  std::string rule;
  for (size_t w : width) rule += std::string(w, '-') + "  ";
  rule.resize(rule.size() - 2 - width.back() + header.back().size());  // the last column runs on anyway
  std::cout << rule << '\n';
  for (const auto& r : rows) print_row(cells(r));
  if (kernel_router) {
    std::cout << "* kernel-router self-test: Linux produces this behaviour (ICMP errors, rp_filter), so the "
                 "row tests the harness, not torwart.\n";
  }
}

class Lab {
 public:
  explicit Lab(const LabOptions& options) : options_(options) {
    if (options_.torwartd_binary.empty()) options_.torwartd_binary = torwartd_beside(options_.torwart_binary);
  }

  int run() {
    require_environment(options_);
    install_cleanup_handlers();
    remove_stale_lab_namespaces();
    work_dir_ = make_temp_dir();
    log_dir_ = options_.log_dir.empty() ? work_dir_ + "/logs" : options_.log_dir;
    fs::create_directories(log_dir_);
    bool passed = false;
    try {
      passed = run_in(work_dir_);
    } catch (...) {
      keep_work_dir_ = true;
      finish();
      throw;
    }
    keep_work_dir_ = !passed && options_.log_dir.empty();
    finish();
    return passed ? 0 : 1;
  }

 private:
  bool kernel_router() const { return options_.appliance == ApplianceKind::kKernelRouterSelfTest; }

  bool run_in(const std::string& dir) {
    config_path_ = dir + "/torwart.yaml";
    const std::string signatures = dir + "/lab.rules";
    std::ofstream(signatures) << lab_signatures_text();
    config_text_ = lab_config_text(dir + "/control.sock", kernel_router() ? "" : signatures);
    const std::string& text = config_text_;
    config_ = load_lab_config(text);
    const config::Config& cfg = config_;
    std::ofstream(config_path_) << text;
    std::ofstream(log_dir_ + "/torwart.yaml") << text;  // kept with the logs

    const std::string prefix = fmt::format("{}{}", kNamespacePrefix, getpid());
    prefix_ = prefix;
    std::cout << "lab: building namespaces " << prefix << "-{app,lan,kdn,inet}"
              << (kernel_router() ? " (HARNESS SELF-TEST: kernel router instead of torwart)" : "")
              << std::endl;
    topology_ = build_topology(prefix, cfg, kernel_router());
    // Debian's own python3 when present (a PATH shim such as pyenv's adds a wrapper process).
    const std::string python = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
    ctx_ = LabContext{&topology_, dir, log_dir_, python, options_.bulk_bytes, options_.verbose};
    start_appliance();
    servers_ = std::make_unique<Servers>(ctx_);

    std::vector<CheckResult> rows;
    auto record = [&](CheckResult row) {
      std::cout << (row.pass ? "  PASS " : "  FAIL ") << row.name << ": " << one_line(row.observed)
                << std::endl;
      rows.push_back(std::move(row));
      return rows.back().pass || options_.keep_going;
    };
    if (record(wait_ready(ctx_, options_.ready_timeout, [&] { return appliance_alive(); })) &&
        rows.back().pass && run_checks(record) && !kernel_router()) {
      // Then the provider's view through the management interface; last the DHCP phase, which restarts the
      // appliance on another configuration.
      if (appliance_alive() && run_management_phase(record) && appliance_alive() && run_vpn_phase(record) &&
          appliance_alive())
        run_dhcp_phase(record);
    }
    if (!appliance_alive()) {
      rows.push_back({"appliance-alive", "-", "still running after the checks", "exited", false});
    }
    std::cout << '\n';
    print_table(rows, kernel_router());
    const bool restarted = !counters_.empty();
    if (!restarted) counters_ = counters_text();
    std::cout << "\nappliance counters"
              << (restarted ? " (of the run before the DHCP rows restarted it)" : "") << ":\n"
              << counters_;
    stop_appliance();
    bool passed = std::all_of(rows.begin(), rows.end(), [](const CheckResult& r) { return r.pass; });
    std::cout << fmt::format("\nlab: {} of {} checks passed; logs in {}\n",
                             std::count_if(rows.begin(), rows.end(), [](auto& r) { return r.pass; }),
                             rows.size(), log_dir_);
    return passed;
  }

  // False when it stopped at a failure (keep_going off).
  template <typename Record>
  bool run_checks(Record& record) {
    std::vector<std::function<CheckResult()>> checks = {
        [&] { return check_ping(ctx_, "ping-gw-lan-v4", "lan", "192.168.10.1"); },
        [&] { return check_ping(ctx_, "ping-gw-lan-v6", "lan", "2001:db8:10::1"); },
        [&] { return check_ping(ctx_, "ping-gw-kdn-v4", "kdn", "10.200.0.2"); },
        [&] { return check_ping(ctx_, "ping-gw-kdn-v6", "kdn", "2001:db8:200::2"); },
        [&] { return check_ping(ctx_, "ping-gw-inet-v4", "inet", "203.0.113.2"); },
        [&] { return check_ping(ctx_, "ping-gw-inet-v6", "inet", "2001:db8:f00::2"); },
        [&] { return check_ping(ctx_, "ping-kdn-v4", "lan", "10.20.0.10"); },
        [&] { return check_ping(ctx_, "ping-kdn-v6", "lan", "2001:db8:1000::10"); },
        [&] { return check_ping(ctx_, "ping-inet-v4", "lan", "198.51.100.10"); },
        [&] { return check_ping(ctx_, "ping-inet-v6", "lan", "2001:db8:f000::10"); },
        // The box's own kernel, through the LAN port's twin (the baseline's box-out rule).
        [&] { return check_ping(ctx_, "ping-from-box-v4", "app", "192.168.10.10"); },
        [&] { return check_ping(ctx_, "ping-from-box-v6", "app", "2001:db8:10::10"); },
        // ... and behind a gateway: the configuration's routes are the box's kernel's too (proto 245).
        [&] { return check_ping(ctx_, "ping-from-box-to-kdn-v4", "app", "10.20.0.10"); },
        [&] { return check_ping(ctx_, "ping-from-box-to-kdn-v6", "app", "2001:db8:1000::10"); },
        [&] { return check_tcp_bulk(ctx_, &tcp_bulk_mbit_per_s_); },
        [&] { return check_dns(ctx_, false); },
        [&] { return check_dns(ctx_, true); },
        [&] { return check_http(ctx_, *servers_, false); },
        [&] { return check_http(ctx_, *servers_, true); },
        [&] { return check_ttl_expiry(ctx_, false); },
        [&] { return check_ttl_expiry(ctx_, true); },
        [&] { return check_spoofed_source(ctx_); },
    };
    // Filtering is the product's alone: the harness self-test's plain Linux router has none to compare.
    if (!kernel_router()) {
      checks.emplace_back([&] { return check_inbound_blocked(ctx_); });
      checks.emplace_back([&] { return check_smtp_rejected(ctx_); });
      checks.emplace_back([&] { return check_tls_sni(ctx_, false); });
      checks.emplace_back([&] { return check_tls_sni(ctx_, true); });
      checks.emplace_back([&] { return check_http_program_blocked(ctx_); });
      checks.emplace_back([&] { return check_signature_drop(ctx_); });
      checks.emplace_back([&] { return check_signature_reject(ctx_); });
      // The box's own kernel behind a data port (issue 13). The reloads add input rules for these rows'
      // ports.
      checks.emplace_back([&] { return check_box_service_refused(ctx_, *appliance_); });
      checks.emplace_back([&] { return check_box_service_allowed(ctx_, *running_config_); });
      checks.emplace_back(
          [&] { return check_flood_at_box(ctx_, *running_config_, config_, tcp_bulk_mbit_per_s_); });
    }
    for (const auto& check : checks) {
      CheckResult row;
      try {
        row = check();
      } catch (const std::exception& e) {
        row.name = "(check error)";
        row.observed = e.what();
      }
      if (!record(std::move(row))) return false;
    }
    return true;
  }

  // management-filter and remote-commit-confirmed: torwartd with the management API and filter beside the
  // running appliance, the provider in a namespace of its own on the management interface. False when it
  // stopped at a failure (keep_going off).
  template <typename Record>
  bool run_management_phase(Record& record) {
    try {
      ManagementRows management(ctx_, prefix_, running_config_->text(), config_.dataplane.control_socket,
                                options_.torwartd_binary);
      if (!record(management.check_filter())) return false;
      return record(management.check_remote_commit_confirmed(*appliance_));
    } catch (const std::exception& e) {
      return record(CheckResult{"management-filter", "-", "the management phase runs",
                                std::string("error: ") + e.what(), false});
    }
  }

  // vpn-tunnel-up, vpn-lan-to-site and vpn-rekey-no-loss: a strongSwan peer on the Internet router, torwartd
  // running charon from a version with a tunnel to it. False when it stopped at a failure.
  template <typename Record>
  bool run_vpn_phase(Record& record) {
    try {
      VpnRows vpn(ctx_, running_config_->text(), config_.dataplane.control_socket, options_.torwartd_binary);
      if (!record(vpn.check_tunnel_up())) return false;
      if (!record(vpn.check_site_transfer())) return false;
      return record(vpn.check_rekey());
    } catch (const std::exception& e) {
      return record(
          CheckResult{"vpn-tunnel-up", "-", "the VPN phase runs", std::string("error: ") + e.what(), false});
    }
  }

  // dhcp-uplink-lease and dhcp-lease-change: the appliance restarts with inet on `addresses: dhcp` and
  // masquerade (source NAT cannot be switched on by a reload), torwartd with the kernel mirror beside it.
  template <typename Record>
  void run_dhcp_phase(Record& record) {
    counters_ = counters_text();  // the run every other row used
    try {
      run_dhcp_rows(record);
    } catch (const std::exception& e) {
      record(CheckResult{"dhcp-uplink-lease", "-", "the DHCP phase runs", std::string("error: ") + e.what(),
                         false});
    }
  }

  template <typename Record>
  void run_dhcp_rows(Record& record) {
    const std::string dhcp_config = work_dir_ + "/torwart-dhcp.yaml";
    const std::string text = lab_dhcp_config_text(config_text_);
    std::ofstream(dhcp_config) << text;
    std::ofstream(log_dir_ + "/torwart-dhcp.yaml") << text;
    const std::string eve_dir = log_dir_ + "/appliance-dhcp";
    DhcpUplinkRows uplink(ctx_,
                          MirrorDaemon{options_.torwartd_binary, work_dir_ + "/torwartd", dhcp_config,
                                       config_.dataplane.control_socket, eve_dir, find_program("dhclient")});
    running_config_.reset();
    stop_appliance();
    config_path_ = dhcp_config;
    appliance_ = std::make_unique<ApplianceProcess>(*topology_.appliance, options_.torwart_binary,
                                                    config_path_, eve_dir, log_dir_ + "/appliance-dhcp.out");
    std::cout << "lab: restarting the appliance on " << config_path_ << " (inet on addresses: dhcp)"
              << std::endl;
    appliance_->start();
    const CheckResult ready = wait_ready(ctx_, options_.ready_timeout, [&] { return appliance_alive(); });
    if (!record(uplink.check_lease(*appliance_, ready))) return;
    record(uplink.check_lease_change(*appliance_));
  }

  void start_appliance() {
    if (kernel_router()) return;
    appliance_ =
        std::make_unique<ApplianceProcess>(*topology_.appliance, options_.torwart_binary, config_path_,
                                           log_dir_ + "/appliance", log_dir_ + "/appliance.out");
    std::cout << "lab: starting " << describe(appliance_->run_argv()) << " in " << topology_.appliance->name()
              << std::endl;
    appliance_->start();
    running_config_ = std::make_unique<RunningConfig>(ctx_, *appliance_, config_text_);
  }

  bool appliance_alive() const { return kernel_router() || (appliance_ && appliance_->alive()); }

  std::string counters_text() {
    if (kernel_router()) return "  (kernel-router self-test: no torwart counters)\n";
    Argv argv{appliance_->binary(), "stats", "--json", "-c", config_path_};
    CommandResult r = ctx_.run(*topology_.appliance, argv, seconds(10));
    try {
      return parse_json_output(r.output).dump(2) + '\n';  // tolerates a line of text before the JSON
    } catch (const std::exception&) {
      return "  " + describe(argv) + ": " + (r.timed_out ? "timed out" : "failed") + "\n" + r.output;
    }
  }

  void stop_appliance() {
    if (kernel_router() || !appliance_ || appliance_->pid() <= 0) return;
    auto status = appliance_->stop(std::chrono::milliseconds(10000));
    if (status) std::cout << "lab: appliance stopped, exit status " << *status << '\n';
  }

  // Stops everything and removes the namespaces (also on errors); keeps the scratch directory on failure.
  void finish() {
    running_config_.reset();
    servers_.reset();
    appliance_.reset();  // stops it
    topology_ = Topology{};
    if (!work_dir_.empty()) {
      if (keep_work_dir_) {
        std::cout << "lab: kept " << work_dir_ << " for inspection\n";
      } else {
        std::error_code ec;
        fs::remove_all(work_dir_, ec);
      }
    }
  }

  LabOptions options_;
  std::string work_dir_;
  std::string log_dir_;
  std::string config_path_;  // of the running appliance
  std::string prefix_;       // of the namespaces' names
  std::string config_text_;  // the lab configuration the appliance started with
  config::Config config_;
  double tcp_bulk_mbit_per_s_ = 0;  // tcp-bulk-v4's figure, for flood-at-box
  std::string counters_;            // `torwart stats --json` of the run the rows before the DHCP phase used
  bool keep_work_dir_ = false;
  // Declaration order is teardown order in reverse: servers and appliance go before the namespaces.
  Topology topology_;
  LabContext ctx_;
  std::unique_ptr<ApplianceProcess> appliance_;  // refers to topology_.appliance
  std::unique_ptr<Servers> servers_;
  std::unique_ptr<RunningConfig> running_config_;  // refers to appliance_
};

}  // namespace

int run_lab(const LabOptions& options) {
  try {
    Lab lab(options);
    return lab.run();
  } catch (const std::exception& e) {
    std::cerr << "lab: error: " << e.what() << '\n';
    return 1;
  }
}

}  // namespace torwart::lab
