#include "dataplane/conntrack/flow_table.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <cstring>
#include <map>
#include <random>
#include <stdexcept>
#include <vector>

#include "dataplane/conntrack/conntrack_test_support.hpp"

namespace torwart::dataplane::conntrack {
namespace {

constexpr uint64_t kSecond = kNsPerSecond;

FlowTuple udp4(uint32_t source, uint16_t source_port, uint32_t destination, uint16_t destination_port) {
  return make_ipv4_tuple(htonl(source), htonl(destination), source_port, destination_port, kProtoUdp);
}

FlowTuple nth_flow(uint32_t n) {
  return udp4(0x0a000000u + n, 1024 + (n % 50000), 0xcb007150u, 53);
}

struct EndLog {
  void operator()(const Flow& flow, FlowEndReason reason) { ends.push_back({flow.id, reason}); }
  std::vector<std::pair<uint64_t, FlowEndReason>> ends;
};

TEST(FlowTable, BothDirectionsFindTheFlow) {
  FlowTable table(FlowTableConfig{.max_flows = 8}, 7);
  auto ignore = FlowEndCallback::ignore();
  const FlowTuple forward = udp4(0xc0a80a0a, 40000, 0xcb007150, 53);
  const CreateResult created = table.create(forward, mirror(forward), 100, ignore);
  ASSERT_NE(created.flow, nullptr);
  EXPECT_EQ(created.flow->state, FlowState::kUdpUnreplied);
  EXPECT_EQ(created.flow->first_seen_ns, 100u);
  EXPECT_EQ(created.flow->policy_rule, kNoPolicyRule);
  EXPECT_EQ(created.flow->id, (uint64_t{7} << 48) | 1);
  LookupResult found = table.lookup(forward, 100, ignore);
  EXPECT_EQ(found.flow, created.flow);
  EXPECT_EQ(found.direction, Direction::kOriginal);
  found = table.lookup(mirror(forward), 100, ignore);
  EXPECT_EQ(found.flow, created.flow);
  EXPECT_EQ(found.direction, Direction::kReply);
  FlowTuple other_port = forward;
  other_port.source_port = 40001;
  EXPECT_EQ(table.lookup(other_port, 100, ignore).flow, nullptr);
  EXPECT_EQ(table.size(), 1u);
  const CreateResult second = table.create(other_port, mirror(other_port), 100, ignore);
  EXPECT_EQ(second.flow->id, (uint64_t{7} << 48) | 2);
}

TEST(FlowTable, FlowIdsStartAtTheBaseBelowTwoToThe53) {
  auto ignore = FlowEndCallback::ignore();
  const FlowTuple a = udp4(0xc0a80a0a, 40000, 0xcb007150, 53);
  const FlowTuple b = udp4(0xc0a80a0a, 40001, 0xcb007150, 53);
  // The base's bits above the sequence are ignored; the sequence wraps past 2^48 - 1 and skips 0.
  FlowTable wrapping(
      FlowTableConfig{.max_flows = 8, .flow_id_base = (uint64_t{5} << 48) | kFlowIdSequenceMask},
      kMaxFlowIdWorkers - 1);
  const uint64_t first = wrapping.create(a, mirror(a), 100, ignore).flow->id;
  EXPECT_EQ(first, (uint64_t{31} << 48) | 1);
  EXPECT_LT(first, uint64_t{1} << 53);
  FlowTable based(FlowTableConfig{.max_flows = 8, .flow_id_base = 0x123456789abc}, 3);
  EXPECT_EQ(based.create(a, mirror(a), 100, ignore).flow->id, (uint64_t{3} << 48) | 0x123456789abd);
  EXPECT_EQ(based.create(b, mirror(b), 100, ignore).flow->id, (uint64_t{3} << 48) | 0x123456789abe);
  FlowTable last(FlowTableConfig{.max_flows = 8, .flow_id_base = kFlowIdSequenceMask - 1}, 31);
  EXPECT_EQ(last.create(a, mirror(a), 100, ignore).flow->id, (uint64_t{1} << 53) - 1);
  EXPECT_THROW(FlowTable(FlowTableConfig{.max_flows = 8}, kMaxFlowIdWorkers), std::runtime_error);
}

TEST(FlowTable, NatReplyTupleNeedNotMirrorTheOriginal) {
  FlowTable table(FlowTableConfig{.max_flows = 8}, 0);
  EndLog log;
  // 192.168.10.10:40000 -> 203.0.113.80:80, source-translated to 203.0.113.2:61000.
  const FlowTuple original = make_ipv4_tuple(htonl(0xc0a80a0a), htonl(0xcb007150), 40000, 80, kProtoTcp);
  const FlowTuple reply = make_ipv4_tuple(htonl(0xcb007150), htonl(0xcb007102), 80, 61000, kProtoTcp);
  Flow* flow = table.create(original, reply, 0, log).flow;
  ASSERT_NE(flow, nullptr);
  EXPECT_EQ(table.lookup(original, 0, log).direction, Direction::kOriginal);
  const LookupResult back = table.lookup(reply, 0, log);
  EXPECT_EQ(back.flow, flow);
  EXPECT_EQ(back.direction, Direction::kReply);
  EXPECT_EQ(table.lookup(mirror(original), 0, log).flow, nullptr);  // the untranslated reply is not ours
  EXPECT_EQ(table.lookup(mirror(reply), 0, log).flow, nullptr);
  // A second connection may not take the translated tuple.
  const FlowTuple clash = make_ipv4_tuple(htonl(0xc0a80a0b), htonl(0xcb007150), 40000, 80, kProtoTcp);
  EXPECT_EQ(table.create(clash, reply, 0, log).error, CreateError::kDuplicate);
  EXPECT_EQ(table.counters().duplicate, 1u);
  table.remove(flow, log);
  ASSERT_EQ(log.ends.size(), 1u);
  EXPECT_EQ(log.ends[0].second, FlowEndReason::kRemoved);
  EXPECT_EQ(table.lookup(original, 0, log).flow, nullptr);
  EXPECT_EQ(table.lookup(reply, 0, log).flow, nullptr);
  EXPECT_NE(table.create(clash, reply, 0, log).flow, nullptr);
}

TEST(FlowTable, DuplicatesAreRefusedUnlessExpired) {
  FlowTable table(FlowTableConfig{.max_flows = 8}, 0);
  EndLog log;
  const FlowTuple t = udp4(1, 2, 3, 4);
  ASSERT_NE(table.create(t, mirror(t), 0, log).flow, nullptr);
  EXPECT_EQ(table.create(t, mirror(t), 0, log).error, CreateError::kDuplicate);
  EXPECT_EQ(table.create(mirror(t), t, 0, log).error, CreateError::kDuplicate);
  // Once the first has timed out it makes way.
  EXPECT_NE(table.create(t, mirror(t), 30 * kSecond, log).flow, nullptr);
  ASSERT_EQ(log.ends.size(), 1u);
  EXPECT_EQ(log.ends[0].second, FlowEndReason::kTimeout);
}

TEST(FlowTable, APacketToItselfHasOneKey) {
  FlowTable table(FlowTableConfig{.max_flows = 2}, 0);
  auto ignore = FlowEndCallback::ignore();
  const FlowTuple loop = udp4(5, 9, 5, 9);
  ASSERT_EQ(mirror(loop), loop);
  Flow* flow = table.create(loop, mirror(loop), 0, ignore).flow;
  ASSERT_NE(flow, nullptr);
  EXPECT_EQ(table.lookup(loop, 0, ignore).flow, flow);
  table.remove(flow, ignore);
  EXPECT_EQ(table.lookup(loop, 0, ignore).flow, nullptr);
  EXPECT_EQ(table.size(), 0u);
}

class FullTable : public ::testing::Test {
 protected:
  static constexpr uint32_t kFlows = 8;
  void fill(FlowState state) {
    for (uint32_t i = 0; i < kFlows; ++i) {
      flows.push_back(table.create(nth_flow(i), mirror(nth_flow(i)), now + i, log).flow);
      ASSERT_NE(flows.back(), nullptr);
      flows.back()->state = state;
    }
  }
  FlowTable table{FlowTableConfig{.max_flows = kFlows}, 0};
  EndLog log;
  std::vector<Flow*> flows;
  uint64_t now = 1000 * kSecond;
};

TEST_F(FullTable, EstablishedFlowsAreNeverEvicted) {
  fill(FlowState::kUdpReplied);
  const CreateResult refused = table.create(nth_flow(100), mirror(nth_flow(100)), now + 100, log);
  EXPECT_EQ(refused.flow, nullptr);
  EXPECT_EQ(refused.error, CreateError::kTableFull);
  EXPECT_EQ(table.counters().refused, 1u);
  EXPECT_TRUE(log.ends.empty());
  for (uint32_t i = 0; i < kFlows; ++i) EXPECT_NE(table.lookup(nth_flow(i), now + 100, log).flow, nullptr);
}

TEST_F(FullTable, TheUnestablishedFlowClosestToItsTimeoutMakesRoom) {
  fill(FlowState::kUdpReplied);
  flows[5]->state = FlowState::kTcpSynSent;   // expires at +30 s
  flows[2]->state = FlowState::kTcpFinWait;   // expires at +120 s
  flows[6]->state = FlowState::kTcpTimeWait;  // expires at +30 s, but touched later than 5
  const uint64_t id5 = flows[5]->id;
  const CreateResult created = table.create(nth_flow(100), mirror(nth_flow(100)), now + 100, log);
  ASSERT_NE(created.flow, nullptr);
  ASSERT_EQ(log.ends.size(), 1u);
  EXPECT_EQ(log.ends[0], std::make_pair(id5, FlowEndReason::kEvicted));
  EXPECT_EQ(table.counters().evicted, 1u);
  EXPECT_EQ(table.lookup(nth_flow(5), now + 100, log).flow, nullptr);
  EXPECT_EQ(table.size(), kFlows);
}

TEST_F(FullTable, ExpiredFlowsGoFirst) {
  fill(FlowState::kUdpReplied);
  flows[1]->state = FlowState::kTcpSynSent;
  flows[4]->last_seen_ns = now - 200 * kSecond;  // established, but its 180 s have passed
  const uint64_t id4 = flows[4]->id;
  ASSERT_NE(table.create(nth_flow(100), mirror(nth_flow(100)), now + 10, log).flow, nullptr);
  ASSERT_EQ(log.ends.size(), 1u);
  EXPECT_EQ(log.ends[0], std::make_pair(id4, FlowEndReason::kTimeout));
  EXPECT_EQ(table.counters().expired, 1u);
  EXPECT_NE(table.lookup(nth_flow(1), now + 10, log).flow, nullptr);
}

TEST(FlowTable, ExpireVisitsABoundedNumberOfFlows) {
  constexpr uint32_t kFlows = 1000;
  FlowTable table(FlowTableConfig{.max_flows = kFlows}, 0);
  EndLog log;
  for (uint32_t i = 0; i < kFlows; ++i)
    ASSERT_NE(table.create(nth_flow(i), mirror(nth_flow(i)), 0, log).flow, nullptr);
  EXPECT_EQ(table.expire(30 * kSecond - 1, kFlows, log), 0u);
  unsigned calls = 0;
  while (table.size() > 0) {
    EXPECT_LE(table.expire(30 * kSecond, 64, log), 64u);
    ++calls;
  }
  EXPECT_EQ(calls, (kFlows + 63) / 64);
  EXPECT_EQ(log.ends.size(), kFlows);
  EXPECT_EQ(table.counters().expired, kFlows);
}

TEST(FlowTable, BurstLookupAgreesWithSingleLookups) {
  FlowTable table(FlowTableConfig{.max_flows = 256}, 0);
  auto ignore = FlowEndCallback::ignore();
  for (uint32_t i = 0; i < 200; ++i)
    ASSERT_NE(table.create(nth_flow(i), mirror(nth_flow(i)), 0, ignore).flow, nullptr);
  std::vector<FlowTuple> tuples;
  for (uint32_t i = 0; i < FlowTable::kMaxLookupBurst; ++i) {
    tuples.push_back(i % 3 == 0 ? mirror(nth_flow(i * 3)) : nth_flow(i * 5));  // some beyond 200: absent
  }
  const FlowTuple* pointers[FlowTable::kMaxLookupBurst];
  for (unsigned i = 0; i < tuples.size(); ++i) pointers[i] = &tuples[i];
  LookupResult results[FlowTable::kMaxLookupBurst];
  table.lookup_burst(pointers, static_cast<unsigned>(tuples.size()), results, 0, ignore);
  for (unsigned i = 0; i < tuples.size(); ++i) {
    const LookupResult single = table.lookup(tuples[i], 0, ignore);
    EXPECT_EQ(results[i].flow, single.flow) << i;
    EXPECT_EQ(results[i].direction, single.direction) << i;
  }
}

TEST(FlowTable, BytesPerFlow) {
  constexpr uint32_t kFlows = 1 << 20;
  FlowTable table(FlowTableConfig{.max_flows = kFlows}, 0);
  const double per_flow = static_cast<double>(table.memory_bytes()) / kFlows;
  std::printf("conntrack: %u flows take %.1f MB, %.1f bytes per flow (flow entry %zu)\n", kFlows,
              static_cast<double>(table.memory_bytes()) / 1e6, per_flow, sizeof(Flow));
  RecordProperty("bytes_per_flow", static_cast<int>(per_flow + 0.5));
  EXPECT_LT(per_flow, 192.0);  // 168-byte entry plus about 21 bytes of index
}

// Random creations (a third of them NAT-style), lookups, traffic and expiry against a plain reference.
TEST(FlowTable, RandomisedAgainstAReference) {
  // Small enough that the table fills up and has to evict or refuse.
  constexpr uint32_t kFlows = 3000;
  FlowTable table(FlowTableConfig{.max_flows = kFlows}, 2);
  const TimeoutTable timeouts{ConntrackTimeouts{}};
  struct Expected {
    FlowTuple tuple[2];
    uint64_t last_seen;
    FlowState state;
  };
  std::map<uint64_t, Expected> flows;             // by flow id
  std::map<std::vector<uint8_t>, uint64_t> keys;  // tuple bytes -> flow id
  const auto key = [](const FlowTuple& t) {
    const auto* b = reinterpret_cast<const uint8_t*>(&t);
    return std::vector<uint8_t>(b, b + sizeof(t));
  };
  uint64_t now = 0;
  bool ok = true;
  auto on_end = [&](const Flow& flow, FlowEndReason reason) {
    const auto it = flows.find(flow.id);
    if (it == flows.end()) {
      ADD_FAILURE() << "unknown flow ended";
      ok = false;
      return;
    }
    const bool was_expired = now - it->second.last_seen >= timeouts.for_state(it->second.state);
    if (reason == FlowEndReason::kTimeout && !was_expired) {
      ADD_FAILURE() << "flow " << flow.id << " timed out early";
      ok = false;
    }
    if (reason == FlowEndReason::kEvicted && is_established(flow.state)) {
      ADD_FAILURE() << "established flow evicted";
      ok = false;
    }
    keys.erase(key(it->second.tuple[0]));
    keys.erase(key(it->second.tuple[1]));
    flows.erase(it);
  };

  std::mt19937_64 random(20240611);
  const auto random_tuple = [&] {
    // A small space so that duplicates and NAT clashes happen.
    const uint32_t n = static_cast<uint32_t>(random() % 60000);
    return udp4(0x0a000000u + (n & 0xff), static_cast<uint16_t>(1024 + (n >> 8)), 0xcb007150u + (n % 3), 53);
  };
  for (int step = 0; step < 300000 && ok; ++step) {
    now += random() % (5 * kSecond / 1000);  // up to 5 ms per step: a full sweep of timeouts over the run
    const unsigned action = static_cast<unsigned>(random() % 100);
    if (action < 45) {
      const FlowTuple original = random_tuple();
      FlowTuple reply = mirror(original);
      if (random() % 3 == 0) {
        reply.destination[3] = 0x99;
        reply.destination_port = static_cast<uint16_t>(random() % 4000 + 60000);
      }
      const CreateResult created = table.create(original, reply, now, on_end);
      // A live duplicate of either key must be refused; otherwise the flow is created, or refused because
      // the table is full of flows it may not evict.
      const bool clash = keys.count(key(original)) || keys.count(key(reply));
      if (clash) {
        // The reference may still hold expired keys that create() cleared out of the way: only a live one
        // forbids the flow.
        const uint64_t id = keys.count(key(original)) ? keys[key(original)] : keys[key(reply)];
        const Expected& e = flows.at(id);
        ASSERT_EQ(created.error, CreateError::kDuplicate) << step;
        ASSERT_LT(now - e.last_seen, timeouts.for_state(e.state)) << step;
        continue;
      }
      if (created.error == CreateError::kTableFull) {
        ASSERT_EQ(table.size(), kFlows) << step;  // full of established flows in the scanned window
        continue;
      }
      ASSERT_NE(created.flow, nullptr) << step;
      ASSERT_TRUE(
          flows.emplace(created.flow->id, Expected{{original, reply}, now, created.flow->state}).second);
      keys[key(original)] = created.flow->id;
      if (!(reply == original)) keys[key(reply)] = created.flow->id;
    } else if (action < 85) {
      const FlowTuple probe = random() % 2 ? random_tuple() : mirror(random_tuple());
      const LookupResult found = table.lookup(probe, now, on_end);
      const auto it = keys.find(key(probe));
      if (it == keys.end()) {
        ASSERT_EQ(found.flow, nullptr) << step;
        continue;
      }
      const Expected& e = flows.at(it->second);
      if (now - e.last_seen >= timeouts.for_state(e.state)) {
        ASSERT_EQ(found.flow, nullptr) << step;  // and on_end removed it from the reference
        ASSERT_FALSE(flows.count(it->second));
        continue;
      }
      ASSERT_NE(found.flow, nullptr) << step;
      ASSERT_EQ(found.flow->id, it->second) << step;
      ASSERT_EQ(found.flow->tuple[index_of(found.direction)], probe) << step;
      if (random() % 2) {  // traffic: refresh, and sometimes a reply that makes it established
        found.flow->last_seen_ns = now;
        flows.at(found.flow->id).last_seen = now;
        if (found.direction == Direction::kReply && random() % 4 == 0) {
          found.flow->state = FlowState::kUdpReplied;
          flows.at(found.flow->id).state = FlowState::kUdpReplied;
        }
      }
    } else {
      table.expire(now, 32, on_end);
    }
    ASSERT_EQ(table.size(), flows.size()) << step;
  }
  EXPECT_TRUE(ok);
  EXPECT_GT(table.counters().created, 20000u);
  EXPECT_GT(table.counters().expired, 100u);
  EXPECT_GT(table.counters().evicted, 10000u);
  std::printf("randomised: created %lu expired %lu evicted %lu refused %lu duplicate %lu\n",
              static_cast<unsigned long>(table.counters().created),
              static_cast<unsigned long>(table.counters().expired),
              static_cast<unsigned long>(table.counters().evicted),
              static_cast<unsigned long>(table.counters().refused),
              static_cast<unsigned long>(table.counters().duplicate));
}

}  // namespace
}  // namespace torwart::dataplane::conntrack
