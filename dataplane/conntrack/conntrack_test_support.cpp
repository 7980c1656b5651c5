#include "dataplane/conntrack/conntrack_test_support.hpp"

#include <cstdio>
#include <cstdlib>
#include <vector>

#include <rte_eal.h>
#include <rte_errno.h>

#include "dataplane/core/parse.hpp"

namespace torwart::dataplane::conntrack::testing_support {
namespace {

rte_mempool* g_pool = nullptr;

class EalEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* args[] = {"dataplane_conntrack_test", "--no-huge", "--no-pci", "--no-shconf",
                          "--no-telemetry",           "-m",        "512",      "--log-level=*:warning"};
    std::vector<char*> argv;
    for (const char* arg : args) argv.push_back(const_cast<char*>(arg));
    if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
      // An ASSERT here would only skip every test quietly.
      std::fprintf(stderr, "rte_eal_init failed: %s\n", rte_strerror(rte_errno));
      std::exit(1);
    }
    g_pool = rte_pktmbuf_pool_create("conntrack_test", 1023, 0, kMbufPrivSize, RTE_MBUF_DEFAULT_BUF_SIZE,
                                     SOCKET_ID_ANY);
    if (g_pool == nullptr) {
      std::fprintf(stderr, "mbuf pool: %s\n", rte_strerror(rte_errno));
      std::exit(1);
    }
  }
};

[[maybe_unused]] ::testing::Environment* const g_eal =
    ::testing::AddGlobalTestEnvironment(new EalEnvironment);

bool is_ipv6(const std::string& address) {
  return address.find(':') != std::string::npos;
}

test::Bytes ip_frame(const std::string& from, const std::string& to, const test::Transport& transport) {
  if (is_ipv6(from)) return test::ipv6_frame({}, test::Ipv6{.source = from, .destination = to}, transport);
  return test::ipv4_frame({}, test::Ipv4{.source = from, .destination = to}, transport);
}

}  // namespace

rte_mempool* pool() {
  return g_pool;
}

Packet::Packet(const test::Bytes& frame) : m_(test::to_mbuf(g_pool, frame)) {
  if (m_ == nullptr) {
    ADD_FAILURE() << "no mbuf for the frame";
    std::abort();
  }
  const DropReason r =
      parse_frame(rte_pktmbuf_mtod(m_, const uint8_t*), rte_pktmbuf_pkt_len(m_), meta_of(m_), {});
  EXPECT_EQ(r, DropReason::kNone) << drop_reason_name(r);
}

Packet::~Packet() {
  rte_pktmbuf_free(m_);
}

FlowTuple Packet::tuple() const {
  FlowTuple t{};
  EXPECT_TRUE(tuple_of_packet(meta(), m_, t));
  return t;
}

test::Bytes tcp_frame(const Endpoint& from, const Endpoint& to, uint32_t seq, uint32_t ack, uint8_t flags,
                      uint16_t window, size_t payload, test::Bytes options) {
  test::Tcp tcp{.source_port = from.port,
                .destination_port = to.port,
                .sequence = seq,
                .acknowledgement = ack,
                .flags = flags,
                .window = window,
                .options = std::move(options),
                .payload = test::Bytes(payload, 0x61)};
  return ip_frame(from.address, to.address, tcp);
}

test::Bytes udp_frame(const Endpoint& from, const Endpoint& to, size_t payload) {
  return ip_frame(
      from.address, to.address,
      test::Udp{.source_port = from.port, .destination_port = to.port, .payload = test::Bytes(payload, 0)});
}

}  // namespace torwart::dataplane::conntrack::testing_support
