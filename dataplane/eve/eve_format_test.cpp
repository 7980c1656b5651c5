// EVE `drop` records and the fixed-buffer JSON writer. No EAL: the mbuf is a plain struct over a buffer.
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <memory>
#include <regex>
#include <string>
#include <vector>

#include <rte_mbuf.h>
#include <nlohmann/json.hpp>

#include "dataplane/core/fixed_json.hpp"
#include "dataplane/core/parse.hpp"
#include "dataplane/eve/eve_format.hpp"
#include "tests/support/packet_builder.hpp"

namespace torwart::dataplane {
namespace {

constexpr uint64_t kTime = 1'700'000'000'123'456'789ull;  // 2023-11-14T22:13:20.123456789Z

// Enough of an mbuf for rte_pktmbuf_mtod and rte_pktmbuf_pkt_len.
// (Held through storage: rte_mbuf ends in a zero-length array, which -Wpedantic refuses as a member.)
struct FakeMbuf {
  explicit FakeMbuf(test::Bytes bytes)
      : frame(std::move(bytes)), storage(std::make_unique<rte_mbuf>()), mbuf(*storage) {
    mbuf.buf_addr = frame.data();
    mbuf.data_off = 0;
    mbuf.data_len = static_cast<uint16_t>(frame.size());
    mbuf.pkt_len = static_cast<uint32_t>(frame.size());
    mbuf.nb_segs = 1;
  }
  test::Bytes frame;
  std::unique_ptr<rte_mbuf> storage;
  rte_mbuf& mbuf;
};

struct Record {
  std::string text;
  nlohmann::json json;
};

Record drop_record(const test::Bytes& frame, DropReason reason, std::string_view iface = "lan",
                   bool expect_parse_ok = true, uint64_t flow_id = 0) {
  FakeMbuf m(frame);
  PacketMeta meta{};
  const DropReason parsed = parse_frame(m.frame.data(), static_cast<uint32_t>(m.frame.size()), meta, {});
  if (expect_parse_ok) {
    EXPECT_EQ(parsed, DropReason::kNone);
  }
  meta.drop_reason = reason;
  meta.flow_id = flow_id;
  char buffer[1024];
  const size_t length = format_drop_record(buffer, sizeof buffer, &m.mbuf, meta, kTime, iface);
  EXPECT_GT(length, 0u);
  Record record{std::string(buffer, length), {}};
  record.json = nlohmann::json::parse(record.text);  // throws, failing the test, when not JSON
  return record;
}

TEST(EveTimestamp, SuricataFormat) {
  char out[64];
  ASSERT_EQ(format_eve_timestamp(out, sizeof out, kTime), 31u);
  EXPECT_STREQ(out, "2023-11-14T22:13:20.123456+0000");
  ASSERT_EQ(format_eve_timestamp(out, sizeof out, 0), 31u);
  EXPECT_STREQ(out, "1970-01-01T00:00:00.000000+0000");
  EXPECT_EQ(format_eve_timestamp(out, 31, kTime), 0u);  // no room for the terminator
}

TEST(EveDropRecord, TcpDropHasSuricataFields) {
  const auto record = drop_record(
      test::ipv4_frame(
          {}, {.source = "192.168.10.10", .destination = "10.1.2.3", .ttl = 33, .tos = 0x10, .id = 777},
          test::Tcp{.source_port = 40001,
                    .destination_port = 443,
                    .sequence = 1000,
                    .acknowledgement = 2000,
                    .flags = test::tcp_flag::kSyn | test::tcp_flag::kAck,
                    .window = 512}),
      DropReason::kSpoofedSource);
  const auto& j = record.json;
  EXPECT_EQ(j["timestamp"], "2023-11-14T22:13:20.123456+0000");
  EXPECT_TRUE(std::regex_match(j["timestamp"].get<std::string>(),
                               std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+0000)")));
  EXPECT_EQ(j["event_type"], "drop");
  EXPECT_FALSE(j.contains("flow_id")) << "a packet of no tracked connection";
  EXPECT_EQ(j["in_iface"], "lan");
  EXPECT_EQ(j["src_ip"], "192.168.10.10");
  EXPECT_EQ(j["dest_ip"], "10.1.2.3");
  EXPECT_EQ(j["src_port"], 40001);
  EXPECT_EQ(j["dest_port"], 443);
  EXPECT_EQ(j["proto"], "TCP");
  const auto& drop = j["drop"];
  EXPECT_EQ(drop["reason"], "spoofed_source");
  EXPECT_EQ(drop["len"], 54);
  EXPECT_EQ(drop["ttl"], 33);
  EXPECT_EQ(drop["tos"], 0x10);
  EXPECT_EQ(drop["ipid"], 777);
  EXPECT_EQ(drop["tcpseq"], 1000);
  EXPECT_EQ(drop["tcpack"], 2000);
  EXPECT_EQ(drop["tcpwin"], 512);
  EXPECT_EQ(drop["syn"], true);
  EXPECT_EQ(drop["ack"], true);
  EXPECT_FALSE(drop.contains("fin"));
  EXPECT_FALSE(drop.contains("rst"));
}

TEST(EveDropRecord, Ipv6IcmpCarriesTypeAndCode) {
  const auto record =
      drop_record(test::ipv6_frame({}, {.source = "2001:db8:10::10", .destination = "2a00::1"},
                                   test::icmpv6_echo_request(1, 2)),
                  DropReason::kTtlExceeded);
  const auto& j = record.json;
  EXPECT_EQ(j["src_ip"], "2001:db8:10::10");
  EXPECT_EQ(j["dest_ip"], "2a00::1");
  EXPECT_EQ(j["proto"], "IPv6-ICMP");
  EXPECT_EQ(j["icmp_type"], 128);
  EXPECT_EQ(j["icmp_code"], 0);
  EXPECT_FALSE(j.contains("src_port"));
  EXPECT_EQ(j["drop"]["reason"], "ttl_exceeded");
}

TEST(EveDropRecord, UdpAndOtherProtocols) {
  const auto udp = drop_record(
      test::ipv4_frame({}, {}, test::Udp{.source_port = 5353, .destination_port = 53}), DropReason::kNoRoute);
  EXPECT_EQ(udp.json["proto"], "UDP");
  EXPECT_EQ(udp.json["dest_port"], 53);
  const auto gre =
      drop_record(test::ipv4_frame({}, {}, test::RawTransport{47, test::Bytes(8, 0)}), DropReason::kNoRoute);
  EXPECT_EQ(gre.json["proto"], "47");
}

TEST(EveDropRecord, DecodeFailuresCarryNoAddresses) {
  const auto record = drop_record(test::ipv4_frame({}, {.corrupt_checksum = true}, test::Udp{}),
                                  DropReason::kBadIpv4Checksum, "inet", false);
  const auto& j = record.json;
  EXPECT_EQ(j["event_type"], "drop");
  EXPECT_FALSE(j.contains("src_ip"));
  EXPECT_FALSE(j.contains("dest_ip"));
  EXPECT_FALSE(j.contains("proto"));
  EXPECT_FALSE(j["drop"].contains("ttl"));
  EXPECT_EQ(j["drop"]["reason"], "bad_ipv4_checksum");
  EXPECT_EQ(j["drop"]["len"], 14 + 20 + 8);
}

TEST(EveDropRecord, InterfaceNamesAreEscaped) {
  const std::string nasty = std::string("a\"b\\c\n") + '\x01';
  const auto record = drop_record(test::ipv4_frame({}, {}, test::Udp{}), DropReason::kNoRoute, nasty);
  EXPECT_EQ(record.json["in_iface"], nasty);
  EXPECT_EQ(record.text.find('\n'), std::string::npos);  // one line
}

TEST(EveDropRecord, OverflowReturnsZeroAndExactFitWorks) {
  FakeMbuf m(test::ipv4_frame({}, {}, test::Tcp{}));
  PacketMeta meta{};
  ASSERT_EQ(parse_frame(m.frame.data(), static_cast<uint32_t>(m.frame.size()), meta, {}), DropReason::kNone);
  meta.drop_reason = DropReason::kNoRoute;
  char buffer[1024];
  const size_t full = format_drop_record(buffer, sizeof buffer, &m.mbuf, meta, kTime, "lan");
  ASSERT_GT(full, 0u);
  std::vector<char> exact(full);
  EXPECT_EQ(format_drop_record(exact.data(), exact.size(), &m.mbuf, meta, kTime, "lan"), full);
  EXPECT_EQ(std::string(exact.data(), full), std::string(buffer, full));
  for (size_t capacity : {size_t{0}, size_t{1}, size_t{40}, full - 1}) {
    EXPECT_EQ(format_drop_record(exact.data(), capacity, &m.mbuf, meta, kTime, "lan"), 0u) << capacity;
  }
}

TEST(EveFlowRecord, SuricataFlowEventWithPolicyVerdict) {
  FlowRecord flow;
  flow.flow_id = 1234567;
  flow.protocol = IPPROTO_TCP;
  const uint8_t src[4] = {192, 168, 10, 10}, dst[4] = {10, 20, 0, 10};
  std::copy(std::begin(src), std::end(src), flow.src);
  std::copy(std::begin(dst), std::end(dst), flow.dst);
  flow.src_port = 40000;
  flow.dst_port = 443;
  flow.packets_to_server = 10;
  flow.packets_to_client = 8;
  flow.bytes_to_server = 1000;
  flow.bytes_to_client = 8000;
  flow.start_ns = 1'700'000'000'000'000'000ull;
  flow.end_ns = flow.start_ns + 65'000'000'000ull;
  flow.state = "closed";
  flow.reason = "timeout";
  flow.action = "pass";
  flow.rule = "lan-web-to-kdn";
  flow.in_iface = "lan";
  flow.out_iface = "kdn";
  flow.tcp_state = "closed";
  char buffer[1024];
  const size_t length = format_flow_record(buffer, sizeof buffer, flow, flow.end_ns);
  ASSERT_GT(length, 0u);
  const auto j = nlohmann::json::parse(std::string_view(buffer, length));
  EXPECT_EQ(j["event_type"], "flow");
  EXPECT_EQ(j["flow_id"], 1234567);
  EXPECT_EQ(j["src_ip"], "192.168.10.10");
  EXPECT_EQ(j["dest_port"], 443);
  EXPECT_EQ(j["proto"], "TCP");
  EXPECT_EQ(j["flow"]["pkts_toserver"], 10);
  EXPECT_EQ(j["flow"]["bytes_toclient"], 8000);
  EXPECT_EQ(j["flow"]["age"], 65);
  EXPECT_EQ(j["flow"]["start"], "2023-11-14T22:13:20.000000+0000");
  EXPECT_EQ(j["flow"]["end"], "2023-11-14T22:14:25.000000+0000");
  EXPECT_EQ(j["flow"]["action"], "pass");
  EXPECT_EQ(j["tcp"]["state"], "closed");
  EXPECT_EQ(j["policy"]["rule"], "lan-web-to-kdn");
  EXPECT_EQ(j["policy"]["out_iface"], "kdn");
  EXPECT_EQ(format_flow_record(buffer, 100, flow, flow.end_ns), 0u) << "too small: refused, not cut";
}

TEST(EveDropRecord, APacketOfATrackedFlowNamesItsFlowId) {
  const uint64_t id = (uint64_t{31} << 48) | 0xfffffffffffe;  // JSON-exact: below 2^53
  const auto record = drop_record(
      test::ipv4_frame(
          {}, {.source = "192.168.10.10", .destination = "10.1.2.3"},
          test::Tcp{.source_port = 40001, .destination_port = 443, .flags = test::tcp_flag::kAck}),
      DropReason::kSignatureDrop, "lan", true, id);
  EXPECT_EQ(record.json["flow_id"].get<uint64_t>(), id);
  EXPECT_EQ(record.json["flow_id"].get<double>(), static_cast<double>(id));
}

TEST(EveFlowRecord, IcmpEchoFlowsCarryTypesAndCommunityId) {
  FlowRecord flow;
  flow.protocol = IPPROTO_ICMP;
  const uint8_t src[4] = {192, 168, 10, 10}, dst[4] = {10, 20, 0, 10};
  std::copy(std::begin(src), std::end(src), flow.src);
  std::copy(std::begin(dst), std::end(dst), flow.dst);
  flow.src_port = flow.dst_port = 0x1234;  // the echo identifier: not a port
  flow.icmp_type = 8;
  flow.state = "new";
  flow.reason = "timeout";
  flow.action = "pass";
  flow.rule = "ping";
  flow.community_id = "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=";
  char buffer[1024];
  size_t length = format_flow_record(buffer, sizeof buffer, flow, 0);
  ASSERT_GT(length, 0u);
  auto j = nlohmann::json::parse(std::string_view(buffer, length));
  EXPECT_EQ(j["icmp_type"], 8);
  EXPECT_EQ(j["icmp_code"], 0);
  EXPECT_FALSE(j.contains("response_icmp_type")) << "no reply seen";
  EXPECT_FALSE(j.contains("src_port"));
  EXPECT_EQ(j["community_id"], "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=");
  flow.icmp_response = true;
  flow.response_icmp_type = 0;
  flow.response_icmp_code = 0;
  length = format_flow_record(buffer, sizeof buffer, flow, 0);
  ASSERT_GT(length, 0u);
  j = nlohmann::json::parse(std::string_view(buffer, length));
  EXPECT_EQ(j["response_icmp_type"], 0);
  EXPECT_EQ(j["response_icmp_code"], 0);
  flow.protocol = IPPROTO_UDP;
  length = format_flow_record(buffer, sizeof buffer, flow, 0);
  ASSERT_GT(length, 0u);
  EXPECT_FALSE(nlohmann::json::parse(std::string_view(buffer, length)).contains("icmp_type"));
}

TEST(EveFlowRecord, NatTupleShowsTheOutsideView) {
  FlowRecord flow;
  flow.protocol = IPPROTO_UDP;
  const uint8_t src[4] = {192, 168, 10, 10}, dst[4] = {198, 51, 100, 10}, external[4] = {203, 0, 113, 2};
  std::copy(std::begin(src), std::end(src), flow.src);
  std::copy(std::begin(dst), std::end(dst), flow.dst);
  flow.src_port = 5060;
  flow.dst_port = 5060;
  flow.state = "established";
  flow.reason = "timeout";
  flow.action = "pass";
  flow.rule = "lan-to-inet";
  char buffer[1024];
  size_t length = format_flow_record(buffer, sizeof buffer, flow, 0);
  ASSERT_GT(length, 0u);
  EXPECT_FALSE(nlohmann::json::parse(std::string_view(buffer, length)).contains("nat"))
      << "only translated flows";
  flow.nat = true;
  std::copy(std::begin(external), std::end(external), flow.nat_src);
  std::copy(std::begin(dst), std::end(dst), flow.nat_dst);
  flow.nat_src_port = 33280;
  flow.nat_dst_port = 5060;
  length = format_flow_record(buffer, sizeof buffer, flow, 0);
  ASSERT_GT(length, 0u);
  const auto j = nlohmann::json::parse(std::string_view(buffer, length));
  EXPECT_EQ(j["src_ip"], "192.168.10.10") << "the flow itself is named by its inside view";
  EXPECT_EQ(j["nat"]["src_ip"], "203.0.113.2");
  EXPECT_EQ(j["nat"]["src_port"], 33280);
  EXPECT_EQ(j["nat"]["dest_ip"], "198.51.100.10");
  EXPECT_EQ(j["nat"]["dest_port"], 5060);
}

TEST(FixedJson, NestedObjectsAndTypes) {
  char buffer[256];
  FixedJson json(buffer, sizeof buffer);
  json.open_object()
      .field("s", std::string_view("x"))
      .field("n", uint64_t{18446744073709551615ull})
      .field("b", false)
      .open_object("o")
      .field("t", true)
      .close_object()
      .raw_field("r", "[1,2]")
      .close_object();
  ASSERT_TRUE(json.ok());
  const auto j = nlohmann::json::parse(std::string(buffer, json.size()));
  EXPECT_EQ(j["s"], "x");
  EXPECT_EQ(j["n"].get<uint64_t>(), 18446744073709551615ull);
  EXPECT_EQ(j["b"], false);
  EXPECT_EQ(j["o"]["t"], true);
  EXPECT_EQ(j["r"], nlohmann::json::array({1, 2}));
}

TEST(FixedJson, EscapesQuotesBackslashesAndControlCharacters) {
  char buffer[256];
  FixedJson json(buffer, sizeof buffer);
  const std::string value = std::string("q\"b\\t\tn\n") + '\x1f' + "\xc3\xa4";
  json.open_object().field("k\"ey", value).close_object();
  ASSERT_TRUE(json.ok());
  const std::string text(buffer, json.size());
  EXPECT_NE(text.find("\\u001f"), std::string::npos);
  const auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["k\"ey"], value);
}

TEST(FixedJson, OverflowIsStickyAndNeverWritesPastTheBuffer) {
  char buffer[16];
  std::fill(std::begin(buffer), std::end(buffer), '#');
  FixedJson json(buffer, 10);
  json.open_object()
      .field("long", std::string_view("value that does not fit"))
      .field("x", uint64_t{1})
      .close_object();
  EXPECT_FALSE(json.ok());
  EXPECT_LE(json.size(), 10u);
  for (size_t i = 10; i < sizeof buffer; ++i) EXPECT_EQ(buffer[i], '#') << i;
}

}  // namespace
}  // namespace torwart::dataplane
