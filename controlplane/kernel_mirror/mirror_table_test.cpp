#include "controlplane/kernel_mirror/mirror_table.hpp"

#include <gtest/gtest.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "dataplane/control_protocol/twin_routes.hpp"

namespace torwart::controlplane {
namespace {

using config::InterfaceAddress;
using config::IpAddress;
using config::IpPrefix;

constexpr int kLan = 3;
constexpr int kOther = 4;

RouteChange route(const char* destination, int ifindex, uint32_t metric = 0, uint8_t type = RTN_UNICAST) {
  RouteChange change;
  change.table = RT_TABLE_MAIN;
  change.type = type;
  change.protocol = RTPROT_STATIC;
  change.metric = metric;
  change.destination = *IpPrefix::parse(destination);
  if (ifindex > 0) change.hops.push_back({ifindex, IpAddress::parse("192.0.2.254")});
  return change;
}

RouteKey key(const char* destination, uint32_t metric = 0) {
  return {*IpPrefix::parse(destination), metric};
}

class MirrorTableTest : public ::testing::Test {
 protected:
  explicit MirrorTableTest(MirrorLimits limits = {}) : table_({"lan", "kdn"}, limits, statistics_) {
    table_.apply(LinkChange{false, kLan, "lan", true});
    table_.apply(LinkChange{false, kOther, "eth9", true});
  }
  const KernelState& state() const { return table_.state(); }

  MirrorStatistics statistics_;
  MirrorTable table_;
};

TEST_F(MirrorTableTest, RouteOnATwinIsTakenWithItsOrigin) {
  RouteChange change = route("198.51.100.0/24", kLan, 100);
  change.protocol = RTPROT_DHCP;
  EXPECT_EQ(table_.apply(change), ApplyOutcome::kChanged);
  ASSERT_EQ(state().routes.count(key("198.51.100.0/24", 100)), 1u);
  const KernelRoute& taken = state().routes.at(key("198.51.100.0/24", 100));
  EXPECT_EQ(taken.interface, "lan");
  EXPECT_EQ(taken.origin, "dhcp");
  EXPECT_EQ(taken.gateway, IpAddress::parse("192.0.2.254"));
  EXPECT_EQ(state().interfaces, std::vector<std::string>{"lan"});
  change.removed = true;
  EXPECT_EQ(table_.apply(change), ApplyOutcome::kChanged);
  EXPECT_TRUE(state().routes.empty());
}

TEST_F(MirrorTableTest, OtherInterfacesAndTheLocalTableAreIgnored) {
  table_.apply(route("198.51.100.0/24", kOther));
  RouteChange local = route("192.0.2.1/32", kLan);
  local.table = RT_TABLE_LOCAL;
  local.type = RTN_LOCAL;
  table_.apply(local);
  EXPECT_TRUE(state().routes.empty());
  EXPECT_EQ(statistics_.counters().ignored, 3u);  // eth9's link, its route, the local route
  EXPECT_EQ(statistics_.counters().refused_total(), 0u);
}

TEST_F(MirrorTableTest, TheConfigurationsOwnRoutesOnTheTwinsAreNotLearned) {
  RouteChange given = route("10.0.0.0/8", kLan);
  given.protocol = control_protocol::kTwinRouteProtocol;
  EXPECT_EQ(table_.apply(given), ApplyOutcome::kUnchanged);
  EXPECT_TRUE(state().routes.empty());
  // One that replaces a learned route of the same prefix and metric: the kernel holds only it now.
  EXPECT_EQ(table_.apply(route("172.16.0.0/12", kLan)), ApplyOutcome::kChanged);
  RouteChange replacing = route("172.16.0.0/12", kLan);
  replacing.protocol = control_protocol::kTwinRouteProtocol;
  EXPECT_EQ(table_.apply(replacing), ApplyOutcome::kChanged);
  EXPECT_TRUE(state().routes.empty());
}

TEST_F(MirrorTableTest, RoutesTheFastPathCannotHoldAreRefusedWithTheirReason) {
  table_.apply(route("10.1.0.0/16", 0, 0, RTN_BLACKHOLE));
  table_.apply(route("10.2.0.0/16", 0, 0, RTN_UNREACHABLE));
  table_.apply(route("10.3.0.0/16", 0, 0, RTN_PROHIBIT));
  RouteChange multipath = route("10.4.0.0/16", kLan);
  multipath.hops.push_back({kOther, std::nullopt});
  table_.apply(multipath);
  RouteChange object = route("10.5.0.0/16", 0);
  object.uses_nexthop_object = true;
  table_.apply(object);
  RouteChange other_table = route("10.6.0.0/16", kLan);
  other_table.table = 100;
  table_.apply(other_table);
  EXPECT_TRUE(state().routes.empty());
  const MirrorCounters& counters = statistics_.counters();
  for (Refusal refusal : {Refusal::kBlackhole, Refusal::kUnreachable, Refusal::kProhibit, Refusal::kMultipath,
                          Refusal::kNexthopObject, Refusal::kOtherTable})
    EXPECT_EQ(counters.refused_for(refusal), 1u) << refusal_name(refusal);
  ASSERT_EQ(statistics_.recent_refusals().size(), 6u);
  EXPECT_EQ(statistics_.recent_refusals().front(), "10.1.0.0/16 metric 0 table 254: blackhole route");
}

TEST_F(MirrorTableTest, ARefusedReplacementRemovesWhatItReplaced) {
  table_.apply(route("10.1.0.0/16", kLan));
  EXPECT_EQ(table_.apply(route("10.1.0.0/16", 0, 0, RTN_BLACKHOLE)), ApplyOutcome::kChanged);
  EXPECT_TRUE(state().routes.empty());
  table_.apply(route("10.2.0.0/16", kLan));
  EXPECT_EQ(table_.apply(route("10.2.0.0/16", kOther)),
            ApplyOutcome::kChanged);  // moved to an unwatched port
  EXPECT_TRUE(state().routes.empty());
}

class LimitedMirrorTableTest : public MirrorTableTest {
 protected:
  LimitedMirrorTableTest() : MirrorTableTest({2, 1, 1}) {}
};

TEST_F(LimitedMirrorTableTest, BeyondTheLimitsIsRefusedAndReplacingStillWorks) {
  table_.apply(route("10.1.0.0/16", kLan));
  table_.apply(route("10.2.0.0/16", kLan));
  EXPECT_EQ(table_.apply(route("10.3.0.0/16", kLan)), ApplyOutcome::kUnchanged);
  EXPECT_EQ(statistics_.counters().refused_for(Refusal::kRouteLimit), 1u);
  RouteChange replacement = route("10.2.0.0/16", kLan);
  replacement.protocol = RTPROT_BOOT;
  EXPECT_EQ(table_.apply(replacement), ApplyOutcome::kChanged);
  EXPECT_EQ(state().routes.size(), 2u);
  EXPECT_EQ(state().routes.at(key("10.2.0.0/16")).origin, "boot");

  table_.apply(AddressChange{false, kLan, *InterfaceAddress::parse("192.0.2.1/24")});
  table_.apply(AddressChange{false, kLan, *InterfaceAddress::parse("192.0.2.2/24")});
  EXPECT_EQ(state().addresses.size(), 1u);
  EXPECT_EQ(statistics_.counters().refused_for(Refusal::kAddressLimit), 1u);

  table_.apply(
      NeighbourChange{false, kLan, *IpAddress::parse("192.0.2.7"), std::nullopt, NeighbourState::kStale});
  table_.apply(
      NeighbourChange{false, kLan, *IpAddress::parse("192.0.2.8"), std::nullopt, NeighbourState::kStale});
  EXPECT_EQ(state().neighbours.size(), 1u);
  EXPECT_EQ(statistics_.counters().refused_for(Refusal::kNeighbourLimit), 1u);
}

TEST_F(MirrorTableTest, AnInterfaceThatGoesTakesItsStateAndMayComeBackUnderAnotherIndex) {
  table_.apply(AddressChange{false, kLan, *InterfaceAddress::parse("192.0.2.1/24")});
  table_.apply(route("10.1.0.0/16", kLan));
  table_.apply(
      NeighbourChange{false, kLan, *IpAddress::parse("192.0.2.7"), std::nullopt, NeighbourState::kFailed});
  EXPECT_EQ(table_.apply(LinkChange{true, kLan, "lan", false}), ApplyOutcome::kChanged);
  EXPECT_EQ(state(), KernelState{});

  EXPECT_EQ(table_.apply(LinkChange{false, 9, "lan", true}), ApplyOutcome::kChanged);
  table_.apply(route("10.1.0.0/16", 9));
  table_.apply(route("10.9.0.0/16", kLan));  // the old index means nothing now
  ASSERT_EQ(state().routes.size(), 1u);
  EXPECT_EQ(state().routes.begin()->second.interface, "lan");
}

TEST_F(MirrorTableTest, ChangesTheKernelDoesNotAnnounceAskForAResync) {
  table_.apply(AddressChange{false, kLan, *InterfaceAddress::parse("192.0.2.1/24")});
  EXPECT_EQ(table_.apply(AddressChange{true, kLan, *InterfaceAddress::parse("192.0.2.1/24")}),
            ApplyOutcome::kNeedsResync);
  EXPECT_EQ(table_.apply(LinkChange{false, kLan, "lan", false}), ApplyOutcome::kNeedsResync);   // went down
  EXPECT_EQ(table_.apply(LinkChange{false, kOther, "kdn", true}), ApplyOutcome::kNeedsResync);  // renamed in
}

TEST_F(MirrorTableTest, NeighbourUpdatesReplaceTheEntry) {
  const IpAddress address = *IpAddress::parse("192.0.2.7");
  table_.apply(NeighbourChange{false, kLan, address, std::nullopt, NeighbourState::kIncomplete});
  const auto mac = config::MacAddress::parse("02:00:00:00:00:07");
  EXPECT_EQ(table_.apply(NeighbourChange{false, kLan, address, mac, NeighbourState::kReachable}),
            ApplyOutcome::kChanged);
  EXPECT_EQ(table_.apply(NeighbourChange{false, kLan, address, mac, NeighbourState::kReachable}),
            ApplyOutcome::kUnchanged);
  ASSERT_EQ(state().neighbours.size(), 1u);
  EXPECT_EQ(state().neighbours.begin()->second.mac, mac);
  EXPECT_EQ(table_.apply(NeighbourChange{true, kLan, address, mac, NeighbourState::kReachable}),
            ApplyOutcome::kChanged);
  EXPECT_TRUE(state().neighbours.empty());
}

TEST_F(MirrorTableTest, MalformedMessagesAreCounted) {
  EXPECT_EQ(table_.apply(Malformed{"x"}), ApplyOutcome::kUnchanged);
  EXPECT_EQ(statistics_.counters().malformed, 1u);
}

TEST(MirrorSettings, BadNamesAndLimitsAreRefused) {
  EXPECT_THROW(check_mirror_settings({"lan", "lan"}, {}), std::invalid_argument);
  EXPECT_THROW(check_mirror_settings({"a/b"}, {}), std::invalid_argument);
  EXPECT_THROW(check_mirror_settings({"sixteen-chars-xx"}, {}), std::invalid_argument);
  EXPECT_THROW(check_mirror_settings({""}, {}), std::invalid_argument);
  EXPECT_THROW(check_mirror_settings({"lan"}, {0, 1, 1}), std::invalid_argument);
  EXPECT_NO_THROW(check_mirror_settings({"lan", "kdn", "inet"}, {}));
}

}  // namespace
}  // namespace torwart::controlplane
