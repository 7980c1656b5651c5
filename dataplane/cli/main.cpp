// torwart: the fast path of the torwart appliance, and the tools that drive and test it.
#include <unistd.h>

#include <climits>
#include <iostream>

#include <CLI/CLI.hpp>

#include "dataplane/cli/commands.hpp"
#include "platform/build_info/build_info.hpp"

namespace {

constexpr const char* kExitCodes =
    "\nEXIT CODES\n"
    "  0  success\n"
    "  1  runtime failure (DPDK, ports, the fast path unreachable, a lab check failed)\n"
    "  2  bad input (configuration, capture or command line); the reason names the file, line and place\n";

std::string self_path(const char* argv0) {
  char buffer[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string(argv0);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace torwart::cli;
  CLI::App app{
      "torwart - network security appliance for town halls: DPDK fast path between the town LAN, the\n"
      "municipal data network (KDN) and the Internet.\n"};
  app.footer(kExitCodes);
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Print help for every subcommand");
  app.set_version_flag("--version", "torwart " + torwart::platform::build_version());

  std::string config_path, log_dir, socket_path, new_config;
  bool json = false, verbose = false, stop_first = false;
  long long config_version = 0;
  std::vector<std::string> inputs;
  int exit_code = kExitOk;

  auto* run =
      app.add_subcommand("run", "Run the appliance live on the ports of CONFIG until SIGINT/SIGTERM.");
  run->add_option("-c,--config", config_path, "Configuration file (YAML, format 1)")->required();
  std::string run_log_dir = "/var/log/torwart";  // run's own: `lab` and `replay` have other defaults
  run->add_option("-l,--log-dir", run_log_dir, "Directory for eve.json")->capture_default_str();
  run->footer(
      "Workers poll the ports; the control lcore answers ARP/ND, writes EVE records and serves the control\n"
      "socket named by dataplane.control_socket (see `torwart status`, `stats`, `flows`, `reload`). If the "
      "control plane\n"
      "dies, traffic keeps flowing on the last installed configuration.");
  run->callback([&] { exit_code = cmd_run(config_path, run_log_dir); });

  auto* check = app.add_subcommand(
      "check", "Validate CONFIG: everything `run` would refuse, with file, line and reason.");
  check->add_option("-c,--config", config_path, "Configuration file")->required();
  check->add_flag("--json", json, "Print the verdict as JSON");
  check->callback([&] { exit_code = cmd_check(config_path, json); });

  auto* replay = app.add_subcommand(
      "replay", "Feed captures into named ports through the full pipeline, on capture time.");
  replay->add_option("-c,--config", config_path,
                     "Configuration (default: the built-in one, ports lan, kdn, inet)");
  replay->add_option("-l,--log-dir", log_dir, "Output directory: PORT.pcap per port, eve.json, counters.json")
      ->required();
  replay->add_option("inputs", inputs, "PORT=CAPTURE.pcap, one or more (Ethernet captures)")->required();
  replay->footer(
      "Packets from all inputs are processed in capture-timestamp order. All timers run on capture time, so\n"
      "two replays of the same input give byte-identical outputs. Ports' backends are ignored.");
  replay->callback([&] { exit_code = cmd_replay(config_path, log_dir, inputs); });

  InspectArguments inspect_args;
  auto* inspect = app.add_subcommand(
      "inspect",
      "Analyse a capture the way `suricata -r` does: track, reassemble, identify and parse every\n"
      "connection, match the signatures (-S), forward nothing, write DIR/eve.json (alert, http, tls,\n"
      "dns, anomaly, flow and stats records) and DIR/signatures.json (what loaded, what was skipped and "
      "why).");
  inspect->add_option(
      "-c,--config", inspect_args.config_path,
      "Configuration for the inspection limits and record switches (default: the built-in one)");
  inspect->add_option("-S,--signatures", inspect_args.signature_files,
                      "Suricata rule file or directory of *.rules (repeatable; replaces the configuration's "
                      "ids.rule_files)");
  inspect->add_option("--classification", inspect_args.classification_file,
                      "classification.config: classtype -> alert.category and default severity");
  inspect->add_option("--signature-cache", inspect_args.cache_dir,
                      "Directory for compiled signature databases (default: none, compile every run)");
  inspect
      ->add_option("-r,--read", inspect_args.capture,
                   "Capture file (pcap or pcapng; Ethernet, raw IP, Linux cooked, BSD loopback)")
      ->required();
  inspect->add_option("-l,--log-dir", inspect_args.out_dir, "Output directory: eve.json, counters.json")
      ->required();
  inspect->add_flag(
      "--ips", inspect_args.ips,
      "Act as inline: drop and reject signatures take effect (Suricata's --simulate-ips), and what the\n"
      "application layer refuses at a limit (inspection.on_limit: drop) is dropped and logged");
  inspect->add_flag("--midstream", inspect_args.midstream,
                    "Pick up TCP connections whose handshake is not in the capture");
  inspect->add_flag(
      "--verify-checksums", inspect_args.verify_checksums,
      "Drop IPv4 packets with a wrong header checksum (off: captures often hold offloaded ones)");
  inspect->footer(
      "Both directions of each connection are read from the one file. Timers run on capture time, so two "
      "runs\n"
      "give identical records. Exit codes: 0 done, 1 runtime failure, 2 unreadable capture or bad options.");
  inspect->callback([&] { exit_code = cmd_inspect(inspect_args); });

  auto* lab = app.add_subcommand(
      "lab",
      "Build namespaces for a LAN client, a KDN server and an Internet server, run the appliance between\n"
      "them, drive ping, TCP, DNS and HTTP through it, flood the box, give its uplink an address by DHCP\n"
      "(with torwartd) and report every expectation. Needs root.");
  lab->add_option("-l,--log-dir", log_dir,
                  "Keep logs here (default: a temporary directory, kept on failure)");
  lab->add_flag("-v,--verbose", verbose, "Print every command and its output");
  lab->add_flag("--stop-at-first-failure", stop_first, "Stop after the first failed check");
  std::string torwartd_path;
  lab->add_option("--torwartd", torwartd_path,
                  "torwartd for the DHCP uplink rows (default: torwartd beside this torwart)");
  lab->callback(
      [&] { exit_code = cmd_lab(self_path(argv[0]), torwartd_path, log_dir, verbose, stop_first); });

  auto* pipeline = app.add_subcommand(
      "pipeline", "Print the fast path's stages in the order every burst runs them (no appliance needed).");
  pipeline->callback([&] { exit_code = cmd_pipeline(); });

  auto add_target = [&](CLI::App* sub) {
    sub->add_option("-c,--config", config_path, "Find the control socket in this configuration");
    sub->add_option("-s,--socket", socket_path, "Control socket path")->excludes("--config");
  };
  auto* status =
      app.add_subcommand("status", "Ask a running appliance: configuration version, ports, link state.");
  add_target(status);
  status->add_flag("--json", json, "Machine-readable output");
  status->callback([&] { exit_code = cmd_status({config_path, socket_path}, json); });

  auto* stats = app.add_subcommand("stats", "Ask a running appliance: counters per port and drop reason.");
  add_target(stats);
  stats->add_flag("--json", json, "Machine-readable output");
  stats->callback([&] { exit_code = cmd_stats({config_path, socket_path}, json); });

  unsigned flow_limit = 100;
  auto* flows = app.add_subcommand("flows", "Ask a running appliance: the connections its workers track.");
  add_target(flows);
  flows->add_flag("--json", json, "Machine-readable output");
  flows->add_option("--limit", flow_limit, "At most this many connections per worker (1-1000)")
      ->check(CLI::Range(1u, 1000u))
      ->capture_default_str();
  flows->callback([&] { exit_code = cmd_flows({config_path, socket_path}, json, flow_limit); });

  auto* reload = app.add_subcommand(
      "reload", "Validate NEW and swap it in while traffic runs; on refusal the running version stays.");
  reload->add_option("-c,--config", new_config, "The new configuration file")->required();
  reload->add_option("-s,--socket", socket_path, "Control socket (default: the new configuration's)");
  reload->add_option("--config-version", config_version,
                     "Version number to run it under (above the running one)");
  reload->callback([&] { exit_code = cmd_reload({"", socket_path}, new_config, config_version); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitBadInput;
  }
  return exit_code;
}
