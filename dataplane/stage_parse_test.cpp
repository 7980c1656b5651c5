// stage_parse on real mbufs; needs the EAL, so it lives in its own binary and starts the EAL once.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "dataplane/parse.hpp"
#include "tests/support/packet_builder.hpp"

namespace torwart::dataplane {
namespace {

rte_mempool* g_pool = nullptr;

class EalEnvironment : public testing::Environment {
 public:
  void SetUp() override {
    const char* args[] = {"stage_parse_test", "--no-huge", "--no-pci", "--no-shconf",
                          "--no-telemetry",   "-m",        "256",      "--log-level=*:warning"};
    std::vector<char*> argv;
    for (const char* arg : args) argv.push_back(const_cast<char*>(arg));
    if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
      // An ASSERT here would only skip every test quietly.
      std::fprintf(stderr, "rte_eal_init failed: %s\n", rte_strerror(rte_errno));
      std::exit(1);
    }
    g_pool = rte_pktmbuf_pool_create("stage_parse_test", 1023, 0, kMbufPrivSize, RTE_MBUF_DEFAULT_BUF_SIZE,
                                     SOCKET_ID_ANY);
    if (g_pool == nullptr) {
      std::fprintf(stderr, "mbuf pool: %s\n", rte_strerror(rte_errno));
      std::exit(1);
    }
  }
};

[[maybe_unused]] testing::Environment* const g_eal = testing::AddGlobalTestEnvironment(new EalEnvironment);

rte_mbuf* mbuf_of(const test::Bytes& frame) {
  rte_mbuf* m = test::to_mbuf(g_pool, frame);
  EXPECT_NE(m, nullptr);
  return m;
}

void free_all(const rte_mbuf* const* mbufs, uint16_t count) {
  for (uint16_t i = 0; i < count; ++i) rte_pktmbuf_free(const_cast<rte_mbuf*>(mbufs[i]));
}

TEST(StageParse, KeepsGoodPacketsInOrderAndDropsTheRestWithTheirReason) {
  const test::Bytes good_tcp = test::ipv4_frame({}, {}, test::Tcp{});
  const test::Bytes good_udp6 = test::ipv6_frame({.vlan_id = 12}, {}, test::Udp{});
  const test::Bytes bad_checksum = test::ipv4_frame({}, {.corrupt_checksum = true}, test::Tcp{});
  const test::Bytes runt(10, 0);

  Burst burst;
  const test::Bytes* frames[] = {&bad_checksum, &good_tcp, &runt, &good_udp6};
  for (const test::Bytes* frame : frames) burst.pkts[burst.count++] = mbuf_of(*frame);
  rte_mbuf* const tcp_mbuf = burst.pkts[1];
  rte_mbuf* const udp6_mbuf = burst.pkts[3];

  stage_parse(burst, {});

  ASSERT_EQ(burst.count, 2);
  EXPECT_EQ(burst.pkts[0], tcp_mbuf);
  EXPECT_EQ(burst.pkts[1], udp6_mbuf);
  EXPECT_EQ(meta_of(tcp_mbuf).dst_port, 80);
  EXPECT_EQ(meta_of(udp6_mbuf).vlan_id, 12);
  ASSERT_EQ(burst.dropped_count, 2);
  EXPECT_EQ(meta_of(burst.dropped[0]).drop_reason, DropReason::kBadIpv4Checksum);
  EXPECT_EQ(meta_of(burst.dropped[1]).drop_reason, DropReason::kTruncatedEthernet);
  free_all(burst.pkts.data(), burst.count);
  free_all(burst.dropped.data(), burst.dropped_count);
}

// Two segments: the first holds `split` bytes of the frame, the second the rest.
rte_mbuf* chained(const test::Bytes& frame, std::size_t split) {
  rte_mbuf* head = test::to_mbuf(g_pool, std::span(frame).first(split));
  rte_mbuf* tail = test::to_mbuf(g_pool, std::span(frame).subspan(split));
  EXPECT_EQ(rte_pktmbuf_chain(head, tail), 0);
  return head;
}

TEST(StageParse, MultiSegmentFramesNeedAllHeadersInTheFirstSegment) {
  test::Tcp tcp;
  tcp.payload = test::Bytes(600, 0x33);
  const test::Bytes frame = test::ipv4_frame({}, {}, tcp);

  Burst burst;
  burst.pkts[burst.count++] = chained(frame, 14 + 20 + 20 + 100);  // headers whole in the first segment
  burst.pkts[burst.count++] = chained(frame, 14 + 20 + 10);        // TCP header split across segments
  stage_parse(burst, {});

  ASSERT_EQ(burst.count, 1);
  EXPECT_EQ(meta_of(burst.pkts[0]).l3_length, 20 + 20 + 600);
  EXPECT_EQ(meta_of(burst.pkts[0]).l4_offset, 34);
  ASSERT_EQ(burst.dropped_count, 1);
  EXPECT_EQ(meta_of(burst.dropped[0]).drop_reason, DropReason::kTruncatedEthernet);
  free_all(burst.pkts.data(), burst.count);
  free_all(burst.dropped.data(), burst.dropped_count);
}

}  // namespace
}  // namespace torwart::dataplane
