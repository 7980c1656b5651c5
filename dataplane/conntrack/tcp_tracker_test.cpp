#include <gtest/gtest.h>

#include <optional>

#include "dataplane/conntrack/conntrack_test_support.hpp"
#include "dataplane/conntrack/tcp_tracker.hpp"

namespace torwart::dataplane::conntrack {
namespace {

using namespace testing_support;
using test::tcp_flag::kAck;
using test::tcp_flag::kFin;
using test::tcp_flag::kPsh;
using test::tcp_flag::kRst;
using test::tcp_flag::kSyn;

constexpr Direction kOrig = Direction::kOriginal;
constexpr Direction kReply = Direction::kReply;

// Client 192.168.10.10:40000 -> server 203.0.113.80:80; client ISN 1000, server ISN 5000.
class TcpTracking : public ::testing::Test {
 protected:
  struct Segment {
    uint32_t seq;
    uint32_t ack;
    uint8_t flags;
    size_t payload = 0;
    uint16_t window = 65535;
    test::Bytes options = {};
  };

  TrackVerdict send(Direction d, const Segment& s) {
    const Endpoint& from = d == kOrig ? client : server;
    const Endpoint& to = d == kOrig ? server : client;
    Packet p(tcp_frame(from, to, s.seq, s.ack, s.flags, s.window, s.payload, s.options));
    if (flow == nullptr) {
      const CreateResult created = table.create(p.tuple(), mirror(p.tuple()), now, ends);
      EXPECT_NE(created.flow, nullptr);
      flow = created.flow;
    }
    const LookupResult found = table.lookup(p.tuple(), now, ends);
    EXPECT_EQ(found.flow, flow);
    EXPECT_EQ(found.direction, d);
    return table.track(*flow, d, p.meta(), p.mbuf(), now);
  }

  void handshake() {
    ASSERT_EQ(send(kOrig, {1000, 0, kSyn}), TrackVerdict::kAccept);
    ASSERT_EQ(flow->state, FlowState::kTcpSynSent);
    ASSERT_EQ(send(kReply, {5000, 1001, kSyn | kAck}), TrackVerdict::kAccept);
    ASSERT_EQ(flow->state, FlowState::kTcpSynReceived);
    ASSERT_EQ(send(kOrig, {1001, 5001, kAck}), TrackVerdict::kAccept);
    ASSERT_EQ(flow->state, FlowState::kTcpEstablished);
  }

  FlowTable table{FlowTableConfig{.max_flows = 16}, 3};
  Endpoint client{"192.168.10.10", 40000};
  Endpoint server{"203.0.113.80", 80};
  uint64_t now = 5000 * kNsPerSecond;
  FlowEndCallback ends = FlowEndCallback::ignore();
  Flow* flow = nullptr;
};

TEST_F(TcpTracking, HandshakeEstablishesAndCountsBothDirections) {
  handshake();
  EXPECT_EQ(send(kOrig, {1001, 5001, kAck | kPsh, 100}), TrackVerdict::kAccept);
  EXPECT_EQ(send(kReply, {5001, 1101, kAck | kPsh, 300}), TrackVerdict::kAccept);
  EXPECT_EQ(flow->state, FlowState::kTcpEstablished);
  EXPECT_EQ(flow->packets[0], 3u);
  EXPECT_EQ(flow->packets[1], 2u);
  EXPECT_EQ(flow->bytes[0], 54u + 54u + 154u);  // Ethernet + IPv4 + TCP = 54
  EXPECT_EQ(flow->bytes[1], 54u + 354u);
  EXPECT_EQ(flow->id >> 48, 3u);
}

TEST_F(TcpTracking, OnlyASynWithoutAckMayOpen) {
  const auto may_open_with = [&](uint8_t flags) {
    Packet p(tcp_frame(client, server, 1, 0, flags));
    return tcp_may_open(p.meta(), p.mbuf());
  };
  EXPECT_TRUE(may_open_with(kSyn));
  EXPECT_FALSE(may_open_with(kAck));
  EXPECT_FALSE(may_open_with(kSyn | kAck));
  EXPECT_FALSE(may_open_with(kRst));
  EXPECT_FALSE(may_open_with(kSyn | kFin));
  EXPECT_FALSE(may_open_with(kFin | kAck));
  Packet udp(udp_frame(client, server));
  EXPECT_FALSE(tcp_may_open(udp.meta(), udp.mbuf()));
}

TEST_F(TcpTracking, AckWithoutSynCannotOpen) {
  EXPECT_EQ(send(kOrig, {1000, 77, kAck}), TrackVerdict::kInvalidTcpState);
  EXPECT_EQ(flow->state, FlowState::kTcpNew);
  EXPECT_EQ(flow->packets[0], 0u);
  EXPECT_EQ(table.counters().invalid_tcp_state, 1u);
  EXPECT_EQ(drop_reason_of(TrackVerdict::kInvalidTcpState), DropReason::kInvalidTcpState);
}

TEST_F(TcpTracking, RetransmittedSynAndNewIsnAreAccepted) {
  ASSERT_EQ(send(kOrig, {1000, 0, kSyn}), TrackVerdict::kAccept);
  EXPECT_EQ(send(kOrig, {1000, 0, kSyn}), TrackVerdict::kAccept);
  EXPECT_EQ(flow->state, FlowState::kTcpSynSent);
  // The client restarts with a new ISN: a SYN-ACK for the old one is out of window, for the new one fine.
  EXPECT_EQ(send(kOrig, {9000, 0, kSyn}), TrackVerdict::kAccept);
  EXPECT_EQ(send(kReply, {5000, 1001, kSyn | kAck}), TrackVerdict::kTcpOutOfWindow);
  EXPECT_EQ(send(kReply, {5000, 9001, kSyn | kAck}), TrackVerdict::kAccept);
  EXPECT_EQ(flow->state, FlowState::kTcpSynReceived);
  // Retransmitted SYN and SYN-ACK while the handshake completes.
  EXPECT_EQ(send(kOrig, {9000, 0, kSyn}), TrackVerdict::kAccept);
  EXPECT_EQ(send(kReply, {5000, 9001, kSyn | kAck}), TrackVerdict::kAccept);
  EXPECT_EQ(send(kOrig, {9001, 5001, kAck}), TrackVerdict::kAccept);
  EXPECT_EQ(flow->state, FlowState::kTcpEstablished);
  // The final ACK got lost: the server retransmits its SYN-ACK.
  EXPECT_EQ(send(kReply, {5000, 9001, kSyn | kAck}), TrackVerdict::kAccept);
  // A SYN from the client inside an established connection is not a retransmission.
  EXPECT_EQ(send(kOrig, {9000, 0, kSyn}), TrackVerdict::kInvalidTcpState);
}

TEST_F(TcpTracking, NothingButSynOrRstBeforeTheResponderAnswers) {
  ASSERT_EQ(send(kOrig, {1000, 0, kSyn}), TrackVerdict::kAccept);
  EXPECT_EQ(send(kOrig, {1001, 0, kAck | kPsh, 10}), TrackVerdict::kInvalidTcpState);
  EXPECT_EQ(send(kReply, {5000, 1001, kAck}), TrackVerdict::kInvalidTcpState);
  EXPECT_EQ(send(kReply, {5000, 1001, kSyn | kRst}), TrackVerdict::kInvalidTcpState);
  EXPECT_EQ(flow->state, FlowState::kTcpSynSent);
}

TEST_F(TcpTracking, ResponderRstMustAcknowledgeTheSyn) {
  ASSERT_EQ(send(kOrig, {1000, 0, kSyn}), TrackVerdict::kAccept);
  EXPECT_EQ(send(kReply, {0, 0, kRst}), TrackVerdict::kTcpOutOfWindow);
  EXPECT_EQ(send(kReply, {0, 1234, kRst | kAck}), TrackVerdict::kTcpOutOfWindow);
  EXPECT_EQ(flow->state, FlowState::kTcpSynSent);
  EXPECT_EQ(send(kReply, {0, 1001, kRst | kAck}), TrackVerdict::kAccept);
  EXPECT_EQ(flow->state, FlowState::kTcpClosed);
}

TEST_F(TcpTracking, DataMustStayInsideTheAnnouncedWindow) {
  ASSERT_EQ(send(kOrig, {1000, 0, kSyn, 0, 2000}), TrackVerdict::kAccept);
  ASSERT_EQ(send(kReply, {5000, 1001, kSyn | kAck, 0, 1000}), TrackVerdict::kAccept);
  ASSERT_EQ(send(kOrig, {1001, 5001, kAck, 0, 2000}), TrackVerdict::kAccept);
  // The server allows 1000 octets from 1001: up to sequence 2001.
  EXPECT_EQ(send(kOrig, {1001, 5001, kAck, 1001, 2000}), TrackVerdict::kTcpOutOfWindow);
  EXPECT_EQ(send(kOrig, {1500, 5001, kAck, 502, 2000}), TrackVerdict::kTcpOutOfWindow);
  EXPECT_EQ(send(kOrig, {1001, 5001, kAck, 1000, 2000}), TrackVerdict::kAccept);
  // The server's ACK opens the window further.
  EXPECT_EQ(send(kReply, {5001, 2001, kAck, 0, 1000}), TrackVerdict::kAccept);
  EXPECT_EQ(send(kOrig, {2001, 5001, kAck, 1000, 2000}), TrackVerdict::kAccept);
  EXPECT_EQ(send(kOrig, {3001, 5001, kAck, 1, 2000}), TrackVerdict::kTcpOutOfWindow);
  // A retransmission reaches back at most one window of the receiver (1000 octets, its largest).
  EXPECT_EQ(send(kOrig, {2001, 5001, kAck, 100, 2000}), TrackVerdict::kAccept);
  EXPECT_EQ(send(kOrig, {1999, 5001, kAck, 100, 2000}), TrackVerdict::kTcpOutOfWindow);
  // Far away in sequence space, either way.
  EXPECT_EQ(send(kOrig, {1001 + 0x40000000u, 5001, kAck, 10, 2000}), TrackVerdict::kTcpOutOfWindow);
  EXPECT_EQ(send(kOrig, {1001 - 0x40000000u, 5001, kAck, 10, 2000}), TrackVerdict::kTcpOutOfWindow);
  EXPECT_EQ(table.counters().tcp_out_of_window, 6u);
  EXPECT_EQ(flow->state, FlowState::kTcpEstablished);
}

TEST_F(TcpTracking, AckForDataNeverSentIsOutOfWindow) {
  handshake();
  // The server has sent only its SYN (up to 5001); one IP datagram of slack for unseen fragments.
  EXPECT_EQ(send(kOrig, {1001, 5001 + kAckAheadSlack, kAck}), TrackVerdict::kAccept);
  EXPECT_EQ(send(kOrig, {1001, 5001 + kAckAheadSlack + 1, kAck}), TrackVerdict::kTcpOutOfWindow);
  EXPECT_EQ(send(kOrig, {1001, 5001 + 1'000'000, kAck}), TrackVerdict::kTcpOutOfWindow);
  // Nor one far behind (more than the client's own window).
  EXPECT_EQ(send(kOrig, {1001, 5001u - 70000u, kAck}), TrackVerdict::kTcpOutOfWindow);
}

TEST_F(TcpTracking, RstInWindowClosesOutOfWindowIsRejected) {
  handshake();
  const uint64_t packets_before = flow->packets[1];
  EXPECT_EQ(send(kReply, {5001 + 0x10000000u, 0, kRst}), TrackVerdict::kTcpOutOfWindow);
  EXPECT_EQ(send(kReply, {5001 - 0x10000000u, 0, kRst}), TrackVerdict::kTcpOutOfWindow);
  EXPECT_EQ(send(kReply, {5001 + 65535 + 1, 0, kRst}), TrackVerdict::kTcpOutOfWindow);
  EXPECT_EQ(flow->state, FlowState::kTcpEstablished);
  EXPECT_EQ(flow->packets[1], packets_before);
  EXPECT_EQ(send(kReply, {5001 + 100, 0, kRst}), TrackVerdict::kAccept);
  EXPECT_EQ(flow->state, FlowState::kTcpClosed);
  // After the RST: more RSTs pass, data does not.
  EXPECT_EQ(send(kReply, {5001, 0, kRst}), TrackVerdict::kAccept);
  EXPECT_EQ(send(kOrig, {1001, 5001, kAck, 10}), TrackVerdict::kInvalidTcpState);
}

TEST_F(TcpTracking, OrderlyClose) {
  handshake();
  EXPECT_EQ(send(kOrig, {1001, 5001, kFin | kAck}), TrackVerdict::kAccept);
  EXPECT_EQ(flow->state, FlowState::kTcpFinWait);
  EXPECT_EQ(send(kReply, {5001, 1002, kAck}), TrackVerdict::kAccept);
  EXPECT_EQ(flow->state, FlowState::kTcpCloseWait);
  EXPECT_EQ(send(kReply, {5001, 1002, kAck | kPsh, 50}),
            TrackVerdict::kAccept);  // half-closed: server talks on
  EXPECT_EQ(send(kReply, {5051, 1002, kFin | kAck}), TrackVerdict::kAccept);
  EXPECT_EQ(flow->state, FlowState::kTcpLastAck);
  EXPECT_EQ(send(kOrig, {1002, 5052, kAck}), TrackVerdict::kAccept);
  EXPECT_EQ(flow->state, FlowState::kTcpTimeWait);
  // The last ACK retransmitted is still fine; data is not (sequence beyond the FIN).
  EXPECT_EQ(send(kOrig, {1002, 5052, kAck}), TrackVerdict::kAccept);
  EXPECT_EQ(flow->state, FlowState::kTcpTimeWait);
}

TEST_F(TcpTracking, SimultaneousClose) {
  handshake();
  // Both FINs cross: neither acknowledges the other's.
  EXPECT_EQ(send(kOrig, {1001, 5001, kFin | kAck}), TrackVerdict::kAccept);
  EXPECT_EQ(send(kReply, {5001, 1001, kFin | kAck}), TrackVerdict::kAccept);
  EXPECT_EQ(flow->state, FlowState::kTcpLastAck);
  EXPECT_EQ(send(kOrig, {1002, 5002, kAck}), TrackVerdict::kAccept);
  EXPECT_EQ(flow->state, FlowState::kTcpLastAck);
  EXPECT_EQ(send(kReply, {5002, 1002, kAck}), TrackVerdict::kAccept);
  EXPECT_EQ(flow->state, FlowState::kTcpTimeWait);
}

TEST_F(TcpTracking, PortReuseAfterTimeWaitStartsAfresh) {
  handshake();
  ASSERT_EQ(send(kOrig, {1001, 5001, kFin | kAck}), TrackVerdict::kAccept);
  ASSERT_EQ(send(kReply, {5001, 1002, kFin | kAck}), TrackVerdict::kAccept);
  ASSERT_EQ(send(kOrig, {1002, 5002, kAck}), TrackVerdict::kAccept);
  ASSERT_EQ(flow->state, FlowState::kTcpTimeWait);
  EXPECT_EQ(send(kReply, {7000, 0, kSyn}), TrackVerdict::kInvalidTcpState);  // only the originator reopens
  EXPECT_EQ(send(kOrig, {800000, 0, kSyn}), TrackVerdict::kAccept);
  EXPECT_EQ(flow->state, FlowState::kTcpSynSent);
  EXPECT_EQ(send(kReply, {7000, 800001, kSyn | kAck}), TrackVerdict::kAccept);
  EXPECT_EQ(send(kOrig, {800001, 7001, kAck}), TrackVerdict::kAccept);
  EXPECT_EQ(flow->state, FlowState::kTcpEstablished);
}

TEST_F(TcpTracking, WindowScalingNeedsBothSides) {
  const test::Bytes scale7 = {1, 3, 3, 7};  // NOP, window scale 7
  // The server announces a raw window of 512: 65536 octets when scaled by 7.
  ASSERT_EQ(send(kOrig, {1000, 0, kSyn, 0, 65535, scale7}), TrackVerdict::kAccept);
  ASSERT_EQ(send(kReply, {5000, 1001, kSyn | kAck, 0, 65535, scale7}), TrackVerdict::kAccept);
  ASSERT_EQ(send(kOrig, {1001, 5001, kAck, 0, 512}), TrackVerdict::kAccept);
  ASSERT_EQ(send(kReply, {5001, 1001, kAck, 0, 512}), TrackVerdict::kAccept);
  EXPECT_EQ(flow->tcp[0].window_shift, 7);
  EXPECT_EQ(flow->tcp[0].max_end, 1001u + 65536u);
  EXPECT_EQ(send(kOrig, {1001 + 64000, 5001, kAck, 1000, 512}), TrackVerdict::kAccept);
  EXPECT_EQ(send(kOrig, {1001 + 65000, 5001, kAck, 1000, 512}), TrackVerdict::kTcpOutOfWindow);
}

TEST_F(TcpTracking, WindowScalingOfferedByOneSideIsIgnored) {
  ASSERT_EQ(send(kOrig, {1000, 0, kSyn, 0, 65535, {1, 3, 3, 7}}), TrackVerdict::kAccept);
  ASSERT_EQ(send(kReply, {5000, 1001, kSyn | kAck, 0, 65535}), TrackVerdict::kAccept);
  ASSERT_EQ(send(kOrig, {1001, 5001, kAck, 0, 512}), TrackVerdict::kAccept);
  ASSERT_EQ(send(kReply, {5001, 1001, kAck, 0, 512}), TrackVerdict::kAccept);
  EXPECT_EQ(flow->tcp[0].window_shift, 0);
  EXPECT_EQ(flow->tcp[1].window_shift, 0);
  // The SYN-ACK's 65535 still stands (windows are maxima); beyond it is out.
  EXPECT_EQ(send(kOrig, {1001 + 65000, 5001, kAck, 535, 512}), TrackVerdict::kAccept);
  EXPECT_EQ(send(kOrig, {1001 + 65000, 5001, kAck, 536, 512}), TrackVerdict::kTcpOutOfWindow);
}

TEST_F(TcpTracking, WindowScaleOptionParsingIsBounded) {
  const uint8_t good[] = {1, 1, 3, 3, 9};
  EXPECT_EQ(find_window_scale(good, sizeof(good)), 9);
  const uint8_t capped[] = {3, 3, 30};
  EXPECT_EQ(find_window_scale(capped, sizeof(capped)), 14);
  const uint8_t cut[] = {3, 3};
  EXPECT_EQ(find_window_scale(cut, sizeof(cut)), kNoWindowScale);
  const uint8_t overrun[] = {2, 40, 3, 3, 1};
  EXPECT_EQ(find_window_scale(overrun, sizeof(overrun)), kNoWindowScale);
  const uint8_t zero_length[] = {5, 0, 3, 3, 1};
  EXPECT_EQ(find_window_scale(zero_length, sizeof(zero_length)), kNoWindowScale);
  const uint8_t after_end[] = {0, 3, 3, 1};
  EXPECT_EQ(find_window_scale(after_end, sizeof(after_end)), kNoWindowScale);
}

TEST_F(TcpTracking, TimeoutsFollowTheStateExactly) {
  std::optional<FlowEndReason> ended;
  auto on_end = [&](const Flow&, FlowEndReason reason) { ended = reason; };
  Packet syn(tcp_frame(client, server, 1000, 0, kSyn));
  flow = table.create(syn.tuple(), mirror(syn.tuple()), now, on_end).flow;
  ASSERT_EQ(table.track(*flow, kOrig, syn.meta(), syn.mbuf(), now), TrackVerdict::kAccept);
  const uint64_t syn_sent = 30 * kNsPerSecond;
  EXPECT_EQ(table.lookup(syn.tuple(), now + syn_sent - 1, on_end).flow, flow);
  EXPECT_FALSE(ended.has_value());
  EXPECT_EQ(table.lookup(syn.tuple(), now + syn_sent, on_end).flow, nullptr);
  EXPECT_EQ(ended, FlowEndReason::kTimeout);
  EXPECT_EQ(table.counters().expired, 1u);
  EXPECT_EQ(table.size(), 0u);

  flow = nullptr;
  handshake();
  const uint64_t established = 3600 * kNsPerSecond;
  EXPECT_EQ(table.timeout_of(*flow), established);
  EXPECT_FALSE(table.expired(*flow, now + established - 1));
  EXPECT_TRUE(table.expired(*flow, now + established));
  ASSERT_EQ(send(kOrig, {1001, 5001, kFin | kAck}), TrackVerdict::kAccept);
  EXPECT_EQ(table.timeout_of(*flow), 120 * kNsPerSecond);
  ASSERT_EQ(send(kReply, {5001, 1001, kRst}), TrackVerdict::kAccept);
  EXPECT_EQ(table.timeout_of(*flow), 10 * kNsPerSecond);
}

TEST_F(TcpTracking, LaterFragmentsAreCountedWithoutReadingTcp) {
  handshake();
  // Bytes that would be a RST far out of window if anyone read them as a TCP header.
  test::Bytes junk(64, 0xff);
  Packet fragment(test::ipv4_frame(
      {}, test::Ipv4{.source = client.address, .destination = server.address, .fragment_offset = 100},
      test::RawTransport{6, junk}));
  ASSERT_TRUE(fragment.meta().flags & meta_flag::kLaterFragment);
  FlowTuple t;
  EXPECT_FALSE(tuple_of_packet(fragment.meta(), fragment.mbuf(), t));
  EXPECT_FALSE(tcp_may_open(fragment.meta(), fragment.mbuf()));
  EXPECT_EQ(table.track(*flow, kOrig, fragment.meta(), fragment.mbuf(), now), TrackVerdict::kAccept);
  EXPECT_EQ(flow->state, FlowState::kTcpEstablished);
}

TEST_F(TcpTracking, Ipv6Handshake) {
  client = {"2001:db8:10::10", 50000};
  server = {"2001:db8:f00::80", 443};
  handshake();
  EXPECT_EQ(flow->original().family, 6);
  EXPECT_EQ(send(kReply, {5001, 1001, kAck | kPsh, 1000}), TrackVerdict::kAccept);
  EXPECT_EQ(send(kReply, {5001 + 0x20000000u, 1001, kAck | kPsh, 10}), TrackVerdict::kTcpOutOfWindow);
}

}  // namespace
}  // namespace torwart::dataplane::conntrack
