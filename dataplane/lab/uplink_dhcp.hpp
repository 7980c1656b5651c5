#pragma once
// The Internet port as a provider's DHCP uplink, shared by the lab's dhcp rows and the kernel mirror
// end-to-end test: the lab configuration with `addresses: dhcp` on inet and masquerade, dnsmasq as the
// provider's DHCP server on the Internet router, and torwartd with the kernel mirror (it runs dhclient on the
// inet twin and hands the lease to the fast path). torwartd is a program of its own: the lab only starts it.
#include <string>

#include "dataplane/lab/netns.hpp"
#include "dataplane/lab/process.hpp"

namespace torwart::lab {

// `lab_text` (lab_config_text's layout) with inet on `addresses: dhcp`: the default routes and the Internet
// router's static neighbours go (the lease brings the IPv4 gateway; the port has no IPv6 address any more),
// and LAN clients reach the Internet through masquerade on inet. Throws std::runtime_error when the text
// lacks a piece it replaces. Source NAT cannot be switched on by a reload: `torwart run` starts on this.
std::string lab_dhcp_config_text(const std::string& lab_text);

// dnsmasq on the Internet router's eth0 as the provider's DHCP server: `address` is the one address it
// leases (2 minutes, gateway 203.0.113.1, no DNS); authoritative, so that a client asking for another
// address is told no at once. Its lease file and pid file go to `directory`, its output to `log_path`.
BackgroundProcess start_dhcp_server(const Namespace& inet, const std::string& address,
                                    const std::string& directory, const std::string& log_path);

// torwartd --kernel-mirror in the appliance's namespace (the mirror follows the twins there), checking the
// fast path every second.
struct MirrorDaemon {
  std::string binary;           // torwartd
  std::string directory;        // its state, socket, audit log and the dhclients' files
  std::string initial_config;   // the file `torwart run` started with (adopted as version 1)
  std::string fastpath_socket;  // the configuration's dataplane.control_socket
  std::string eve_dir;          // `torwart run -l`
  std::string dhclient;         // ISC dhclient; empty: torwartd's default

  Argv argv() const;
  std::string socket() const { return directory + "/torwartd.sock"; }
  // The pid file torwartd's dhclient for `port` writes (controlplane/dhcp names it so).
  std::string dhclient_pid_file(const std::string& port) const;
};

}  // namespace torwart::lab
