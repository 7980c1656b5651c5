// Port slices per worker, endpoint-independent mappings, port allocation, exhaustion and expiry. No EAL
// needed.
#include "dataplane/nat/nat_table.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "dataplane/nat/port_slice.hpp"

namespace torwart::dataplane::nat {
namespace {

constexpr uint32_t kExternal = 0x020071cbu;  // 203.0.113.2 in network order on little-endian
constexpr uint32_t kHostA = 0x0a0aa8c0u;     // 192.168.10.10
constexpr uint32_t kHostB = 0x0b0aa8c0u;

TEST(PortSlice, SlicesPartitionTheRangeAndAgreeWithTheOwner) {
  for (const PortRange range : {PortRange{1024, 65535}, PortRange{20000, 20006}, PortRange{7, 7}}) {
    for (unsigned workers : {1u, 2u, 3u, 7u, 16u}) {
      uint32_t covered = 0;
      for (unsigned w = 0; w < workers; ++w) {
        const PortRange slice = slice_of(range, w, workers);
        if (slice.first > slice.last) continue;  // a range smaller than the workers
        covered += slice.size();
        EXPECT_TRUE(range.contains(slice.first) && range.contains(slice.last));
        for (uint32_t p = slice.first; p <= slice.last; ++p)
          ASSERT_EQ(slice_owner(range, static_cast<uint16_t>(p), workers), w) << p << " of " << workers;
      }
      EXPECT_EQ(covered, range.size()) << "every port belongs to exactly one worker";
    }
  }
}

NatRules no_forwards() {
  return NatRules::compile({}, {}, {});
}

TEST(NatTable, SameInternalEndpointKeepsItsPortForEveryRemote) {
  NatTable table({64, 64, 1}, 0);
  const NatRules rules = no_forwards();
  const PortRange range{1024, 65535};
  const uint32_t first = table.acquire(ProtoClass::kUdp, kHostA, 5060, kExternal, range, rules);
  ASSERT_NE(first, NatTable::kNone);
  const uint32_t again = table.acquire(ProtoClass::kUdp, kHostA, 5060, kExternal, range, rules);
  EXPECT_EQ(again, first) << "a second flow (another remote) reuses the mapping (RFC 4787 REQ-1)";
  EXPECT_EQ(table.mapping(first).flows, 2u);
  const uint32_t other_port = table.acquire(ProtoClass::kUdp, kHostA, 5061, kExternal, range, rules);
  const uint32_t other_host = table.acquire(ProtoClass::kUdp, kHostB, 5060, kExternal, range, rules);
  const uint32_t tcp = table.acquire(ProtoClass::kTcp, kHostA, 5060, kExternal, range, rules);
  std::set<uint16_t> udp_ports{table.mapping(first).external_port, table.mapping(other_port).external_port,
                               table.mapping(other_host).external_port};
  EXPECT_EQ(udp_ports.size(), 3u) << "distinct internal endpoints get distinct external ports";
  EXPECT_EQ(table.find_external(ProtoClass::kUdp, kExternal, table.mapping(first).external_port), first);
  EXPECT_EQ(table.find_external(ProtoClass::kTcp, kExternal, table.mapping(tcp).external_port), tcp);
  EXPECT_EQ(table.counters().mappings_active, 4u);
}

TEST(NatTable, TheLastFlowFreesTheMappingAndItsPort) {
  NatTable table({8, 8, 1}, 0);
  const NatRules rules = no_forwards();
  const PortRange range{2000, 2000};  // one port only
  const uint32_t m = table.acquire(ProtoClass::kTcp, kHostA, 1111, kExternal, range, rules);
  ASSERT_NE(m, NatTable::kNone);
  EXPECT_EQ(table.mapping(m).external_port, 2000);
  table.acquire(ProtoClass::kTcp, kHostA, 1111, kExternal, range, rules);  // a second flow
  EXPECT_EQ(table.acquire(ProtoClass::kTcp, kHostB, 1111, kExternal, range, rules), NatTable::kNone);
  EXPECT_EQ(table.counters().ports_exhausted[static_cast<unsigned>(ProtoClass::kTcp)], 1u);
  table.release(m);
  EXPECT_NE(table.find_external(ProtoClass::kTcp, kExternal, 2000), NatTable::kNone)
      << "one flow still uses it";
  table.release(m);
  EXPECT_EQ(table.find_external(ProtoClass::kTcp, kExternal, 2000), NatTable::kNone);
  EXPECT_EQ(table.counters().mappings_active, 0u);
  const uint32_t b = table.acquire(ProtoClass::kTcp, kHostB, 1111, kExternal, range, rules);
  ASSERT_NE(b, NatTable::kNone) << "the freed port is allocated again";
  EXPECT_EQ(table.mapping(b).external_port, 2000);
}

TEST(NatTable, FlowRecordsReleaseTheirMappingWhenTheFlowEnds) {
  NatTable table({8, 8, 1}, 0);
  const NatRules rules = no_forwards();
  const uint32_t m = table.acquire(ProtoClass::kIcmp, kHostA, 77, kExternal, {1024, 65535}, rules);
  FlowNat& record = table.record(5);
  record.flags = flow_nat::kSet | flow_nat::kSource;
  record.mapping = m;
  table.flow_ended(5);
  EXPECT_EQ(table.record(5).flags, 0);
  EXPECT_EQ(table.counters().mappings_active, 0u);
  table.flow_ended(5);  // a flow without NAT, or ended twice: nothing to release
  EXPECT_EQ(table.counters().mappings_active, 0u);
}

TEST(NatTable, AWorkerAllocatesOnlyFromItsSlice) {
  const PortRange range{1024, 65535};
  const NatRules rules = no_forwards();
  for (unsigned w = 0; w < 3; ++w) {
    NatTable table({256, 8, 3}, w);
    for (uint16_t i = 0; i < 200; ++i) {
      const uint32_t m =
          table.acquire(ProtoClass::kUdp, kHostA, static_cast<uint16_t>(1000 + i), kExternal, range, rules);
      ASSERT_NE(m, NatTable::kNone);
      ASSERT_EQ(slice_owner(range, table.mapping(m).external_port, 3), w)
          << "a reply to this port is steered to worker " << w;
    }
  }
}

TEST(NatTable, AContextOutsideTheWorkerSetAllocatesNothing) {
  NatTable table({8, 8, 2}, 2);  // e.g. the control lcore's context beside two workers
  EXPECT_EQ(table.acquire(ProtoClass::kUdp, kHostA, 1, kExternal, {1024, 65535}, no_forwards()),
            NatTable::kNone);
}

TEST(NatTable, ExhaustionIsCountedPerProtocolAndForwardedPortsAreSkipped) {
  config::Nat nat;
  config::PortForward forward;
  forward.name = "f";
  forward.in_interface = "inet";
  forward.protocol = config::kProtoTcp;
  forward.port = 3001;
  forward.to = *config::IpAddress::parse("192.168.10.20");
  forward.to_port = 443;
  nat.forwards.push_back(forward);
  const NatRules rules = NatRules::compile(nat, {{"inet", 0, kExternal}}, {"inet"});
  NatTable table({16, 8, 1}, 0);
  const PortRange range{3000, 3003};
  std::set<uint16_t> tcp_ports;
  for (uint16_t i = 0; i < 3; ++i) {
    const uint32_t m =
        table.acquire(ProtoClass::kTcp, kHostA, static_cast<uint16_t>(i + 1), kExternal, range, rules);
    ASSERT_NE(m, NatTable::kNone);
    tcp_ports.insert(table.mapping(m).external_port);
  }
  EXPECT_EQ(tcp_ports, (std::set<uint16_t>{3000, 3002, 3003})) << "3001 belongs to the forward";
  EXPECT_EQ(table.acquire(ProtoClass::kTcp, kHostA, 9, kExternal, range, rules), NatTable::kNone);
  EXPECT_EQ(table.counters().ports_exhausted[static_cast<unsigned>(ProtoClass::kTcp)], 1u);
  EXPECT_EQ(table.counters().ports_exhausted[static_cast<unsigned>(ProtoClass::kUdp)], 0u);
  EXPECT_NE(table.acquire(ProtoClass::kUdp, kHostA, 9, kExternal, range, rules), NatTable::kNone)
      << "UDP has a port space of its own (and no forward on 3001)";
}

TEST(NatTable, IndexesStayConsistentUnderChurn) {
  NatTable table({512, 8, 1}, 0);
  const NatRules rules = no_forwards();
  const PortRange range{1024, 65535};
  std::map<std::pair<uint32_t, uint16_t>, uint32_t> live;  // internal endpoint -> mapping
  std::mt19937 random(7);
  for (int step = 0; step < 20000; ++step) {
    const uint32_t host = kHostA + (random() % 8);
    const uint16_t port = static_cast<uint16_t>(random() % 64);
    auto at = live.find({host, port});
    if (at == live.end() && live.size() < 500) {
      const uint32_t m = table.acquire(ProtoClass::kUdp, host, port, kExternal, range, rules);
      ASSERT_NE(m, NatTable::kNone);
      live[{host, port}] = m;
    } else if (at != live.end()) {
      table.release(at->second);
      live.erase(at);
    }
  }
  for (const auto& [endpoint, m] : live) {
    const Mapping& mapping = table.mapping(m);
    EXPECT_EQ(mapping.internal, endpoint.first);
    EXPECT_EQ(mapping.internal_port, endpoint.second);
    EXPECT_EQ(table.find_external(ProtoClass::kUdp, kExternal, mapping.external_port), m);
    EXPECT_EQ(table.acquire(ProtoClass::kUdp, endpoint.first, endpoint.second, kExternal, range, rules), m);
  }
  EXPECT_EQ(table.counters().mappings_active, live.size());
}

}  // namespace
}  // namespace torwart::dataplane::nat
