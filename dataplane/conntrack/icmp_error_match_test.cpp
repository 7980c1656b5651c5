#include "dataplane/conntrack/icmp_error_match.hpp"

#include <gtest/gtest.h>

#include <random>

#include "dataplane/conntrack/conntrack_test_support.hpp"
#include "dataplane/core/parse.hpp"

namespace torwart::dataplane::conntrack {
namespace {

using namespace testing_support;

constexpr Direction kOrig = Direction::kOriginal;
constexpr Direction kReply = Direction::kReply;

class IcmpErrors : public ::testing::Test {
 protected:
  Flow* open(const Packet& first, const FlowTuple& reply) {
    Flow* flow = table.create(first.tuple(), reply, now, ends).flow;
    EXPECT_NE(flow, nullptr);
    return flow;
  }
  // The symmetric hash parse gives `datagram` when it arrives as a frame of its own.
  static uint32_t parse_hash(const test::Bytes& datagram, bool ipv6) {
    const test::Bytes frame = test::ethernet_frame({}, ipv6 ? 0x86dd : 0x0800, datagram);
    PacketMeta meta;
    EXPECT_EQ(parse_frame(frame.data(), static_cast<uint32_t>(frame.size()), meta, {}), DropReason::kNone);
    return meta.flow_hash;
  }

  FlowTable table{FlowTableConfig{.max_flows = 16}, 0};
  uint64_t now = 10 * kNsPerSecond;
  FlowEndCallback ends = FlowEndCallback::ignore();
};

TEST_F(IcmpErrors, Ipv4ErrorsFindTheirFlowAndDirection) {
  const test::Ipv4 out{.source = "192.168.10.10", .destination = "203.0.113.80"};
  const test::Tcp syn{.source_port = 40000, .destination_port = 80};
  Packet first(test::ipv4_frame({}, out, syn));
  Flow* flow = open(first, mirror(first.tuple()));

  // A router beyond the box tells the client: the quote is the client's own packet.
  const test::Bytes quoted = test::ipv4_datagram(out, syn);
  Packet to_client(test::ipv4_frame({}, {.source = "198.51.100.7", .destination = "192.168.10.10"},
                                    test::icmp_error(11, 0, quoted)));
  const LookupResult found = match_icmp_error(table, to_client.meta(), to_client.mbuf(), now, ends);
  EXPECT_EQ(found.flow, flow);
  EXPECT_EQ(found.direction, kReply);
  EXPECT_EQ(icmp_error_flow_hash(to_client.meta(), to_client.mbuf()), parse_hash(quoted, false));
  EXPECT_EQ(icmp_error_flow_hash(to_client.meta(), to_client.mbuf()), first.meta().flow_hash);

  // The client's stack complains about the server's answer: the quote is a reply-direction packet.
  const test::Bytes answer =
      test::ipv4_datagram({.source = "203.0.113.80", .destination = "192.168.10.10"},
                          test::Tcp{.source_port = 80, .destination_port = 40000, .flags = 0x12});
  Packet to_server(test::ipv4_frame({}, {.source = "192.168.10.10", .destination = "203.0.113.80"},
                                    test::icmp_error(3, 3, answer)));
  const LookupResult back = match_icmp_error(table, to_server.meta(), to_server.mbuf(), now, ends);
  EXPECT_EQ(back.flow, flow);
  EXPECT_EQ(back.direction, kOrig);

  // About a connection we do not know: nothing.
  const test::Bytes stranger =
      test::ipv4_datagram(out, test::Tcp{.source_port = 40001, .destination_port = 80});
  Packet unknown(test::ipv4_frame({}, {.source = "198.51.100.7", .destination = "192.168.10.10"},
                                  test::icmp_error(11, 0, stranger)));
  EXPECT_EQ(match_icmp_error(table, unknown.meta(), unknown.mbuf(), now, ends).flow, nullptr);
}

TEST_F(IcmpErrors, Ipv6ErrorsFindTheirFlow) {
  const test::Ipv6 out{.source = "2001:db8:10::10", .destination = "2001:db8:f00::53"};
  const test::Udp query{.source_port = 5353, .destination_port = 53, .payload = test::Bytes(20, 1)};
  Packet first(test::ipv6_frame({}, out, query));
  Flow* flow = open(first, mirror(first.tuple()));
  const test::Bytes quoted = test::ipv6_datagram(out, query);
  Packet error(test::ipv6_frame({}, {.source = "2001:db8:f00::1", .destination = "2001:db8:10::10"},
                                test::icmpv6_error(1, 4, quoted)));
  ASSERT_TRUE(error.meta().flags & meta_flag::kIcmpError);
  const LookupResult found = match_icmp_error(table, error.meta(), error.mbuf(), now, ends);
  EXPECT_EQ(found.flow, flow);
  EXPECT_EQ(found.direction, kReply);
  EXPECT_EQ(icmp_error_flow_hash(error.meta(), error.mbuf()), first.meta().flow_hash);

  // The same quote behind a destination-options header.
  test::Ipv6 with_options = out;
  with_options.extensions.push_back(test::destination_options());
  const test::Bytes quoted_with_options = test::ipv6_datagram(with_options, query);
  Packet error2(test::ipv6_frame({}, {.source = "2001:db8:f00::1", .destination = "2001:db8:10::10"},
                                 test::icmpv6_error(1, 4, quoted_with_options)));
  EXPECT_EQ(match_icmp_error(table, error2.meta(), error2.mbuf(), now, ends).flow, flow);
}

TEST_F(IcmpErrors, EchoQuotesMatchByIdentifier) {
  const test::Ipv4 out{.source = "192.168.10.10", .destination = "203.0.113.9", .ttl = 1};
  Packet first(test::ipv4_frame({}, out, test::icmp_echo_request(0x2222, 5)));
  Flow* flow = open(first, mirror(first.tuple()));
  const test::Bytes quoted = test::ipv4_datagram(out, test::icmp_echo_request(0x2222, 5));
  Packet error(test::ipv4_frame({}, {.source = "198.51.100.7", .destination = "192.168.10.10"},
                                test::icmp_error(11, 0, quoted)));
  EXPECT_EQ(match_icmp_error(table, error.meta(), error.mbuf(), now, ends).flow, flow);
  EXPECT_EQ(icmp_error_flow_hash(error.meta(), error.mbuf()), first.meta().flow_hash);
}

TEST_F(IcmpErrors, TranslatedQuotesFindTheNatFlow) {
  // 192.168.10.10:40000 -> 203.0.113.80:53, leaving the box as 203.0.113.2:61000 -> 203.0.113.80:53.
  Packet first(udp_frame({"192.168.10.10", 40000}, {"203.0.113.80", 53}));
  Packet reply_as_seen(udp_frame({"203.0.113.80", 53}, {"203.0.113.2", 61000}));
  Flow* flow = open(first, reply_as_seen.tuple());
  const test::Bytes translated = test::ipv4_datagram({.source = "203.0.113.2", .destination = "203.0.113.80"},
                                                     test::Udp{.source_port = 61000, .destination_port = 53});
  Packet error(test::ipv4_frame({}, {.source = "198.51.100.7", .destination = "203.0.113.2"},
                                test::icmp_error(3, 3, translated)));
  const LookupResult found = match_icmp_error(table, error.meta(), error.mbuf(), now, ends);
  EXPECT_EQ(found.flow, flow);
  EXPECT_EQ(found.direction, kReply);
}

TEST_F(IcmpErrors, FragmentQuotesHashLikeParseAndLaterFragmentsAreRejected) {
  const test::Ipv4 first_fragment{
      .source = "192.168.10.10", .destination = "203.0.113.80", .more_fragments = true};
  const test::Bytes quoted =
      test::ipv4_datagram(first_fragment, test::Udp{.source_port = 7, .destination_port = 9});
  Packet error(test::ipv4_frame({}, {.source = "198.51.100.7", .destination = "192.168.10.10"},
                                test::icmp_error(11, 1, quoted)));
  EXPECT_EQ(icmp_error_flow_hash(error.meta(), error.mbuf()), parse_hash(quoted, false));

  const test::Ipv4 later{.source = "192.168.10.10", .destination = "203.0.113.80", .fragment_offset = 10};
  const test::Bytes later_quote = test::ipv4_datagram(later, test::RawTransport{17, test::Bytes(16, 0)});
  Packet later_error(test::ipv4_frame({}, {.source = "198.51.100.7", .destination = "192.168.10.10"},
                                      test::icmp_error(11, 1, later_quote)));
  QuotedPacket q;
  EXPECT_FALSE(quoted_packet_of(later_error.meta(), later_error.mbuf(), q));
  EXPECT_EQ(icmp_error_flow_hash(later_error.meta(), later_error.mbuf()), later_error.meta().flow_hash);
}

TEST_F(IcmpErrors, QuotesOfErrorsAndOtherIcmpAreNotMatched) {
  const test::Bytes inner_error =
      test::ipv4_datagram({}, test::icmp_error(3, 1, test::ipv4_datagram({}, test::Udp{})));
  Packet error(test::ipv4_frame({}, {.source = "198.51.100.7", .destination = "192.0.2.1"},
                                test::icmp_error(3, 1, inner_error)));
  QuotedPacket q;
  EXPECT_FALSE(quoted_packet_of(error.meta(), error.mbuf(), q));
  // An IPv6 quote inside ICMP (v4) is malformed.
  const test::Bytes v6 = test::ipv6_datagram({}, test::Udp{});
  Packet mixed(test::ipv4_frame({}, {.source = "198.51.100.7", .destination = "192.0.2.1"},
                                test::icmp_error(3, 1, v6)));
  EXPECT_FALSE(quoted_packet_of(mixed.meta(), mixed.mbuf(), q));
}

// Every prefix of a quote, each in a buffer of exactly that size (ASan reports any read beyond it): only
// those holding the whole inner header and 8 transport bytes parse.
void expect_prefixes_parse_only_when_complete(const test::Bytes& icmp, bool ipv6, size_t needed) {
  for (size_t length = 0; length <= icmp.size(); ++length) {
    const auto buffer = std::make_unique<uint8_t[]>(length == 0 ? 1 : length);
    std::copy_n(icmp.begin(), length, buffer.get());
    QuotedPacket q;
    EXPECT_EQ(parse_quoted_packet(buffer.get(), static_cast<uint32_t>(length), ipv6, q), length >= needed)
        << "length " << length;
  }
}

TEST_F(IcmpErrors, TruncatedQuotesAreRejectedWithinTheirBytes) {
  const auto icmp_message = [](const test::Bytes& frame, size_t l3, size_t ip_header) {
    return test::Bytes(frame.begin() + static_cast<std::ptrdiff_t>(l3 + ip_header), frame.end());
  };
  // IPv4 with 8 bytes of options quoting TCP: 8 (ICMP) + 28 (inner IP) + 8 (TCP) needed.
  const test::Bytes v4_quote = test::ipv4_datagram({.options = {1, 1, 1, 1, 1, 1, 1, 1}}, test::Tcp{});
  const test::Bytes v4_frame = test::ipv4_frame({}, {}, test::icmp_error(3, 1, v4_quote));
  expect_prefixes_parse_only_when_complete(icmp_message(v4_frame, 14, 20), false, 8 + 28 + 8);
  // IPv6 with a hop-by-hop header quoting UDP: 8 + 40 + 8 + 8.
  test::Ipv6 inner;
  inner.extensions.push_back(test::hop_by_hop_options());
  const test::Bytes v6_quote = test::ipv6_datagram(inner, test::Udp{});
  const test::Bytes v6_frame = test::ipv6_frame({}, {}, test::icmpv6_error(1, 0, v6_quote));
  expect_prefixes_parse_only_when_complete(icmp_message(v6_frame, 14, 40), true, 8 + 40 + 8 + 8);

  // Through the mbuf path, quotes cut by the sender at every length.
  for (size_t limit = 0; limit <= v4_quote.size(); ++limit) {
    Packet error(test::ipv4_frame({}, {.source = "198.51.100.7", .destination = "192.0.2.1"},
                                  test::icmp_error(3, 1, v4_quote, limit)));
    QuotedPacket q;
    EXPECT_EQ(quoted_packet_of(error.meta(), error.mbuf(), q), limit >= 28 + 8) << limit;
    EXPECT_EQ(match_icmp_error(table, error.meta(), error.mbuf(), now, ends).flow, nullptr);
  }
}

TEST_F(IcmpErrors, RandomBytesNeverReadBeyondTheQuote) {
  std::mt19937 random(7);
  for (int round = 0; round < 20000; ++round) {
    const size_t length = random() % 120;
    const auto buffer = std::make_unique<uint8_t[]>(length + 1);
    for (size_t i = 0; i < length; ++i) buffer[i] = static_cast<uint8_t>(random());
    // Plausible version nibbles and header lengths more often than chance would give.
    if (length > 8 && random() % 2)
      buffer[8] = static_cast<uint8_t>(random() % 2 ? 0x45 + random() % 11 : 0x60);
    QuotedPacket q;
    parse_quoted_packet(buffer.get(), static_cast<uint32_t>(length), random() % 2, q);
  }
  SUCCEED();
}

}  // namespace
}  // namespace torwart::dataplane::conntrack
