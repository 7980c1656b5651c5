#include "dataplane/ids/flowbits.hpp"

#include <gtest/gtest.h>

#include <array>

namespace torwart::dataplane::ids {
namespace {

TEST(FlowbitNames, IdsAreAssignedInFirstSeenOrderAndFound) {
  FlowbitNames names;
  EXPECT_EQ(names.id_of("ET.http.login"), 0);
  EXPECT_EQ(names.id_of("ET.smb.session"), 1);
  EXPECT_EQ(names.id_of("ET.http.login"), 0);
  EXPECT_EQ(names.size(), 2u);
  EXPECT_EQ(names.find("ET.smb.session"), std::optional<uint16_t>(1));
  EXPECT_EQ(names.find("never.set"), std::nullopt);
  EXPECT_EQ(names.size(), 2u);  // find does not assign
}

TEST(FlowbitTable, SetIsVisibleToLaterPacketsOfTheFlowOnly) {
  FlowbitTable table(4);
  EXPECT_EQ(table.flow_slots(), 4u);
  table.set(2, 77, 5);
  EXPECT_TRUE(table.isset(2, 77, 5));
  EXPECT_FALSE(table.isset(2, 77, 6));
  EXPECT_FALSE(table.isset(1, 77, 5));  // another slot
  EXPECT_FALSE(table.isset(2, 78, 5));  // another flow in the same slot
  table.set(2, 77, 5);                  // setting twice holds the bit once
  EXPECT_EQ(table.count(2, 77), 1u);
}

TEST(FlowbitTable, UnsetAndToggle) {
  FlowbitTable table(1);
  table.set(0, 9, 1);
  table.set(0, 9, 2);
  table.set(0, 9, 3);
  table.unset(0, 9, 2);
  EXPECT_TRUE(table.isset(0, 9, 1));
  EXPECT_FALSE(table.isset(0, 9, 2));
  EXPECT_TRUE(table.isset(0, 9, 3));
  table.unset(0, 9, 2);  // unsetting an unset bit changes nothing
  EXPECT_EQ(table.count(0, 9), 2u);
  table.toggle(0, 9, 3);
  EXPECT_FALSE(table.isset(0, 9, 3));
  table.toggle(0, 9, 4);
  EXPECT_TRUE(table.isset(0, 9, 4));
  table.toggle(0, 9, 4);
  EXPECT_FALSE(table.isset(0, 9, 4));
  EXPECT_EQ(table.count(0, 9), 1u);
  EXPECT_TRUE(table.isset(0, 9, 1));
}

TEST(FlowbitTable, AnyAndAllFollowSuricatasCombinators) {
  FlowbitTable table(1);
  table.set(0, 1, 10);
  table.set(0, 1, 11);
  const std::array<uint16_t, 2> both_set{10, 11};
  const std::array<uint16_t, 2> one_set{10, 12};
  const std::array<uint16_t, 2> none_set{12, 13};
  EXPECT_TRUE(table.all_set(0, 1, both_set));
  EXPECT_FALSE(table.all_set(0, 1, one_set));
  EXPECT_TRUE(table.any_set(0, 1, one_set));
  EXPECT_FALSE(table.any_set(0, 1, none_set));
  EXPECT_FALSE(table.any_set(0, 1, {}));
  EXPECT_TRUE(table.all_set(0, 1, {}));
  EXPECT_FALSE(table.any_set(0, 2, both_set));  // another flow holds none of them
  EXPECT_FALSE(table.all_set(0, 2, both_set));
}

TEST(FlowbitTable, SlotReusedByANewFlowStartsEmpty) {
  FlowbitTable table(2);
  table.set(1, 100, 3);
  table.set(1, 100, 4);
  // Flow 100 ended without clear(); flow 200 took its slot.
  EXPECT_FALSE(table.isset(1, 200, 3));
  EXPECT_EQ(table.count(1, 200), 0u);
  table.set(1, 200, 5);  // the first write resets the slot for its new owner
  EXPECT_EQ(table.count(1, 200), 1u);
  EXPECT_TRUE(table.isset(1, 200, 5));
  EXPECT_FALSE(table.isset(1, 200, 3));
  EXPECT_FALSE(table.isset(1, 100, 5));  // the old flow sees nothing of the new one's bits
  table.toggle(0, 300, 7);
  table.unset(0, 400, 8);  // a write by another flow empties the slot even when it removes nothing
  EXPECT_FALSE(table.isset(0, 300, 7));
  EXPECT_EQ(table.count(0, 400), 0u);
}

TEST(FlowbitTable, ClearEndsTheFlowsBits) {
  FlowbitTable table(1);
  table.set(0, 5, 1);
  table.set(0, 5, 2);
  table.clear(0);
  EXPECT_FALSE(table.isset(0, 5, 1));
  EXPECT_EQ(table.count(0, 5), 0u);
  table.set(0, 5, 2);
  EXPECT_TRUE(table.isset(0, 5, 2));
}

TEST(FlowbitTable, SetsBeyondCapacityAreRefusedAndCounted) {
  FlowbitTable table(1);
  for (uint16_t bit = 0; bit < kFlowbitsPerFlow; ++bit) table.set(0, 1, bit);
  EXPECT_EQ(table.count(0, 1), kFlowbitsPerFlow);
  EXPECT_EQ(table.counters().full, 0u);
  table.set(0, 1, 3);  // already held: no new room needed
  EXPECT_EQ(table.counters().full, 0u);
  table.set(0, 1, 100);
  EXPECT_FALSE(table.isset(0, 1, 100));
  EXPECT_EQ(table.counters().full, 1u);
  table.toggle(0, 1, 101);  // a toggle that would set is refused the same way
  EXPECT_FALSE(table.isset(0, 1, 101));
  EXPECT_EQ(table.counters().full, 2u);
  for (uint16_t bit = 0; bit < kFlowbitsPerFlow; ++bit) EXPECT_TRUE(table.isset(0, 1, bit));
  table.unset(0, 1, 0);  // room again
  table.set(0, 1, 100);
  EXPECT_TRUE(table.isset(0, 1, 100));
  EXPECT_EQ(table.counters().full, 2u);
}

}  // namespace
}  // namespace torwart::dataplane::ids
