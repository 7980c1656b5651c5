#include <gtest/gtest.h>

#include "dataplane/conntrack/conntrack_test_support.hpp"

namespace torwart::dataplane::conntrack {
namespace {

using namespace testing_support;

constexpr Direction kOrig = Direction::kOriginal;
constexpr Direction kReply = Direction::kReply;

class PseudoConnections : public ::testing::Test {
 protected:
  // Looks the packet up, creating the flow for an opener; returns the direction found.
  Direction deliver(const Packet& p) {
    LookupResult found = table.lookup(p.tuple(), now, ends);
    if (found.flow == nullptr) {
      EXPECT_TRUE(may_open(p.meta(), p.mbuf()));
      found = {table.create(p.tuple(), mirror(p.tuple()), now, ends).flow, kOrig};
    }
    EXPECT_NE(found.flow, nullptr);
    flow = found.flow;
    EXPECT_EQ(table.track(*flow, found.direction, p.meta(), p.mbuf(), now), TrackVerdict::kAccept);
    return found.direction;
  }

  FlowTable table{FlowTableConfig{.max_flows = 16}, 0};
  uint64_t now = 77 * kNsPerSecond;
  FlowEndCallback ends = FlowEndCallback::ignore();
  Flow* flow = nullptr;
};

TEST_F(PseudoConnections, UdpBecomesEstablishedOnAReply) {
  const Endpoint client{"192.168.10.10", 5353};
  const Endpoint resolver{"203.0.113.53", 53};
  Packet query(udp_frame(client, resolver, 30));
  Packet answer(udp_frame(resolver, client, 90));
  EXPECT_EQ(deliver(query), kOrig);
  EXPECT_EQ(flow->state, FlowState::kUdpUnreplied);
  EXPECT_EQ(table.timeout_of(*flow), 30 * kNsPerSecond);
  EXPECT_FALSE(is_established(flow->state));
  EXPECT_EQ(deliver(query), kOrig);
  EXPECT_EQ(flow->state, FlowState::kUdpUnreplied);
  now += 29 * kNsPerSecond;
  EXPECT_EQ(deliver(answer), kReply);
  EXPECT_EQ(flow->state, FlowState::kUdpReplied);
  EXPECT_TRUE(is_established(flow->state));
  EXPECT_EQ(table.timeout_of(*flow), 180 * kNsPerSecond);
  EXPECT_EQ(flow->packets[0], 2u);
  EXPECT_EQ(flow->packets[1], 1u);
  EXPECT_EQ(flow->last_seen_ns, now);
  EXPECT_EQ(table.lookup(query.tuple(), now + 180 * kNsPerSecond - 1, ends).flow, flow);
  EXPECT_EQ(table.lookup(query.tuple(), now + 180 * kNsPerSecond, ends).flow, nullptr);
}

TEST_F(PseudoConnections, UnrepliedUdpExpiresAfterThirtySeconds) {
  Packet query(udp_frame({"192.168.10.10", 5353}, {"203.0.113.53", 53}));
  deliver(query);
  EXPECT_NE(table.lookup(query.tuple(), now + 30 * kNsPerSecond - 1, ends).flow, nullptr);
  EXPECT_EQ(table.lookup(query.tuple(), now + 30 * kNsPerSecond, ends).flow, nullptr);
}

TEST_F(PseudoConnections, IcmpEchoMatchesByIdentifier) {
  Packet request(test::ipv4_frame({}, {.source = "192.168.10.10", .destination = "203.0.113.9"},
                                  test::icmp_echo_request(0x1234, 1)));
  Packet reply(test::ipv4_frame({}, {.source = "203.0.113.9", .destination = "192.168.10.10"},
                                test::icmp_echo_reply(0x1234, 1)));
  Packet other_id(test::ipv4_frame({}, {.source = "203.0.113.9", .destination = "192.168.10.10"},
                                   test::icmp_echo_reply(0x4321, 1)));
  EXPECT_FALSE(may_open(reply.meta(), reply.mbuf()));
  EXPECT_EQ(deliver(request), kOrig);
  EXPECT_EQ(flow->state, FlowState::kIcmpUnreplied);
  EXPECT_EQ(request.tuple().source_port, 0x1234);
  EXPECT_EQ(request.tuple().destination_port, 0x1234);
  EXPECT_EQ(flow->icmp_type[0], 8);
  EXPECT_EQ(deliver(reply), kReply);
  EXPECT_EQ(flow->state, FlowState::kIcmpReplied);
  EXPECT_EQ(flow->icmp_type[0], 8);  // the first message of each direction, for EVE and community_id
  EXPECT_EQ(flow->icmp_code[0], 0);
  EXPECT_EQ(flow->icmp_type[1], 0);
  EXPECT_EQ(flow->icmp_code[1], 0);
  EXPECT_FALSE(is_established(flow->state));  // echo is never protected from eviction
  EXPECT_EQ(table.lookup(other_id.tuple(), now, ends).flow, nullptr);
  EXPECT_EQ(table.timeout_of(*flow), 30 * kNsPerSecond);
  EXPECT_EQ(table.lookup(request.tuple(), now + 30 * kNsPerSecond, ends).flow, nullptr);
}

TEST_F(PseudoConnections, Icmpv6EchoMatchesByIdentifier) {
  Packet request(test::ipv6_frame({}, {.source = "2001:db8:10::10", .destination = "2001:db8:f00::9"},
                                  test::icmpv6_echo_request(77, 1)));
  Packet reply(test::ipv6_frame({}, {.source = "2001:db8:f00::9", .destination = "2001:db8:10::10"},
                                test::icmpv6_echo_reply(77, 1)));
  EXPECT_EQ(deliver(request), kOrig);
  EXPECT_EQ(deliver(reply), kReply);
  EXPECT_EQ(flow->state, FlowState::kIcmpReplied);
  EXPECT_EQ(flow->icmp_type[0], 128);
  EXPECT_EQ(flow->icmp_type[1], 129);
}

// A monitored capture may begin with the reply (monitor_track opens any echo): its type is the original's.
TEST_F(PseudoConnections, AFlowOpenedByAnEchoReplyKeepsTheReplyType) {
  Packet reply(test::ipv4_frame({}, {.source = "203.0.113.9", .destination = "192.168.10.10"},
                                test::icmp_echo_reply(0x1234, 1)));
  Packet request(test::ipv4_frame({}, {.source = "192.168.10.10", .destination = "203.0.113.9"},
                                  test::icmp_echo_request(0x1234, 2)));
  flow = table.create(reply.tuple(), mirror(reply.tuple()), now, ends).flow;
  ASSERT_NE(flow, nullptr);
  EXPECT_EQ(table.track(*flow, kOrig, reply.meta(), reply.mbuf(), now), TrackVerdict::kAccept);
  EXPECT_EQ(deliver(request), kReply);
  EXPECT_EQ(flow->icmp_type[0], 0);
  EXPECT_EQ(flow->icmp_type[1], 8);
}

TEST_F(PseudoConnections, OtherProtocolsAreTrackedByAddresses) {
  Packet gre(test::ipv4_frame({}, {.source = "192.168.10.10", .destination = "203.0.113.9"},
                              test::RawTransport{47, test::Bytes(20, 0)}));
  Packet back(test::ipv4_frame({}, {.source = "203.0.113.9", .destination = "192.168.10.10"},
                               test::RawTransport{47, test::Bytes(20, 0)}));
  EXPECT_EQ(deliver(gre), kOrig);
  EXPECT_EQ(flow->state, FlowState::kOtherUnreplied);
  EXPECT_EQ(deliver(back), kReply);
  EXPECT_EQ(flow->state, FlowState::kOtherReplied);
}

TEST_F(PseudoConnections, IcmpErrorsAndNonEchoHaveNoTupleOfTheirOwn) {
  Packet echo(test::ipv4_frame({}, {.source = "192.168.10.10", .destination = "203.0.113.9"},
                               test::icmp_echo_request(1, 1)));
  const test::Bytes quoted = test::ipv4_datagram({}, test::Udp{});
  Packet error(test::ipv4_frame({}, {.source = "203.0.113.9", .destination = "192.168.10.10"},
                                test::icmp_error(3, 3, quoted)));
  Packet timestamp(test::ipv4_frame({}, {.source = "192.168.10.10", .destination = "203.0.113.9"},
                                    test::Icmp{.type = 13}));
  FlowTuple t;
  EXPECT_TRUE(tuple_of_packet(echo.meta(), echo.mbuf(), t));
  EXPECT_FALSE(tuple_of_packet(error.meta(), error.mbuf(), t));
  EXPECT_FALSE(may_open(error.meta(), error.mbuf()));
  EXPECT_FALSE(tuple_of_packet(timestamp.meta(), timestamp.mbuf(), t));
}

}  // namespace
}  // namespace torwart::dataplane::conntrack
