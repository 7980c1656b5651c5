#include "rules/config/memory_need.hpp"

#include <algorithm>
#include <bit>

namespace torwart::config {
namespace {

constexpr uint64_t kCacheLine = 64;
constexpr uint64_t kMiB = 1u << 20;

constexpr uint64_t round_up(uint64_t value, uint64_t unit) {
  return (value + unit - 1) / unit * unit;
}

// rte_pktmbuf_pool_create: each object is a 64-byte header, the 128-byte rte_mbuf, the metadata and
// RTE_MBUF_DEFAULT_BUF_SIZE (2048 + 128 headroom), padded by whole cache lines until their count is odd
// (DPDK spreads objects over the memory channels). An object never straddles a page (its buffer must be
// contiguous for the NIC): without hugepages, on 4 KiB pages, each buffer takes a page of its own. The
// pool's ring holds a pointer per buffer, rounded up to a power of two; the pool header carries a cache for
// each of RTE_MAX_LCORE (128) lcores, 8 KiB each.
constexpr uint64_t kMbufStructBytes = 128;
constexpr uint64_t kMbufDataRoom = 2048 + 128;
constexpr uint64_t kMempoolObjectHeader = 64;
constexpr uint64_t kMempoolHeaderBytes = 128 * (8 * 1024 + kCacheLine) + 64 * 1024;
constexpr uint64_t kSmallPage = 4096;
constexpr uint64_t kHugePage = 2 * kMiB;

uint64_t packet_buffer_bytes(unsigned count, bool hugepages) {
  uint64_t lines =
      round_up(kMempoolObjectHeader + kMbufStructBytes + kPacketMetadataBytes + kMbufDataRoom, kCacheLine) /
      kCacheLine;
  if (lines % 2 == 0) ++lines;
  const uint64_t object = lines * kCacheLine;
  const uint64_t page = hugepages ? kHugePage : kSmallPage;
  const uint64_t per_page = std::max<uint64_t>(1, page / object);
  const uint64_t objects = (count + per_page - 1) / per_page * std::max(page, object);
  const uint64_t ring = std::bit_ceil(uint64_t{count} + 1) * 8 + kCacheLine * 3;
  return objects + ring + kMempoolHeaderBytes;
}

// conntrack::FlowTable: the flows, an index of 8-slot buckets at most 75 % full with two keys per flow, and
// synflood::SynFloodState's entry per flow; each a separate rte_malloc (a header of a cache line or two).
uint64_t per_worker_bytes(unsigned flows) {
  const uint64_t buckets = std::max<uint64_t>(2, (2ull * flows * 100 / 75 + 7) / 8);
  return flows * kFlowBytes + buckets * kFlowIndexBucketBytes + flows * kSynFloodSideBytes +
         3 * 2 * kCacheLine;
}

// dataplane::Fib as Snapshot::build sizes it. rte_lpm and rte_lpm6 each hold a table of 2^24 4-byte entries
// inline, plus 256-entry groups of 4 bytes (tbl8s) for longer prefixes; rte_lpm6 keeps its rules in an
// rte_hash and each tbl8 in a pool with a header.
uint64_t route_table_bytes(const Config& config) {
  uint64_t v4_rules = 0, v4_long = 0, v6_rules = 0, interfaces = 0;
  auto count = [&](const IpPrefix& prefix) {
    if (prefix.address.is_v4()) {
      ++v4_rules;
      if (prefix.length > 24) ++v4_long;
    } else {
      ++v6_rules;
    }
  };
  auto count_addresses = [&](const std::vector<InterfaceAddress>& addresses) {
    ++interfaces;
    for (const auto& a : addresses) {
      count(a.network());
      count(IpPrefix{a.address, static_cast<uint8_t>(a.address.is_v4() ? 32 : 128)});
    }
  };
  for (const auto& route : config.routes) count(route.to);
  for (const auto& port : config.ports) {
    count_addresses(port.addresses);
    for (const auto& vlan : port.vlans) count_addresses(vlan.addresses);
  }
  constexpr uint64_t kTbl24 = (uint64_t{1} << 24) * 4;
  constexpr uint64_t kTbl8Group = 256 * 4;
  constexpr uint64_t kTableSlack = kMiB;  // the structures' headers, rte_hash's rings and buckets
  const uint64_t v4 = kTbl24 + (v4_rules + 8) * 8 + (v4_long + 8) * kTbl8Group + kTableSlack;
  const uint64_t v6_max_rules = v6_rules + interfaces + 8;
  const uint64_t v6 = kTbl24 + v6_max_rules * 14 * (kTbl8Group + 4 + 16) + v6_max_rules * 128 + kTableSlack;
  return v4 + v6;
}

// rules/policy's rte_acl context: a rule record per expanded entry and the built tries. Estimated per entry
// (each zone, address and service combination of a rule, per IP version) from what the classifier's
// builds measured, with a floor for the context itself.
uint64_t policy_bytes(const Config& config) {
  uint64_t entries = 0;
  for (const auto& rule : config.policy.rules) {
    const uint64_t zones =
        std::max<uint64_t>(1, rule.from_zones.size()) * std::max<uint64_t>(1, rule.to_zones.size());
    entries += zones * std::max<uint64_t>(1, rule.source.size()) *
               std::max<uint64_t>(1, rule.destination.size()) * std::max<uint64_t>(1, rule.service.size());
  }
  return 4 * kMiB + entries * 4096;
}

// The EAL's own bookkeeping, the RCU state, the slow-path ring (4096) and a 1024-slot ring between every two
// workers, the neighbour table (8192 entries in an rte_hash), and per port and queue the driver's
// descriptor and software rings (at most 64 bytes per descriptor).
uint64_t fixed_bytes(const Config& config) {
  const Dataplane& d = config.dataplane;
  const uint64_t rings = 4096 * 8 + uint64_t{d.workers} * d.workers * 1024 * 8;
  const uint64_t neighbours = 8192 * 256;
  const uint64_t queues = uint64_t{d.workers} + 1;
  const uint64_t descriptors =
      config.ports.size() * queues * (uint64_t{d.rx_descriptors} + d.tx_descriptors) * 64;
  return 16 * kMiB + rings + neighbours + descriptors;
}

}  // namespace

MemoryNeed memory_need(const Config& config) {
  MemoryNeed need;
  need.workers = config.dataplane.workers;
  need.packet_buffers = packet_buffer_bytes(config.dataplane.mbufs, config.dataplane.hugepages);
  need.per_worker = per_worker_bytes(config.dataplane.flows_per_worker);
  need.snapshot = route_table_bytes(config) + policy_bytes(config);
  need.fixed = fixed_bytes(config);
  return need;
}

}  // namespace torwart::config
