// What torwartd tells the fast path of the mirror's state.
#include "controlplane/kernel_mirror/learned_publisher.hpp"

#include <gtest/gtest.h>

namespace torwart::controlplane {
namespace {

TEST(ToLearned, AddressesAndRoutesAsTheyAreNeighboursOnlyWhenPermanent) {
  KernelState state;
  state.interfaces = {"inet", "kdn"};
  const auto lease = *config::InterfaceAddress::parse("203.0.113.50/24");
  state.addresses[{"inet", lease}] = {"inet", lease};
  const auto prefix = *config::IpPrefix::parse("0.0.0.0/0");
  state.routes[{prefix, 0}] = {prefix, config::IpAddress::parse("203.0.113.1"), "inet", 0, 254, 16, "dhcp"};
  const auto pinned = *config::IpAddress::parse("10.200.0.9");
  const auto seen = *config::IpAddress::parse("10.200.0.1");
  const auto mac = *config::MacAddress::parse("02:00:00:00:02:09");
  state.neighbours[{"kdn", pinned}] = {"kdn", pinned, mac, NeighbourState::kPermanent};
  state.neighbours[{"kdn", seen}] = {"kdn", seen, mac, NeighbourState::kReachable};

  const learned::LearnedState learned = to_learned(state);
  ASSERT_EQ(learned.addresses.size(), 1u);
  EXPECT_EQ(learned.addresses[0], (learned::LearnedAddress{"inet", lease}));
  ASSERT_EQ(learned.routes.size(), 1u);
  EXPECT_EQ(learned.routes[0].origin, "dhcp");
  EXPECT_EQ(learned.routes[0].via, config::IpAddress::parse("203.0.113.1"));
  ASSERT_EQ(learned.neighbours.size(), 1u) << "the reachable one is learned from the wire by both sides";
  EXPECT_EQ(learned.neighbours[0].address, pinned);
  EXPECT_EQ(learned.generation, 0u) << "the publisher numbers what it sends";
}

}  // namespace
}  // namespace torwart::controlplane
