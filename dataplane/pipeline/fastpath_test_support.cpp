#include "dataplane/pipeline/fastpath_test_support.hpp"

#include <arpa/inet.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <variant>

#include <rte_eal.h>
#include <rte_errno.h>

#include "rules/config/load.hpp"

namespace torwart::dataplane::testing_support {
namespace {

rte_mempool* g_pool = nullptr;

class EalEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* args[] = {"dataplane_fastpath_test", "--no-huge", "--no-pci", "--no-shconf",
                          "--no-telemetry",          "-m",        "1024",     "--log-level=*:warning"};
    std::vector<char*> argv;
    for (const char* arg : args) argv.push_back(const_cast<char*>(arg));
    // Each snapshot's rte_lpm and rte_lpm6 tables take some 130 MB; a test may hold two at once.
    if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
      // An ASSERT here would only skip every test quietly.
      std::fprintf(stderr, "rte_eal_init failed: %s\n", rte_strerror(rte_errno));
      std::exit(1);
    }
    g_pool = rte_pktmbuf_pool_create("fastpath_test", 4095, 0, kMbufPrivSize, RTE_MBUF_DEFAULT_BUF_SIZE,
                                     SOCKET_ID_ANY);
    if (g_pool == nullptr) {
      std::fprintf(stderr, "mbuf pool: %s\n", rte_strerror(rte_errno));
      std::exit(1);
    }
  }
};

[[maybe_unused]] ::testing::Environment* const g_eal =
    ::testing::AddGlobalTestEnvironment(new EalEnvironment);

}  // namespace

rte_mempool* pool() {
  return g_pool;
}

const std::string& test_config_text() {
  static const std::string text = R"(
format: 1
name: unit
zones:
  - name: lan
  - name: voip
  - name: kdn
  - name: inet
  - name: dmz
    antispoof: false
ports:
  - name: lan
    zone: lan
    backend: null
    mac: 02:00:00:00:01:fe
    addresses: [192.168.10.1/24, 2001:db8:10::1/64]
    vlans:
      - id: 30
        zone: voip
        addresses: [192.168.30.1/24]
  - name: kdn
    zone: kdn
    backend: null
    mac: 02:00:00:00:02:fe
    addresses: [10.200.0.2/24, 2001:db8:200::2/64]
  - name: inet
    zone: inet
    backend: null
    mac: 02:00:00:00:03:fe
    addresses: [203.0.113.2/24, 2001:db8:f00::2/64]
  - name: small
    zone: dmz
    backend: null
    mac: 02:00:00:00:04:fe
    mtu: 1280
    mss_clamp: auto
    addresses: [172.16.0.1/24, 2001:db8:4::1/64]
routes:
  - to: 10.0.0.0/8
    via: 10.200.0.1
  - to: 10.66.0.0/16
    blackhole: true
  - to: 2001:db8:1000::/36
    via: 2001:db8:200::1
  - to: 0.0.0.0/0
    via: 203.0.113.1
  - to: ::/0
    via: 2001:db8:f00::1
neighbours:
  - {address: 10.200.0.1, mac: "02:00:00:00:02:01"}
  - {address: "2001:db8:200::1", mac: "02:00:00:00:02:01"}
  - {address: 203.0.113.1, mac: "02:00:00:00:03:01"}
  - {address: "2001:db8:f00::1", mac: "02:00:00:00:03:01"}
  - {address: 192.168.10.10, mac: "02:00:00:00:01:10"}
  - {address: "2001:db8:10::10", mac: "02:00:00:00:01:10"}
  - {address: 192.168.30.10, mac: "02:00:00:00:05:10"}
  - {address: 172.16.0.10, mac: "02:00:00:00:04:10"}
  - {address: "2001:db8:4::10", mac: "02:00:00:00:04:10"}
policy:
  rules:
    # Most fast-path tests are about forwarding: everything passes here except what the policy tests name.
    - {name: kdn-syslog-refused, from: [lan], to: [kdn], service: [udp/514], action: reject}
    - {name: kdn-telnet-dropped, from: [lan], to: [kdn], service: [tcp/23], action: drop}
    - {name: inbound-ssh-dropped, from: [inet], to: [lan], service: [tcp/22], action: drop}
    - {name: everything-else, action: accept}
)";
  return text;
}

std::unique_ptr<Snapshot> build_test_snapshot() {
  auto loaded = config::load_config_text(test_config_text(), "unit.yaml");
  if (auto* errors = std::get_if<std::vector<config::ConfigError>>(&loaded)) {
    throw std::runtime_error("test configuration refused: " + errors->front().to_string());
  }
  const auto& config = std::get<config::Config>(loaded);
  std::vector<PortBinding> bindings;
  for (uint16_t i = 0; i < config.ports.size(); ++i)
    bindings.push_back({config.ports[i].name, i, rte_ether_addr{}});
  return Snapshot::build(config, 1, "test", bindings);
}

uint16_t CapturingTransmitter::transmit(uint16_t port, rte_mbuf** packets, uint16_t count) {
  const uint16_t taken = std::min(count, accept_at_most);
  for (uint16_t i = 0; i < taken; ++i) {
    const auto* data = rte_pktmbuf_mtod(packets[i], const uint8_t*);
    sent[port].emplace_back(data, data + rte_pktmbuf_data_len(packets[i]));
    rte_pktmbuf_free(packets[i]);
  }
  return taken;
}

size_t CapturingTransmitter::total() const {
  size_t n = 0;
  for (const auto& [port, frames] : sent) n += frames.size();
  return n;
}

CapturingPuntSink::~CapturingPuntSink() {
  for (rte_mbuf* m : taken) rte_pktmbuf_free(m);
}

uint16_t CapturingPuntSink::punt(rte_mbuf** packets, uint16_t count) {
  for (uint16_t i = 0; i < count; ++i) taken.push_back(packets[i]);
  return count;
}

FastPath::FastPath() : snapshot(build_test_snapshot()) {
  ctx = std::make_unique<WorkerContext>(0, pool(), neighbours, tx, punt, eve);
  ctx->snapshot = snapshot.get();
  ctx->now_ns = now_ns;
  slow_ctx = std::make_unique<WorkerContext>(1, pool(), neighbours, tx, slow_punt, slow_eve);
  slow_ctx->now_ns = now_ns;
  slow = std::make_unique<SlowPath>(*slow_ctx, neighbours);
  slow->use_snapshot(snapshot.get());
}

FastPath::~FastPath() {
  slow.reset();
  EXPECT_GT(rte_mempool_avail_count(pool()), 4095u - 64u) << "mbufs leaked";
}

void FastPath::run(uint16_t port, const std::vector<test::Bytes>& frames) {
  Burst burst;
  for (const auto& frame : frames) {
    rte_mbuf* m = test::to_mbuf(pool(), frame);
    ASSERT_NE(m, nullptr);
    m->port = port;
    burst.pkts[burst.count++] = m;
  }
  ctx->now_ns = now_ns;
  pipeline_receive(*ctx, burst, ParseOptions{});
  pipeline_process(*ctx, burst);
}

Burst FastPath::parsed(uint16_t port, const std::vector<test::Bytes>& frames) {
  Burst burst;
  for (const auto& frame : frames) {
    rte_mbuf* m = test::to_mbuf(pool(), frame);
    EXPECT_NE(m, nullptr);
    m->port = port;
    burst.pkts[burst.count++] = m;
  }
  stage_parse(burst, {});
  EXPECT_EQ(burst.dropped_count, 0) << "a test frame did not parse";
  for (uint16_t i = 0; i < burst.count; ++i) meta_of(burst.pkts[i]).in_iface = kNoInterface;
  return burst;
}

void FastPath::punts_to_slow_path() {
  std::vector<rte_mbuf*> handed;
  handed.swap(punt.taken);
  slow->handle(handed.data(), static_cast<uint16_t>(handed.size()), now_ns);
}

uint64_t FastPath::drops(uint16_t port, DropReason reason) const {
  return ctx->counters.ports[port].drops[static_cast<unsigned>(reason)];
}

uint64_t FastPath::slow_drops(uint16_t port, DropReason reason) const {
  return slow_ctx->counters.ports[port].drops[static_cast<unsigned>(reason)];
}

void FastPath::release(Burst& burst) {
  for (uint16_t i = 0; i < burst.count; ++i) rte_pktmbuf_free(burst.pkts[i]);
  for (uint16_t i = 0; i < burst.dropped_count; ++i) rte_pktmbuf_free(burst.dropped[i]);
  for (uint16_t i = 0; i < burst.punted_count; ++i) rte_pktmbuf_free(burst.punted[i]);
  for (uint16_t i = 0; i < burst.generated_count; ++i) rte_pktmbuf_free(burst.generated[i]);
  burst.count = 0;
  burst.reset_side_lists();
}

uint16_t be16(const test::Bytes& b, size_t offset) {
  return static_cast<uint16_t>(b.at(offset) << 8 | b.at(offset + 1));
}

uint32_t be32(const test::Bytes& b, size_t offset) {
  return uint32_t{be16(b, offset)} << 16 | be16(b, offset + 2);
}

std::string mac_at(const test::Bytes& b, size_t offset) {
  char text[18];
  std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", b.at(offset), b.at(offset + 1),
                b.at(offset + 2), b.at(offset + 3), b.at(offset + 4), b.at(offset + 5));
  return text;
}

std::string ipv4_at(const test::Bytes& b, size_t offset) {
  char text[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &b.at(offset), text, sizeof text);
  return text;
}

bool ipv4_header_valid(const test::Bytes& frame, size_t l3) {
  const size_t ihl = (frame.at(l3) & 0xf) * 4u;
  return frame.size() >= l3 + ihl && internet_checksum(frame.data() + l3, ihl) == 0;
}

bool icmpv4_checksum_valid(const test::Bytes& frame, size_t l3) {
  const size_t ihl = (frame.at(l3) & 0xf) * 4u;
  const size_t total = be16(frame, l3 + 2);
  if (frame.size() < l3 + total) return false;
  return internet_checksum(frame.data() + l3 + ihl, total - ihl) == 0;
}

bool ipv4_l4_checksum_valid(const test::Bytes& frame, size_t l3) {
  const size_t ihl = (frame.at(l3) & 0xf) * 4u;
  const size_t total = be16(frame, l3 + 2);
  if (frame.size() < l3 + total) return false;
  return ipv4_l4_checksum(frame.data() + l3 + 12, frame.data() + l3 + 16, frame[l3 + 9],
                          frame.data() + l3 + ihl, static_cast<uint16_t>(total - ihl)) == 0;
}

bool ipv6_l4_checksum_valid(const test::Bytes& frame, size_t l3) {
  const size_t payload = be16(frame, l3 + 4);
  if (frame.size() < l3 + 40 + payload) return false;
  return ipv6_l4_checksum(frame.data() + l3 + 8, frame.data() + l3 + 24, frame[l3 + 6],
                          frame.data() + l3 + 40, static_cast<uint32_t>(payload)) == 0;
}

}  // namespace torwart::dataplane::testing_support
