#include "controlplane/kernel_mirror/route_origin.hpp"

#include <linux/rtnetlink.h>

namespace torwart::controlplane {

std::string origin_name(uint8_t protocol) {
  // Spelled as iproute2's rt_protos table prints them, so that `status` and `ip route` agree.
  switch (protocol) {
    case RTPROT_UNSPEC:
      return "unspec";
    case RTPROT_REDIRECT:
      return "redirect";
    case RTPROT_KERNEL:
      return "kernel";
    case RTPROT_BOOT:
      return "boot";
    case RTPROT_STATIC:
      return "static";
    case RTPROT_GATED:
      return "gated";
    case RTPROT_RA:
      return "ra";
    case RTPROT_MRT:
      return "mrt";
    case RTPROT_ZEBRA:
      return "zebra";
    case RTPROT_BIRD:
      return "bird";
    case RTPROT_DNROUTED:
      return "dnrouted";
    case RTPROT_XORP:
      return "xorp";
    case RTPROT_NTK:
      return "ntk";
    case RTPROT_DHCP:
      return "dhcp";
    case RTPROT_MROUTED:
      return "mrouted";
    case RTPROT_KEEPALIVED:
      return "keepalived";
    case RTPROT_BABEL:
      return "babel";
    case RTPROT_OPENR:
      return "openr";
    case RTPROT_BGP:
      return "bgp";
    case RTPROT_ISIS:
      return "isis";
    case RTPROT_OSPF:
      return "ospf";
    case RTPROT_RIP:
      return "rip";
    case RTPROT_EIGRP:
      return "eigrp";
    default:
      return "proto " + std::to_string(protocol);
  }
}

}  // namespace torwart::controlplane
