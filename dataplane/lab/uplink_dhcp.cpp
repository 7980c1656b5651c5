#include "dataplane/lab/uplink_dhcp.hpp"

#include <stdexcept>

namespace torwart::lab {
namespace {

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("the lab configuration has no '" + from + "'");
  return text.replace(at, from.size(), to);
}

}  // namespace

std::string lab_dhcp_config_text(const std::string& lab_text) {
  std::string out =
      replace_once(lab_text, "addresses: [203.0.113.2/24, 2001:db8:f00::2/64]", "addresses: dhcp");
  out = replace_once(out, "  - to: 0.0.0.0/0\n    via: 203.0.113.1\n", "");
  out = replace_once(out, "  - to: ::/0\n    via: 2001:db8:f00::1\n", "");
  out = replace_once(out, "  - address: 203.0.113.1\n    mac: 02:00:00:00:03:01\n", "");
  out = replace_once(out, "  - address: 2001:db8:f00::1\n    mac: 02:00:00:00:03:01\n", "");
  return out +
         "nat:\n  source:\n    - {name: lan-masquerade, out: inet, from: [lan], translate_to: interface}\n";
}

BackgroundProcess start_dhcp_server(const Namespace& inet, const std::string& address,
                                    const std::string& directory, const std::string& log_path) {
  return inet.start(
      {"dnsmasq", "--keep-in-foreground", "--no-daemon", "--port=0", "--interface=eth0", "--bind-interfaces",
       "--dhcp-authoritative", "--no-ping", "--dhcp-range=" + address + "," + address + ",255.255.255.0,2m",
       "--dhcp-option=option:router,203.0.113.1", "--dhcp-leasefile=" + directory + "/dnsmasq.leases",
       "--pid-file=" + directory + "/dnsmasq-dhcp.pid", "--log-dhcp", "--conf-file=/dev/null"},
      log_path);
}

Argv MirrorDaemon::argv() const {
  Argv out{binary,
           "--state-dir",
           directory + "/state",
           "--socket",
           socket(),
           "-s",
           fastpath_socket,
           "--audit-log",
           directory + "/audit.jsonl",
           "--initial",
           initial_config,
           "--sync-interval",
           "1",
           "--kernel-mirror",
           "--dhcp-dir",
           directory + "/dhcp",
           "--eve-dir",
           eve_dir,
           "--vpn-dir",
           directory + "/vpn"};
  if (!dhclient.empty()) {
    out.push_back("--dhclient");
    out.push_back(dhclient);
  }
  return out;
}

std::string MirrorDaemon::dhclient_pid_file(const std::string& port) const {
  return directory + "/dhcp/dhclient." + port + ".pid";
}

}  // namespace torwart::lab
