#pragma once
// Crafted rtnetlink messages for the tests and the fuzz corpus: what the kernel would send, built with libnl.
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

namespace torwart::controlplane::test_messages {

using Bytes = std::vector<std::byte>;

template <typename Fixed>
Bytes message(uint16_t type, const Fixed& fixed, const std::function<void(nl_msg*)>& attributes = {}) {
  nl_msg* built = nlmsg_alloc_simple(type, 0);
  nlmsg_append(built, const_cast<Fixed*>(&fixed), sizeof(fixed), NLMSG_ALIGNTO);
  if (attributes) attributes(built);
  const nlmsghdr* header = nlmsg_hdr(built);
  Bytes bytes(header->nlmsg_len);
  std::memcpy(bytes.data(), header, bytes.size());
  nlmsg_free(built);
  return bytes;
}

inline rtmsg route_header(uint8_t family, uint8_t length, uint8_t type = RTN_UNICAST,
                          uint8_t protocol = RTPROT_STATIC) {
  rtmsg header{};
  header.rtm_family = family;
  header.rtm_dst_len = length;
  header.rtm_table = RT_TABLE_MAIN;
  header.rtm_protocol = protocol;
  header.rtm_scope = RT_SCOPE_UNIVERSE;
  header.rtm_type = type;
  return header;
}

inline Bytes ipv4_route(uint16_t type, const uint8_t (&destination)[4], uint8_t length, int ifindex,
                        const uint8_t* gateway, uint32_t metric, uint8_t protocol = RTPROT_STATIC) {
  return message(type, route_header(AF_INET, length, RTN_UNICAST, protocol), [&](nl_msg* built) {
    nla_put_u32(built, RTA_TABLE, RT_TABLE_MAIN);
    if (length > 0) nla_put(built, RTA_DST, 4, destination);
    nla_put_u32(built, RTA_OIF, ifindex);
    if (gateway) nla_put(built, RTA_GATEWAY, 4, gateway);
    nla_put_u32(built, RTA_PRIORITY, metric);
  });
}

inline Bytes link(uint16_t type, int ifindex, const char* name, unsigned flags = 0x1,
                  uint8_t family = AF_UNSPEC) {
  ifinfomsg header{};
  header.ifi_family = family;
  header.ifi_index = ifindex;
  header.ifi_flags = flags;
  return message(type, header, [&](nl_msg* built) { nla_put_string(built, IFLA_IFNAME, name); });
}

inline Bytes ipv4_address(uint16_t type, int ifindex, const uint8_t (&address)[4], uint8_t length) {
  ifaddrmsg header{};
  header.ifa_family = AF_INET;
  header.ifa_prefixlen = length;
  header.ifa_index = static_cast<uint32_t>(ifindex);
  return message(type, header, [&](nl_msg* built) {
    nla_put(built, IFA_LOCAL, 4, address);
    nla_put(built, IFA_ADDRESS, 4, address);
  });
}

inline Bytes ipv4_neighbour(uint16_t type, int ifindex, const uint8_t (&address)[4], const uint8_t* mac,
                            uint16_t state, uint8_t flags = 0) {
  ndmsg header{};
  header.ndm_family = AF_INET;
  header.ndm_ifindex = ifindex;
  header.ndm_state = state;
  header.ndm_flags = flags;
  return message(type, header, [&](nl_msg* built) {
    nla_put(built, NDA_DST, 4, address);
    if (mac) nla_put(built, NDA_LLADDR, 6, mac);
  });
}

}  // namespace torwart::controlplane::test_messages
