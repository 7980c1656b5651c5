#include "controlplane/kernel_mirror/netlink_message.hpp"

#include <gtest/gtest.h>

#include "controlplane/kernel_mirror/netlink_test_messages.hpp"

namespace torwart::controlplane {
namespace {

using namespace test_messages;
using config::IpAddress;
using config::IpPrefix;

NetlinkChange parse(const Bytes& bytes) {
  return parse_netlink_message(bytes).change;
}

constexpr uint8_t kNet[4] = {198, 51, 100, 0};
constexpr uint8_t kGateway[4] = {192, 0, 2, 254};

TEST(NetlinkMessage, RouteWithGatewayMetricAndOrigin) {
  const auto change = parse(ipv4_route(RTM_NEWROUTE, kNet, 24, 3, kGateway, 100, RTPROT_DHCP));
  const auto* route = std::get_if<RouteChange>(&change);
  ASSERT_NE(route, nullptr);
  EXPECT_FALSE(route->removed);
  EXPECT_EQ(route->destination, *IpPrefix::parse("198.51.100.0/24"));
  EXPECT_EQ(route->table, RT_TABLE_MAIN);
  EXPECT_EQ(route->type, RTN_UNICAST);
  EXPECT_EQ(route->protocol, RTPROT_DHCP);
  EXPECT_EQ(route->metric, 100u);
  ASSERT_EQ(route->hops.size(), 1u);
  EXPECT_EQ(route->hops[0].ifindex, 3);
  EXPECT_EQ(route->hops[0].gateway, IpAddress::parse("192.0.2.254"));
  EXPECT_FALSE(route->uses_nexthop_object);
}

TEST(NetlinkMessage, DefaultRouteHasNoDestinationAttribute) {
  const auto change = parse(ipv4_route(RTM_DELROUTE, kNet, 0, 3, kGateway, 0));
  const auto* route = std::get_if<RouteChange>(&change);
  ASSERT_NE(route, nullptr);
  EXPECT_TRUE(route->removed);
  EXPECT_EQ(route->destination, *IpPrefix::parse("0.0.0.0/0"));
}

TEST(NetlinkMessage, Ipv6RouteWithoutGatewayIsConnected) {
  const auto change =
      parse(message(RTM_NEWROUTE, route_header(AF_INET6, 64, RTN_UNICAST, RTPROT_KERNEL), [](nl_msg* m) {
        const uint8_t destination[16] = {0x20, 0x01, 0x0d, 0xb8};
        nla_put(m, RTA_DST, 16, destination);
        nla_put_u32(m, RTA_OIF, 7);
      }));
  const auto* route = std::get_if<RouteChange>(&change);
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->destination, *IpPrefix::parse("2001:db8::/64"));
  ASSERT_EQ(route->hops.size(), 1u);
  EXPECT_FALSE(route->hops[0].gateway);
}

TEST(NetlinkMessage, MultipathAndNexthopObjectsAreVisible) {
  const auto multipath = parse(message(RTM_NEWROUTE, route_header(AF_INET, 24), [](nl_msg* m) {
    nla_put(m, RTA_DST, 4, kNet);
    nlattr* hops = nla_nest_start(m, RTA_MULTIPATH);
    for (int ifindex : {3, 4}) {
      rtnexthop hop{};
      hop.rtnh_len = sizeof(hop);
      hop.rtnh_ifindex = ifindex;
      nlmsg_append(m, &hop, sizeof(hop), NLMSG_ALIGNTO);
    }
    nla_nest_end(m, hops);
  }));
  ASSERT_TRUE(std::holds_alternative<RouteChange>(multipath));
  EXPECT_EQ(std::get<RouteChange>(multipath).hops.size(), 2u);

  const auto object = parse(message(RTM_NEWROUTE, route_header(AF_INET, 24), [](nl_msg* m) {
    nla_put(m, RTA_DST, 4, kNet);
    nla_put_u32(m, RTA_NH_ID, 12);
  }));
  ASSERT_TRUE(std::holds_alternative<RouteChange>(object));
  EXPECT_TRUE(std::get<RouteChange>(object).uses_nexthop_object);
}

// The fuzz target's first finding: libnl 3.7 loops allocating on a next hop of length 0.
TEST(NetlinkMessage, MultipathWithAZeroLengthHopIsMalformed) {
  const auto change = parse(message(RTM_NEWROUTE, route_header(AF_INET, 24), [](nl_msg* m) {
    nla_put(m, RTA_DST, 4, kNet);
    nlattr* hops = nla_nest_start(m, RTA_MULTIPATH);
    rtnexthop hop{};
    hop.rtnh_len = sizeof(hop);
    nlmsg_append(m, &hop, sizeof(hop), NLMSG_ALIGNTO);
    hop.rtnh_len = 0;
    nlmsg_append(m, &hop, sizeof(hop), NLMSG_ALIGNTO);
    nla_nest_end(m, hops);
  }));
  EXPECT_TRUE(std::holds_alternative<Malformed>(change));
}

TEST(NetlinkMessage, BlackholeTypeIsKept) {
  const auto change = parse(message(RTM_NEWROUTE, route_header(AF_INET, 24, RTN_BLACKHOLE),
                                    [](nl_msg* m) { nla_put(m, RTA_DST, 4, kNet); }));
  ASSERT_TRUE(std::holds_alternative<RouteChange>(change));
  EXPECT_EQ(std::get<RouteChange>(change).type, RTN_BLACKHOLE);
  EXPECT_TRUE(std::get<RouteChange>(change).hops.empty());
}

TEST(NetlinkMessage, DestinationWithHostBitsIsMalformed) {
  const uint8_t host[4] = {198, 51, 100, 7};
  EXPECT_TRUE(std::holds_alternative<Malformed>(parse(ipv4_route(RTM_NEWROUTE, host, 24, 3, nullptr, 0))));
}

TEST(NetlinkMessage, PrefixLongerThanTheFamilyIsMalformed) {
  EXPECT_TRUE(std::holds_alternative<Malformed>(parse(ipv4_route(RTM_NEWROUTE, kNet, 33, 3, nullptr, 0))));
}

TEST(NetlinkMessage, MulticastRoutingFamilyIsUnrelated) {
  EXPECT_TRUE(
      std::holds_alternative<Unrelated>(parse(message(RTM_NEWROUTE, route_header(RTNL_FAMILY_IPMR, 32)))));
}

TEST(NetlinkMessage, Address) {
  const uint8_t address[4] = {192, 0, 2, 1};
  const auto change = parse(ipv4_address(RTM_NEWADDR, 3, address, 24));
  const auto* parsed = std::get_if<AddressChange>(&change);
  ASSERT_NE(parsed, nullptr);
  EXPECT_EQ(parsed->ifindex, 3);
  EXPECT_EQ(parsed->address, *config::InterfaceAddress::parse("192.0.2.1/24"));
  EXPECT_TRUE(std::get<AddressChange>(parse(ipv4_address(RTM_DELADDR, 3, address, 24))).removed);
}

TEST(NetlinkMessage, NeighbourWithMacAndState) {
  const uint8_t address[4] = {192, 0, 2, 7};
  const uint8_t mac[6] = {2, 0, 0, 0, 0, 7};
  const auto change = parse(ipv4_neighbour(RTM_NEWNEIGH, 3, address, mac, NUD_PERMANENT));
  const auto* neighbour = std::get_if<NeighbourChange>(&change);
  ASSERT_NE(neighbour, nullptr);
  EXPECT_EQ(neighbour->address, IpAddress::parse("192.0.2.7"));
  EXPECT_EQ(neighbour->mac, config::MacAddress::parse("02:00:00:00:00:07"));
  EXPECT_EQ(neighbour->state, NeighbourState::kPermanent);

  const auto failed = parse(ipv4_neighbour(RTM_NEWNEIGH, 3, address, nullptr, NUD_FAILED));
  ASSERT_TRUE(std::holds_alternative<NeighbourChange>(failed));
  EXPECT_FALSE(std::get<NeighbourChange>(failed).mac);
  EXPECT_EQ(std::get<NeighbourChange>(failed).state, NeighbourState::kFailed);
}

TEST(NetlinkMessage, ProxyNeighbourIsUnrelated) {
  const uint8_t address[4] = {192, 0, 2, 7};
  EXPECT_TRUE(std::holds_alternative<Unrelated>(
      parse(ipv4_neighbour(RTM_NEWNEIGH, 3, address, nullptr, NUD_PERMANENT, NTF_PROXY))));
}

TEST(NetlinkMessage, LinkAndBridgePortMessages) {
  const auto change = parse(link(RTM_NEWLINK, 5, "lan"));
  const auto* parsed = std::get_if<LinkChange>(&change);
  ASSERT_NE(parsed, nullptr);
  EXPECT_EQ(parsed->ifindex, 5);
  EXPECT_EQ(parsed->name, "lan");
  EXPECT_TRUE(parsed->up);
  EXPECT_TRUE(std::get<LinkChange>(parse(link(RTM_DELLINK, 5, "lan", 0))).removed);
  // A port leaving a bridge is an AF_BRIDGE DELLINK: the interface itself stays.
  EXPECT_TRUE(std::holds_alternative<Unrelated>(parse(link(RTM_DELLINK, 5, "lan", 0, AF_BRIDGE))));
}

TEST(NetlinkMessage, LengthsThatDoNotFitAreMalformed) {
  Bytes route = ipv4_route(RTM_NEWROUTE, kNet, 24, 3, kGateway, 100);
  Bytes cut(route.begin(), route.begin() + 20);
  EXPECT_TRUE(std::holds_alternative<Malformed>(parse(cut)));  // nlmsg_len says more than there is
  Bytes short_body = message(RTM_NEWROUTE, uint32_t{0});       // shorter than rtmsg
  EXPECT_TRUE(std::holds_alternative<Malformed>(parse(short_body)));
  EXPECT_TRUE(std::holds_alternative<Malformed>(parse(Bytes(8))));
}

TEST(NetlinkMessage, DoneErrorAndUnknownTypes) {
  EXPECT_TRUE(std::holds_alternative<DumpDone>(parse(message(NLMSG_DONE, uint32_t{0}))));
  nlmsgerr error{};
  error.error = -EBUSY;
  const auto answer = parse(message(NLMSG_ERROR, error));
  ASSERT_TRUE(std::holds_alternative<NetlinkError>(answer));
  EXPECT_EQ(std::get<NetlinkError>(answer).error, -EBUSY);
  EXPECT_TRUE(std::holds_alternative<Unrelated>(parse(message(RTM_NEWRULE, uint64_t{0}))));
}

TEST(NetlinkMessage, BufferWalkStopsAtATruncatedTail) {
  Bytes buffer = link(RTM_NEWLINK, 5, "lan");
  const Bytes second = ipv4_route(RTM_NEWROUTE, kNet, 24, 5, nullptr, 0);
  buffer.insert(buffer.end(), second.begin(), second.end());
  buffer.insert(buffer.end(), second.begin(), second.begin() + 24);
  std::vector<size_t> kinds;
  for_each_netlink_message(buffer,
                           [&](const ParsedMessage& parsed) { kinds.push_back(parsed.change.index()); });
  EXPECT_EQ(kinds,
            (std::vector<size_t>{NetlinkChange(LinkChange{}).index(), NetlinkChange(RouteChange{}).index(),
                                 NetlinkChange(Malformed{}).index()}));
}

}  // namespace
}  // namespace torwart::controlplane
