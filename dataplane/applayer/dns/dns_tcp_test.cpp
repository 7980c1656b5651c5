#include "dataplane/applayer/dns/dns_tcp.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dataplane/applayer/dns/dns_names.hpp"
#include "dataplane/applayer/dns/dns_test_messages.hpp"

namespace torwart::dataplane::applayer::dns {
namespace {

class RecordingSink final : public DnsSink {
 public:
  void on_message(Direction direction, const DnsMessage& message) override {
    events.push_back(std::string(direction == Direction::kToServer ? "S " : "C ") + test::summarise(message));
    counters.count_message(message);
  }
  void on_anomaly(Direction direction, DnsAnomaly anomaly) override {
    events.push_back(std::string(direction == Direction::kToServer ? "S " : "C ") + "anomaly " +
                     std::string(dns_anomaly_name(anomaly.reason)) + "@" + std::to_string(anomaly.offset));
    counters.count_anomaly(anomaly);
  }
  std::vector<std::string> events;
  DnsCounters counters;
};

std::vector<uint8_t> concat(std::vector<uint8_t> a, const std::vector<uint8_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<uint8_t> framed(const std::vector<uint8_t>& message) {
  test::DnsBuilder b;
  b.bytes = message;
  return b.framed();
}

std::vector<std::string> feed_in_pieces(Direction direction, std::span<const uint8_t> stream,
                                        std::initializer_list<size_t> cuts) {
  DnsTcpFlowState state;
  dns_tcp_start(state);
  RecordingSink sink;
  size_t from = 0;
  for (const size_t cut : cuts) {
    dns_tcp_feed(state, direction, stream.subspan(from, cut - from), sink);
    from = cut;
  }
  dns_tcp_feed(state, direction, stream.subspan(from), sink);
  return sink.events;
}

TEST(DnsTcp, TwoResponsesInOneCall) {
  const auto stream = concat(framed(test::make_cname_response(1, "a.example")),
                             framed(test::make_cname_response(2, "b.example")));
  const auto events = feed_in_pieces(Direction::kToClient, stream, {});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_NE(events[0].find("id=1 "), std::string::npos);
  EXPECT_NE(events[0].find("an:a.example/5/300=www.example.net"), std::string::npos) << events[0];
  EXPECT_NE(events[1].find("id=2 "), std::string::npos);
}

TEST(DnsTcp, EverySplitPointAndEveryPairOfSplitPointsGivesTheSameMessages) {
  const auto stream = concat(framed(test::make_query(7, "www.example.org", 28)),
                             framed(test::make_cname_response(8, "mail.example.org")));
  const auto whole = feed_in_pieces(Direction::kToServer, stream, {});
  ASSERT_EQ(whole.size(), 2u);
  for (size_t i = 0; i <= stream.size(); ++i) {
    ASSERT_EQ(feed_in_pieces(Direction::kToServer, stream, {i}), whole) << i;
    for (size_t j = i; j <= stream.size(); ++j) {
      ASSERT_EQ(feed_in_pieces(Direction::kToServer, stream, {i, j}), whole) << i << "," << j;
    }
  }
  DnsTcpFlowState state;
  dns_tcp_start(state);
  RecordingSink sink;
  for (const uint8_t byte : stream) dns_tcp_feed(state, Direction::kToServer, std::span(&byte, 1), sink);
  EXPECT_EQ(sink.events, whole);
  EXPECT_EQ(sink.counters.queries, 1u);
  EXPECT_EQ(sink.counters.responses, 1u);
  EXPECT_EQ(state.directions[0].messages, 2u);
}

TEST(DnsTcp, DirectionsAreFramedApart) {
  const auto query = framed(test::make_query(3, "x.example", 1));
  const auto response = framed(test::make_cname_response(3, "x.example"));
  DnsTcpFlowState state;
  dns_tcp_start(state);
  RecordingSink sink;
  const std::span<const uint8_t> q(query);
  const std::span<const uint8_t> r(response);
  dns_tcp_feed(state, Direction::kToServer, q.first(5), sink);
  dns_tcp_feed(state, Direction::kToClient, r.first(7), sink);
  dns_tcp_feed(state, Direction::kToServer, q.subspan(5), sink);
  dns_tcp_feed(state, Direction::kToClient, r.subspan(7), sink);
  ASSERT_EQ(sink.events.size(), 2u);
  EXPECT_EQ(sink.events[0].substr(0, 7), "S id=3 ");
  EXPECT_EQ(sink.events[1].substr(0, 7), "C id=3 ");
}

TEST(DnsTcp, MessageLongerThanTheBufferIsParsedFromItsPrefix) {
  test::DnsBuilder big;
  big.header(9, 0x8180, 1, 200, 0, 0).question("many.example", 1);
  for (int i = 0; i < 200; ++i) big.record_at(12, 1, 1).u32(static_cast<uint32_t>(i)).end_rdata();
  ASSERT_GT(big.size(), kDnsTcpBufferBytes);
  const auto stream = concat(big.framed(), framed(test::make_cname_response(10, "next.example")));
  const auto whole = feed_in_pieces(Direction::kToClient, stream, {});
  ASSERT_EQ(whole.size(), 2u);
  EXPECT_NE(whole[0].find("incomplete full=" + std::to_string(big.size())), std::string::npos) << whole[0];
  EXPECT_NE(whole[1].find("id=10 "), std::string::npos);
  EXPECT_EQ(whole[1].find("incomplete"), std::string::npos);
  for (const size_t cut : {size_t{1}, size_t{2}, size_t{1537}, size_t{1538}, size_t{1539}, size_t{3000}}) {
    EXPECT_EQ(feed_in_pieces(Direction::kToClient, stream, {cut}), whole) << cut;
  }
  DnsTcpFlowState state;
  dns_tcp_start(state);
  RecordingSink sink;
  dns_tcp_feed(state, Direction::kToClient, stream, sink);
  EXPECT_EQ(sink.counters.parsed_prefix, 1u);
  EXPECT_EQ(sink.counters.capacity_cut, 1u);  // 94 answers held, 16 of them stored
}

TEST(DnsTcp, ShortLengthLosesTheFramingOnce) {
  auto stream = framed(test::make_query(1, "a.example", 1));
  stream.insert(stream.end(), {0, 3, 1, 2, 3});
  stream = concat(stream, framed(test::make_query(2, "b.example", 1)));
  DnsTcpFlowState state;
  dns_tcp_start(state);
  RecordingSink sink;
  dns_tcp_feed(state, Direction::kToServer, stream, sink);
  dns_tcp_feed(state, Direction::kToServer, stream, sink);
  ASSERT_EQ(sink.events.size(), 2u);
  EXPECT_EQ(sink.events[1], "S anomaly tcp_length_too_short@0");
  EXPECT_TRUE(state.directions[0].framing_lost);
  EXPECT_TRUE(state.directions[0].anomalous);
  EXPECT_EQ(sink.counters.anomalies[static_cast<size_t>(DnsAnomalyReason::kTcpLengthTooShort)], 1u);
}

TEST(DnsTcp, MalformedMessageIsReportedAndTheNextOneParsed) {
  auto bad = test::make_query(1, "a.example", 1);
  bad[12] = 0x41;  // label length 65
  const auto stream = concat(framed(bad), framed(test::make_query(2, "b.example", 1)));
  const auto events = feed_in_pieces(Direction::kToServer, stream, {});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0], "S anomaly label_too_long@12");
  EXPECT_NE(events[1].find("q:b.example/1"), std::string::npos);
}

TEST(DnsTcp, StartResetsARecycledSlot) {
  DnsTcpFlowState state;
  dns_tcp_start(state);
  RecordingSink sink;
  const uint8_t garbage[] = {0, 1, 0xff};
  dns_tcp_feed(state, Direction::kToServer, garbage, sink);
  ASSERT_TRUE(state.directions[0].framing_lost);
  dns_tcp_start(state);
  const auto stream = framed(test::make_query(5, "c.example", 1));
  dns_tcp_feed(state, Direction::kToServer, stream, sink);
  ASSERT_EQ(sink.events.size(), 2u);
  EXPECT_EQ(sink.events[1].substr(0, 7), "S id=5 ");
}

}  // namespace
}  // namespace torwart::dataplane::applayer::dns
