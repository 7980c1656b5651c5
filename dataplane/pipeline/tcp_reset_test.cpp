// The RST and ICMP answers a `reject` policy rule sends.
#include <rte_tcp.h>

#include "dataplane/pipeline/fastpath_test_support.hpp"
#include "dataplane/pipeline/icmp_error.hpp"
#include "dataplane/pipeline/tcp_reset.hpp"

namespace torwart::dataplane::testing_support {
namespace {

using test::Bytes;

class RejectAnswerTest : public FastPath {
 protected:
  // Runs the stages up to where a policy stage would decide, then lets `answer` reply to the first packet.
  template <typename Answer>
  const std::vector<Bytes>& answer_on_lan(const Bytes& frame, Answer&& answer) {
    Burst burst = parsed(kLan, {frame});
    ctx->snapshot = snapshot.get();
    ctx->now_ns = now_ns;
    stage_ingress(*ctx, burst);
    stage_route(*ctx, burst);
    EXPECT_EQ(burst.count, 1);
    answer(burst, burst.pkts[0]);
    burst.drop(burst.pkts[0], DropReason::kNoRoute);
    burst.count = 0;
    pipeline_process(*ctx, burst);  // runs the generated answer through L2 and output
    return sent_on(kLan);
  }
};

TEST_F(RejectAnswerTest, SynIsAnsweredWithRstAckFromTheDestination) {
  const Bytes syn = test::ipv4_frame(
      {.source = kLanClientMac, .destination = kLanMac},
      {.source = "192.168.10.10", .destination = "10.20.0.10"},
      test::Tcp{
          .source_port = 40000, .destination_port = 445, .sequence = 1000, .flags = test::tcp_flag::kSyn});
  const auto& out = answer_on_lan(syn, [&](Burst& b, rte_mbuf* m) { send_tcp_reset(*ctx, b, m); });
  ASSERT_EQ(out.size(), 1u);
  const Bytes& rst = out[0];
  EXPECT_EQ(mac_at(rst, 0), kLanClientMac);
  EXPECT_EQ(ipv4_at(rst, 26), "10.20.0.10");
  EXPECT_EQ(ipv4_at(rst, 30), "192.168.10.10");
  EXPECT_EQ(be16(rst, 34), 445);
  EXPECT_EQ(be16(rst, 36), 40000);
  EXPECT_EQ(be32(rst, 38), 0u);
  EXPECT_EQ(be32(rst, 42), 1001u) << "acknowledges the SYN";
  EXPECT_EQ(rst[47], RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG);
  EXPECT_TRUE(ipv4_header_valid(rst, 14));
  EXPECT_TRUE(ipv4_l4_checksum_valid(rst, 14));
  EXPECT_EQ(ctx->counters.tcp_resets_sent, 1u);
}

TEST_F(RejectAnswerTest, SegmentWithAckGetsARstAtItsAcknowledgementNumber) {
  const Bytes data = test::ipv6_frame({.source = kLanClientMac, .destination = kLanMac},
                                      {.source = "2001:db8:10::10", .destination = "2001:db8:1000::10"},
                                      test::Tcp{.sequence = 5,
                                                .acknowledgement = 777,
                                                .flags = test::tcp_flag::kAck | test::tcp_flag::kPsh,
                                                .payload = Bytes(10, 1)});
  const auto& out = answer_on_lan(data, [&](Burst& b, rte_mbuf* m) { send_tcp_reset(*ctx, b, m); });
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(be32(out[0], 14 + 40 + 4), 777u);
  EXPECT_EQ(out[0][14 + 40 + 13], RTE_TCP_RST_FLAG);
  EXPECT_TRUE(ipv6_l4_checksum_valid(out[0], 14));
}

TEST_F(RejectAnswerTest, RstIsNeverAnsweredWithRst) {
  const Bytes rst = test::ipv4_frame({.source = kLanClientMac, .destination = kLanMac},
                                     {.source = "192.168.10.10", .destination = "10.20.0.10"},
                                     test::Tcp{.flags = test::tcp_flag::kRst});
  EXPECT_TRUE(answer_on_lan(rst, [&](Burst& b, rte_mbuf* m) { send_tcp_reset(*ctx, b, m); }).empty());
}

TEST_F(RejectAnswerTest, UdpIsAnsweredWithAdministrativelyProhibited) {
  const Bytes udp = test::ipv4_frame({.source = kLanClientMac, .destination = kLanMac},
                                     {.source = "192.168.10.10", .destination = "10.20.0.10"}, test::Udp{});
  const auto& out = answer_on_lan(udp, [&](Burst& b, rte_mbuf* m) {
    send_icmp_error(*ctx, b, m, IcmpErrorKind::kAdministrativelyProhibited);
  });
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0][34], 3);
  EXPECT_EQ(out[0][35], 13);
  EXPECT_TRUE(icmpv4_checksum_valid(out[0], 14));
}

}  // namespace
}  // namespace torwart::dataplane::testing_support
