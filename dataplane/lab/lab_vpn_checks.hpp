#pragma once
// The lab's VPN phase (issue 15): the Internet router runs an independent strongSwan peer (Debian's charon
// with kernel-libipsec, hence ESP in UDP) guarding the "data centre" 10.99.0.0/24 (10.99.0.1 on its
// loopback); torwartd starts beside `torwart run` with the running configuration plus a tunnel `kdn` to it,
// pushes that version and runs charon with torwart's plugin from it, as on a box. Rows vpn-tunnel-up,
// vpn-lan-to-site and vpn-rekey-no-loss.
#include <string>

#include "dataplane/lab/lab_checks.hpp"
#include "dataplane/lab/strongswan.hpp"

namespace torwart::lab {

class VpnRows {
 public:
  static constexpr char kSiteHost[] = "10.99.0.1";

  VpnRows(const LabContext& ctx, const std::string& running_text, const std::string& fastpath_socket,
          const std::string& torwartd_binary);
  ~VpnRows();
  VpnRows(const VpnRows&) = delete;
  VpnRows& operator=(const VpnRows&) = delete;

  // vpn-tunnel-up: the peer initiates; torwartctl vpn status shows both SAs of tunnel kdn in the fast path.
  CheckResult check_tunnel_up();
  // vpn-lan-to-site: the LAN client pings 10.99.0.1 and sends it 1 MB whose SHA-256 comes back through the
  // tunnel; the SAs counted the packets.
  CheckResult check_site_transfer();
  // vpn-rekey-no-loss: both ends rekey the CHILD_SA during 250 pings 20 ms apart; none may be lost.
  CheckResult check_rekey();

 private:
  CommandResult vpn_status() const;
  std::string box_vici() const { return "unix://" + dir_ + "/torwartd/vpn/vici"; }

  const LabContext& ctx_;
  std::string dir_;
  std::string torwartctl_;
  std::string problem_;  // setting up failed: every row says so
  CharonInstance peer_;
  BackgroundProcess daemon_;
};

}  // namespace torwart::lab
