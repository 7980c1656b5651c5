#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "dataplane/cli/commands.hpp"
#include "dataplane/cli/config_input.hpp"
#include "dataplane/control_protocol/client.hpp"
#include "dataplane/control_protocol/control_protocol.hpp"
#include "dataplane/control_protocol/flow_listing.hpp"

namespace torwart::cli {
namespace {

std::optional<std::string> socket_of(const ControlTarget& target) {
  if (!target.socket_path.empty()) return target.socket_path;
  auto loaded = load_config_or_report(target.config_path);
  if (!loaded) return std::nullopt;
  return loaded->config.dataplane.control_socket;
}

// Sends the request; prints the refusal and returns nullopt unless the fast path said ok.
std::optional<nlohmann::json> ask(const std::string& socket, const nlohmann::json& request, int* exit_code) {
  try {
    nlohmann::json response = control_protocol::fastpath_request(socket, request);
    if (!response.value("ok", false)) {
      std::cerr << "torwart: " << response.value("error", std::string("refused")) << "\n";
      for (const auto& d : response.value("details", nlohmann::json::array()))
        std::cerr << "  " << d.get<std::string>() << "\n";
      *exit_code = kExitBadInput;
      return std::nullopt;
    }
    return response["result"];
  } catch (const control_protocol::FastPathUnreachable& e) {
    std::cerr << "torwart: " << e.what() << "\n";
    *exit_code = kExitFailure;
    return std::nullopt;
  }
}

}  // namespace

int cmd_status(const ControlTarget& target, bool json) {
  auto socket = socket_of(target);
  if (!socket) return kExitBadInput;
  int code = kExitOk;
  auto result = ask(*socket, control_protocol::make_request(control_protocol::command::kStatus), &code);
  if (!result) return code;
  if (json) {
    std::cout << result->dump(2) << "\n";
    return kExitOk;
  }
  const auto& s = *result;
  std::cout << "name            " << s["name"].get<std::string>() << "\n"
            << "torwart         " << s.value("torwart_version", std::string("?")) << "\n"
            << "config version  " << s["config_version"] << "  (sha256 "
            << s["config_digest"].get<std::string>().substr(0, 16) << "…, from "
            << s["config_origin"].get<std::string>() << ")\n"
            << "uptime          " << s["uptime_s"] << " s, pid " << s["pid"] << "\n"
            << "workers         " << s["workers"] << ", " << s["distribution"].get<std::string>()
            << " distribution\n\n";
  std::cout << std::left << std::setw(10) << "PORT" << std::setw(16) << "DRIVER" << std::setw(19) << "MAC"
            << std::setw(6) << "LINK" << std::setw(10) << "RXQUEUES" << std::setw(11) << "RX MISSED"
            << "ADDRESSES\n";
  for (const auto& p : s["ports"]) {
    std::string addresses;
    for (const auto& a : p.value("addresses", nlohmann::json::array()))
      addresses += (addresses.empty() ? "" : " ") + a.get<std::string>();
    // A port on `addresses: dhcp` has none until its lease arrived: say so rather than print nothing.
    if (p.value("address_by_dhcp", false))
      addresses += addresses.empty() ? "(dhcp: no lease yet)" : " (dhcp)";
    std::cout << std::left << std::setw(10) << p["name"].get<std::string>() << std::setw(16)
              << p["driver"].get<std::string>() << std::setw(19) << p["mac"].get<std::string>()
              << std::setw(6) << p["link"].get<std::string>() << std::setw(10) << p["rx_queues"].get<int>()
              << std::setw(11) << p["rx_missed"].get<uint64_t>() << addresses << "\n";
  }
  return kExitOk;
}

int cmd_stats(const ControlTarget& target, bool json) {
  auto socket = socket_of(target);
  if (!socket) return kExitBadInput;
  int code = kExitOk;
  auto result = ask(*socket, control_protocol::make_request(control_protocol::command::kStats), &code);
  if (!result) return code;
  if (json) {
    std::cout << result->dump(2) << "\n";
    return kExitOk;
  }
  const auto& s = *result;
  std::cout << "config version " << s["config_version"] << "\n\n"
            << std::left << std::setw(10) << "PORT" << std::right << std::setw(14) << "RX PKTS"
            << std::setw(16) << "RX BYTES" << std::setw(14) << "TX PKTS" << std::setw(16) << "TX BYTES"
            << std::setw(12) << "DROPPED"
            << "\n";
  for (const auto& [name, p] : s["ports"].items()) {
    uint64_t dropped = 0;
    for (const auto& [reason, n] : p["drops"].items()) dropped += n.get<uint64_t>();
    std::cout << std::left << std::setw(10) << name << std::right << std::setw(14)
              << p["rx_packets"].get<uint64_t>() << std::setw(16) << p["rx_bytes"].get<uint64_t>()
              << std::setw(14) << p["tx_packets"].get<uint64_t>() << std::setw(16)
              << p["tx_bytes"].get<uint64_t>() << std::setw(12) << dropped << "\n";
  }
  std::cout << "\nDROP REASON                     PACKETS\n";
  if (s["drops"].empty()) std::cout << "(none)\n";
  for (const auto& [reason, n] : s["drops"].items())
    std::cout << std::left << std::setw(32) << reason << n << "\n";
  std::cout << "\nICMP errors sent " << s["icmp_errors_sent"] << " (rate-limited "
            << s["icmp_errors_rate_limited"] << "), EVE records lost " << s["eve_records_lost"]
            << ", neighbours " << s["neighbours"] << "\n";
  if (s.contains("syn_flood")) {
    const auto& f = s["syn_flood"];
    std::cout << "SYN flood: cookies sent " << f.value("cookies_sent", 0) << ", valid "
              << f.value("cookies_valid", 0) << ", invalid " << f.value("cookies_invalid", 0)
              << ", proxied flows " << f.value("proxied_flows", 0) << ", half-open now "
              << f.value("half_open", 0) << "\n";
  }
  if (s.contains("signatures")) {
    const auto& g = s["signatures"];
    const auto& e = g["engine"];
    std::cout << "Signatures (" << g.value("mode", "") << "): " << g.value("rules_loaded", 0) << " of "
              << g.value("rules_seen", 0) << " rules run, " << g.value("rules_skipped", 0)
              << " skipped; alerts " << e.value("alerts", 0) << ", drops " << e.value("drops", 0)
              << ", passes " << e.value("passes", 0) << ", thresholded " << e.value("thresholded", 0)
              << ", pcre limit hits " << e.value("regex_limit_hits", 0) << "\n";
  }
  return kExitOk;
}

int cmd_flows(const ControlTarget& target, bool json, unsigned limit) {
  auto socket = socket_of(target);
  if (!socket) return kExitBadInput;
  int code = kExitOk;
  auto result = ask(
      *socket, control_protocol::make_request(control_protocol::command::kFlows, {{"limit", limit}}), &code);
  if (!result) return code;
  if (json) {
    std::cout << result->dump(2) << "\n";
    return kExitOk;
  }
  control_protocol::print_flow_listing(std::cout, *result);
  return kExitOk;
}

int cmd_reload(const ControlTarget& target, const std::string& new_config_path, long long config_version) {
  // Validate locally first: the same loader the fast path runs, with the same messages.
  auto loaded = load_config_or_report(new_config_path);
  if (!loaded) return kExitBadInput;
  const std::string socket =
      target.socket_path.empty() ? loaded->config.dataplane.control_socket : target.socket_path;
  nlohmann::json request = control_protocol::make_request(
      control_protocol::command::kReload, {{"config", loaded->text}, {"origin", loaded->origin}});
  if (config_version > 0) request["config_version"] = config_version;
  int code = kExitOk;
  auto result = ask(socket, request, &code);
  if (!result) return code;
  std::cout << "torwart: configuration version " << (*result)["config_version"] << " is running\n";
  return kExitOk;
}

}  // namespace torwart::cli
