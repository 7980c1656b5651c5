// rules/config/memory_need.cpp estimates what `torwart run` asks DPDK for without seeing the fast path; this
// holds the estimate against what the fast path's pools and tables really take from DPDK's heap, so that a
// grown structure cannot make `check` accept a memory_mb the start then fails on.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mempool.h>

#include "dataplane/conntrack/flow_table.hpp"
#include "dataplane/core/packet_meta.hpp"
#include "dataplane/pipeline/worker_context.hpp"
#include "dataplane/snapshot/snapshot.hpp"
#include "dataplane/synflood/half_open.hpp"
#include "platform/mbuf_pool.hpp"
#include "rules/config/load.hpp"
#include "rules/config/memory_need.hpp"

namespace torwart::dataplane {
namespace {

static_assert(kMbufPrivSize <= config::kPacketMetadataBytes);
static_assert(sizeof(conntrack::Flow) <= config::kFlowBytes);
static_assert(sizeof(synflood::FlowSide) <= config::kSynFloodSideBytes);

class EalEnvironment : public testing::Environment {
 public:
  void SetUp() override {
    const char* args[] = {"memory_need_test", "--no-huge", "--no-pci", "--no-shconf",
                          "--no-telemetry",   "-m",        "1024",     "--log-level=*:warning"};
    std::vector<char*> argv;
    for (const char* arg : args) argv.push_back(const_cast<char*>(arg));
    if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
      std::fprintf(stderr, "rte_eal_init failed: %s\n", rte_strerror(rte_errno));
      std::exit(1);
    }
  }
};

[[maybe_unused]] testing::Environment* const g_eal = testing::AddGlobalTestEnvironment(new EalEnvironment);

// Bytes DPDK's heaps have handed out, memzones included (they are carved from the same heaps).
uint64_t heap_in_use() {
  uint64_t total = 0;
  for (unsigned i = 0; i < rte_socket_count(); ++i) {
    rte_malloc_socket_stats stats{};
    if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &stats) == 0) total += stats.heap_allocsz_bytes;
  }
  return total;
}

config::Config load(const std::string& text) {
  auto loaded = config::load_config_text(text, "test.yaml");
  if (auto* errors = std::get_if<std::vector<config::ConfigError>>(&loaded)) {
    ADD_FAILURE() << errors->front().to_string();
    return {};
  }
  return std::get<config::Config>(loaded);
}

config::Config shipped_default() {
  return load(std::string(config::default_config_text()));
}

TEST(MemoryNeed, PacketBuffersFitTheEstimate) {
  for (unsigned count : {1023u, 32767u, 65536u}) {
    config::Config config = shipped_default();
    config.dataplane.mbufs = count;
    const uint64_t before = heap_in_use();
    rte_mempool* pool = platform::create_mbuf_pool("need_" + std::to_string(count), count,
                                                   static_cast<uint16_t>(kMbufPrivSize));
    const uint64_t used = heap_in_use() - before;
    EXPECT_LE(used, config::memory_need(config).packet_buffers) << count << " buffers";
    EXPECT_GE(used * 11 / 10 + (2u << 20), config::memory_need(config).packet_buffers)
        << "an estimate far above the real need would refuse good configurations";
    rte_mempool_free(pool);
  }
}

TEST(MemoryNeed, AWorkersFlowStateFitsTheEstimate) {
  for (unsigned flows : {1024u, 131072u, 1048576u}) {
    config::Config config = shipped_default();
    config.dataplane.flows_per_worker = flows;
    const uint64_t before = heap_in_use();
    {
      conntrack::FlowTable table(flow_table_config(config), 0);
      synflood::SynFloodState synflood(table.capacity(), SOCKET_ID_ANY);
      const uint64_t used = heap_in_use() - before;
      EXPECT_LE(used, config::memory_need(config).per_worker) << flows << " flows";
    }
  }
}

std::vector<PortBinding> bindings_for(const config::Config& config) {
  std::vector<PortBinding> bindings;
  for (size_t i = 0; i < config.ports.size(); ++i)
    bindings.push_back({config.ports[i].name, static_cast<uint16_t>(i), {}});
  return bindings;
}

// The shipped default, and one with many routes and policy entries.
TEST(MemoryNeed, ASnapshotFitsTheEstimate) {
  const config::Config plain = shipped_default();
  ASSERT_FALSE(plain.routes.empty());
  config::Config many = plain;
  for (unsigned i = 0; i < 400; ++i) {
    config::Route route = plain.routes.front();
    route.to = *config::IpPrefix::parse("10." + std::to_string(100 + i / 250) + "." +
                                        std::to_string(i % 250) + ".0/28");
    many.routes.push_back(route);
  }
  for (unsigned i = 0; i < 300; ++i) {
    config::PolicyRule rule;
    rule.name = "generated-" + std::to_string(i);
    rule.action = config::PolicyAction::kAccept;
    rule.source = {*config::IpPrefix::parse("192.168." + std::to_string(i % 250) + ".0/24"),
                   *config::IpPrefix::parse("172.16." + std::to_string(i % 250) + ".0/24")};
    rule.destination = {*config::IpPrefix::parse("10.20." + std::to_string(i % 250) + ".0/24")};
    const auto port = static_cast<uint16_t>(1000 + i);
    rule.service = {{config::kProtoTcp, std::nullopt, port, port}, {config::kProtoUdp, std::nullopt, 53, 53}};
    many.policy.rules.push_back(rule);
  }
  for (const config::Config* candidate : std::vector<const config::Config*>{&plain, &many}) {
    const uint64_t before = heap_in_use();
    auto snapshot = Snapshot::build(*candidate, 1, "digest", bindings_for(*candidate));
    const uint64_t used = heap_in_use() - before;
    EXPECT_LE(used, config::memory_need(*candidate).snapshot)
        << candidate->routes.size() << " routes, " << candidate->policy.rules.size() << " rules";
  }
}

}  // namespace
}  // namespace torwart::dataplane
