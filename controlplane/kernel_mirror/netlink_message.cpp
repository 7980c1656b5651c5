#include "controlplane/kernel_mirror/netlink_message.hpp"

#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/object.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string_view>

namespace torwart::controlplane {
namespace {

using config::Family;
using config::IpAddress;

struct MessageFreer {
  void operator()(nl_msg* message) const { nlmsg_free(message); }
};

std::optional<IpAddress> ip_address_of(nl_addr* address) {
  if (address == nullptr) return std::nullopt;
  const unsigned length = nl_addr_get_len(address);
  const auto* bytes = static_cast<const uint8_t*>(nl_addr_get_binary_addr(address));
  IpAddress result;
  switch (nl_addr_get_family(address)) {
    case AF_INET:
      if (length != 4) return std::nullopt;
      result.family = Family::kIpv4;
      break;
    case AF_INET6:
      if (length != 16) return std::nullopt;
      result.family = Family::kIpv6;
      break;
    default:
      return std::nullopt;
  }
  std::copy_n(bytes, length, result.bytes.begin());
  return result;
}

uint8_t max_length(Family family) {
  return family == Family::kIpv4 ? 32 : 128;
}

bool host_bits_clear(const IpAddress& address, unsigned length) {
  for (unsigned bit = length; bit < max_length(address.family); ++bit) {
    if (address.bytes[bit / 8] & (0x80u >> (bit % 8))) return false;
  }
  return true;
}

NeighbourState neighbour_state_of(int nud) {
  switch (nud) {
    case NUD_INCOMPLETE:
      return NeighbourState::kIncomplete;
    case NUD_REACHABLE:
      return NeighbourState::kReachable;
    case NUD_STALE:
      return NeighbourState::kStale;
    case NUD_DELAY:
      return NeighbourState::kDelay;
    case NUD_PROBE:
      return NeighbourState::kProbe;
    case NUD_FAILED:
      return NeighbourState::kFailed;
    case NUD_NOARP:
      return NeighbourState::kNoArp;
    case NUD_PERMANENT:
      return NeighbourState::kPermanent;
    default:
      return NeighbourState::kNone;
  }
}

NetlinkChange link_change(rtnl_link* link, bool removed) {
  const char* name = rtnl_link_get_name(link);
  if (name == nullptr || std::strlen(name) == 0 || std::strlen(name) >= IFNAMSIZ)
    return Malformed{"link without a valid name"};
  if (rtnl_link_get_ifindex(link) <= 0) return Malformed{"link without an ifindex"};
  return LinkChange{removed, rtnl_link_get_ifindex(link), name, (rtnl_link_get_flags(link) & IFF_UP) != 0};
}

NetlinkChange address_change(rtnl_addr* address, bool removed) {
  auto local = ip_address_of(rtnl_addr_get_local(address));
  if (!local) return Malformed{"address without a local IPv4/IPv6 address"};
  const int length = rtnl_addr_get_prefixlen(address);
  if (length < 0 || length > max_length(local->family))
    return Malformed{"address prefix length out of range"};
  if (rtnl_addr_get_ifindex(address) <= 0) return Malformed{"address without an ifindex"};
  return AddressChange{removed, rtnl_addr_get_ifindex(address), {*local, static_cast<uint8_t>(length)}};
}

NetlinkChange route_change(rtnl_route* route, bool removed, nlmsghdr* header) {
  RouteChange change;
  change.removed = removed;
  change.table = rtnl_route_get_table(route);
  change.type = rtnl_route_get_type(route);
  change.protocol = rtnl_route_get_protocol(route);
  change.metric = rtnl_route_get_priority(route);
  change.cloned = (rtnl_route_get_flags(route) & RTM_F_CLONED) != 0;
  const auto family = rtnl_route_get_family(route) == AF_INET ? Family::kIpv4 : Family::kIpv6;

  nl_addr* destination = rtnl_route_get_dst(route);
  if (destination == nullptr) return Malformed{"route without a destination"};
  const unsigned length = nl_addr_get_prefixlen(destination);
  if (length > max_length(family)) return Malformed{"route prefix length out of range"};
  if (nl_addr_get_len(destination) == 0) {
    change.destination.address.family = family;  // the default route carries no RTA_DST
  } else {
    auto address = ip_address_of(destination);
    if (!address || address->family != family) return Malformed{"route destination of the wrong family"};
    if (!host_bits_clear(*address, length)) return Malformed{"route destination with host bits set"};
    change.destination.address = *address;
  }
  change.destination.length = static_cast<uint8_t>(length);
  if (nl_addr* source = rtnl_route_get_src(route)) change.source_length = nl_addr_get_prefixlen(source);

  // libnl 3.7 does not know these two attributes: look at the message itself.
  change.uses_nexthop_object = nlmsg_find_attr(header, sizeof(rtmsg), RTA_NH_ID) != nullptr;
  change.has_foreign_gateway = nlmsg_find_attr(header, sizeof(rtmsg), RTA_VIA) != nullptr;

  const int hop_count = rtnl_route_get_nnexthops(route);
  for (int index = 0; index < hop_count; ++index) {
    rtnl_nexthop* hop = rtnl_route_nexthop_n(route, index);
    if (hop == nullptr) return Malformed{"route next hop missing"};
    RouteHop parsed{rtnl_route_nh_get_ifindex(hop), std::nullopt};
    if (nl_addr* gateway = rtnl_route_nh_get_gateway(hop)) {
      parsed.gateway = ip_address_of(gateway);
      if (!parsed.gateway || parsed.gateway->family != family)
        return Malformed{"route gateway of the wrong family"};
    }
    change.hops.push_back(parsed);
  }
  return change;
}

NetlinkChange neighbour_change(rtnl_neigh* neighbour, bool removed) {
  if (rtnl_neigh_get_flags(neighbour) & NTF_PROXY) return Unrelated{};
  auto address = ip_address_of(rtnl_neigh_get_dst(neighbour));
  if (!address) return Malformed{"neighbour without an IPv4/IPv6 address"};
  if (rtnl_neigh_get_ifindex(neighbour) <= 0) return Malformed{"neighbour without an ifindex"};
  NeighbourChange change{removed, rtnl_neigh_get_ifindex(neighbour), *address, std::nullopt,
                         neighbour_state_of(rtnl_neigh_get_state(neighbour))};
  if (nl_addr* link_layer = rtnl_neigh_get_lladdr(neighbour);
      link_layer && nl_addr_get_len(link_layer) == 6) {
    config::MacAddress mac;
    std::memcpy(mac.bytes.data(), nl_addr_get_binary_addr(link_layer), mac.bytes.size());
    change.mac = mac;
  }
  return change;
}

// libnl 3.7 copies RTA_VIA's address with the attribute's length minus two, unchecked: a shorter one makes
// it memcpy a negative size (found by the fuzz target).
bool via_well_formed(const uint8_t* attributes, size_t length) {
  while (length >= sizeof(nlattr)) {
    nlattr attribute{};
    std::memcpy(&attribute, attributes, sizeof(attribute));
    if (attribute.nla_len < sizeof(nlattr) || attribute.nla_len > length)
      return true;  // libnl stops here too
    if ((attribute.nla_type & NLA_TYPE_MASK) == RTA_VIA && attribute.nla_len < NLA_HDRLEN + sizeof(rtvia))
      return false;
    const size_t step = std::min<size_t>(NLA_ALIGN(attribute.nla_len), length);
    attributes += step;
    length -= step;
  }
  return true;
}

// libnl 3.7 walks RTA_MULTIPATH without checking rtnh_len: a next hop of length 0 makes it allocate forever
// (found by the fuzz target). The kernel never sends one; whoever does gets "malformed" before libnl sees it.
bool multipath_well_formed(nlmsghdr* header) {
  const nlattr* multipath = nlmsg_find_attr(header, sizeof(rtmsg), RTA_MULTIPATH);
  if (multipath == nullptr) return true;
  const auto* bytes = static_cast<const uint8_t*>(nla_data(multipath));
  size_t remaining = static_cast<size_t>(nla_len(multipath));
  while (remaining >= sizeof(rtnexthop)) {
    rtnexthop hop{};
    std::memcpy(&hop, bytes, sizeof(hop));
    if (hop.rtnh_len < sizeof(rtnexthop) || hop.rtnh_len > remaining) return false;
    if (!via_well_formed(bytes + sizeof(rtnexthop), hop.rtnh_len - sizeof(rtnexthop))) return false;
    const size_t step = std::min<size_t>(RTNH_ALIGN(hop.rtnh_len), remaining);
    bytes += step;
    remaining -= step;
  }
  return remaining == 0;
}

struct ParseContext {
  nlmsghdr* header = nullptr;
  bool removed = false;
  std::optional<NetlinkChange> change;
};

void take_object(nl_object* object, void* argument) {
  auto& context = *static_cast<ParseContext*>(argument);
  const std::string_view type = nl_object_get_type(object);
  if (type == "route/link") {
    context.change = link_change(reinterpret_cast<rtnl_link*>(object), context.removed);
  } else if (type == "route/addr") {
    context.change = address_change(reinterpret_cast<rtnl_addr*>(object), context.removed);
  } else if (type == "route/route") {
    context.change = route_change(reinterpret_cast<rtnl_route*>(object), context.removed, context.header);
  } else if (type == "route/neigh") {
    context.change = neighbour_change(reinterpret_cast<rtnl_neigh*>(object), context.removed);
  } else {
    context.change = Malformed{"unexpected object type"};
  }
}

// The family byte opens ifinfomsg, ifaddrmsg, rtmsg and ndmsg alike; only plain IPv4/IPv6 (and, for links,
// AF_UNSPEC: AF_BRIDGE link messages describe bridge ports, not interfaces) is followed.
bool family_followed(uint16_t type, uint8_t family) {
  if (type == RTM_NEWLINK || type == RTM_DELLINK) return family == AF_UNSPEC;
  return family == AF_INET || family == AF_INET6;
}

size_t fixed_header_size(uint16_t type) {
  switch (type) {
    case RTM_NEWLINK:
    case RTM_DELLINK:
      return sizeof(ifinfomsg);
    case RTM_NEWADDR:
    case RTM_DELADDR:
      return sizeof(ifaddrmsg);
    case RTM_NEWROUTE:
    case RTM_DELROUTE:
      return sizeof(rtmsg);
    case RTM_NEWNEIGH:
    case RTM_DELNEIGH:
      return sizeof(ndmsg);
    default:
      return 0;
  }
}

NetlinkChange parse_change(std::span<const std::byte> message, const nlmsghdr& header) {
  const std::span<const std::byte> payload = message.subspan(NLMSG_HDRLEN);
  if (header.nlmsg_type == NLMSG_DONE) return DumpDone{};
  if (header.nlmsg_type == NLMSG_ERROR) {
    if (payload.size() < sizeof(nlmsgerr)) return Malformed{"short error message"};
    int error = 0;
    std::memcpy(&error, payload.data(), sizeof(error));
    return NetlinkError{error};
  }
  const size_t fixed = fixed_header_size(header.nlmsg_type);
  if (fixed == 0) return Unrelated{};
  if (payload.size() < fixed) return Malformed{"message shorter than its fixed header"};
  if (!family_followed(header.nlmsg_type, static_cast<uint8_t>(payload[0]))) return Unrelated{};

  // libnl parses from a copy it owns; the copy also gives its attribute lookups a mutable header.
  std::unique_ptr<nl_msg, MessageFreer> copy(
      nlmsg_convert(const_cast<nlmsghdr*>(reinterpret_cast<const nlmsghdr*>(message.data()))));
  if (!copy) return Malformed{"out of memory"};
  nlmsg_set_proto(copy.get(), NETLINK_ROUTE);
  if (fixed == sizeof(rtmsg)) {
    nlmsghdr* copied = nlmsg_hdr(copy.get());
    if (!via_well_formed(static_cast<const uint8_t*>(nlmsg_data(copied)) + NLMSG_ALIGN(sizeof(rtmsg)),
                         static_cast<size_t>(nlmsg_attrlen(copied, sizeof(rtmsg)))))
      return Malformed{"RTA_VIA shorter than its address"};
    if (!multipath_well_formed(copied)) return Malformed{"multipath next hop with a bad length"};
  }
  const uint16_t type = header.nlmsg_type;
  ParseContext context{
      nlmsg_hdr(copy.get()),
      type == RTM_DELLINK || type == RTM_DELADDR || type == RTM_DELROUTE || type == RTM_DELNEIGH,
      std::nullopt};
  const int result = nl_msg_parse(copy.get(), take_object, &context);
  if (result < 0 || !context.change) return Malformed{"libnl refused the message"};
  return std::move(*context.change);
}

}  // namespace

ParsedMessage parse_netlink_message(std::span<const std::byte> message) {
  nlmsghdr header{};
  if (message.size() < sizeof(header)) return {Malformed{"shorter than a netlink header"}};
  std::memcpy(&header, message.data(), sizeof(header));
  if (header.nlmsg_len < NLMSG_HDRLEN || header.nlmsg_len > message.size())
    return {Malformed{"netlink length does not match the message"}, header.nlmsg_seq};
  return {parse_change(message.first(header.nlmsg_len), header), header.nlmsg_seq,
          (header.nlmsg_flags & NLM_F_DUMP_INTR) != 0};
}

void for_each_netlink_message(std::span<const std::byte> buffer,
                              const std::function<void(const ParsedMessage&)>& handle) {
  while (!buffer.empty()) {
    nlmsghdr header{};
    if (buffer.size() < sizeof(header)) {
      handle({Malformed{"trailing bytes shorter than a netlink header"}});
      return;
    }
    std::memcpy(&header, buffer.data(), sizeof(header));
    if (header.nlmsg_len < NLMSG_HDRLEN || header.nlmsg_len > buffer.size()) {
      handle({Malformed{"netlink length runs past the buffer"}, header.nlmsg_seq});
      return;
    }
    handle(parse_netlink_message(buffer.first(header.nlmsg_len)));
    buffer = buffer.subspan(std::min<size_t>(NLMSG_ALIGN(header.nlmsg_len), buffer.size()));
  }
}

}  // namespace torwart::controlplane
