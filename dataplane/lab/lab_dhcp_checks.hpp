#pragma once
// The lab's last phase (issue 13): the Internet port takes its address from the provider's DHCP server.
// `torwart run` runs on lab_dhcp_config_text (restarted for it: source NAT cannot be switched on by a
// reload), torwartd with the kernel mirror runs dhclient on the inet twin, and LAN clients reach the
// Internet through masquerade on whatever address the lease gave. Rows dhcp-uplink-lease and
// dhcp-lease-change; the phase comes last, so no other row runs on this configuration.
#include <string>

#include "dataplane/lab/appliance.hpp"
#include "dataplane/lab/lab_checks.hpp"
#include "dataplane/lab/uplink_dhcp.hpp"

namespace torwart::lab {

class DhcpUplinkRows {
 public:
  static constexpr char kFirstLease[] = "203.0.113.50";
  static constexpr char kSecondLease[] = "203.0.113.60";

  // The provider's side, before the box restarts: the Internet router forgets its route to the LAN (only
  // masquerade can bring answers back), dnsmasq leases kFirstLease, and the Internet server answers every
  // TCP connection on kBulkPort with the address the connection came from.
  DhcpUplinkRows(const LabContext& ctx, MirrorDaemon daemon);
  DhcpUplinkRows(const DhcpUplinkRows&) = delete;
  DhcpUplinkRows& operator=(const DhcpUplinkRows&) = delete;

  // dhcp-uplink-lease: `appliance` runs on the DHCP configuration (`ready`: its wait_ready row); starts
  // torwartd, then passes when `torwart status` shows kFirstLease as the inet port's address
  // (address_by_dhcp) with the lease's default route, and a LAN client's connection reaches the Internet
  // server from it.
  CheckResult check_lease(const ApplianceProcess& appliance, const CheckResult& ready);
  // dhcp-lease-change: dnsmasq restarted with only kSecondLease, torwartd's dhclient killed (torwartd
  // starts it again; it is refused its old address and leases the new one): status shows kSecondLease and
  // not kFirstLease, and the LAN client's connections arrive from kSecondLease.
  CheckResult check_lease_change(const ApplianceProcess& appliance);

 private:
  // Waits (`timeout`) until the fast path's inet port has `address`/24 and no other IPv4 address, and the
  // lease's default route; the status line for the row, or "" on timeout (`why` then says what is missing).
  std::string wait_for_lease(const ApplianceProcess& appliance, const std::string& address,
                             std::chrono::seconds timeout, std::string& why);
  // The source address the Internet server saw for a new connection from the LAN client, or the error.
  std::string seen_from() const;

  const LabContext& ctx_;
  MirrorDaemon daemon_;
  BackgroundProcess dhcp_server_;
  BackgroundProcess peer_echo_;
  BackgroundProcess torwartd_;
  bool leased_ = false;
};

}  // namespace torwart::lab
