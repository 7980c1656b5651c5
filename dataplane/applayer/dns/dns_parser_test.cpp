#include "dataplane/applayer/dns/dns_parser.hpp"

#include <gtest/gtest.h>

#include "dataplane/applayer/dns/dns_names.hpp"
#include "dataplane/applayer/dns/dns_sink.hpp"
#include "dataplane/applayer/dns/dns_test_messages.hpp"

namespace torwart::dataplane::applayer::dns {
namespace {

using test::DnsBuilder;

struct Parsed {
  bool ok;
  DnsMessage message;
  DnsAnomaly anomaly;
};

Parsed parse(std::span<const uint8_t> bytes) {
  Parsed p{};
  p.ok = dns_parse_message(bytes, p.message, p.anomaly);
  return p;
}

TEST(DnsParser, QueryHeaderAndQuestion) {
  const auto bytes = test::make_query(0x1234, "www.example.com", dns_type::kAaaa);
  const Parsed p = parse(bytes);
  ASSERT_TRUE(p.ok);
  const DnsMessage& m = p.message;
  EXPECT_EQ(m.header.id, 0x1234);
  EXPECT_EQ(m.header.flags, 0x0100);
  EXPECT_FALSE(m.is_response());
  EXPECT_TRUE(m.header.rd());
  EXPECT_FALSE(m.header.ra());
  EXPECT_EQ(m.header.opcode(), 0);
  ASSERT_EQ(m.question_stored, 1);
  EXPECT_EQ(m.questions[0].name.view(), "www.example.com");
  EXPECT_EQ(m.questions[0].type, dns_type::kAaaa);
  EXPECT_EQ(m.questions[0].qclass, 1);
  EXPECT_EQ(dns_rrtype_name(m.questions[0].type), "AAAA");
  EXPECT_EQ(dns_eve_type(m.is_response()), "query");
  EXPECT_EQ(m.trailing_bytes, 0);
  EXPECT_FALSE(m.cut());
  EXPECT_FALSE(m.incomplete);
}

TEST(DnsParser, CompressedCnameAndAddressAnswers) {
  const auto bytes = test::make_cname_response(7, "alias.example.com");
  const Parsed p = parse(bytes);
  ASSERT_TRUE(p.ok) << dns_anomaly_name(p.anomaly.reason);
  const DnsMessage& m = p.message;
  EXPECT_TRUE(m.is_response());
  EXPECT_TRUE(m.header.ra());
  EXPECT_EQ(dns_rcode_name(m.rcode()), "NOERROR");
  ASSERT_EQ(m.answer_stored, 2);
  EXPECT_EQ(m.answers[0].name.view(), "alias.example.com");
  EXPECT_EQ(m.answers[0].type, dns_type::kCname);
  EXPECT_EQ(m.answers[0].ttl, 300u);
  EXPECT_EQ(m.answers[0].rdata.view(), "www.example.net");
  EXPECT_TRUE(m.answers[0].rdata_decoded);
  EXPECT_EQ(m.answers[1].name.view(), "www.example.net");
  EXPECT_EQ(m.answers[1].rdata.view(), "192.0.2.1");
  EXPECT_EQ(m.answers[1].address[0], 192);
  EXPECT_EQ(m.answers[1].address[3], 1);
}

TEST(DnsParser, AaaaIsWrittenInRfc5952Form) {
  const uint8_t addresses[][16] = {
      {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, {0},
      {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1},  // first of two equal zero runs wins
      {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1},  // a single zero group stays
      {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
  };
  const char* expected[] = {"2001:db8::1", "::", "2001:db8::1:0:0:1", "2001:db8:0:1:1:1:1:1", "fe80::"};
  for (size_t i = 0; i < std::size(addresses); ++i) {
    DnsBuilder b;
    b.header(1, 0x8180, 0, 1, 0, 0).record("h", dns_type::kAaaa, 1).raw(addresses[i]).end_rdata();
    const Parsed p = parse(b.span());
    ASSERT_TRUE(p.ok);
    EXPECT_EQ(p.message.answers[0].rdata.view(), expected[i]);
  }
}

TEST(DnsParser, MxTxtSrvSoaAndUnknownRdata) {
  DnsBuilder b;
  b.header(9, 0x8580, 1, 4, 1, 0).question("example.org", dns_type::kMx);
  b.record_at(12, dns_type::kMx, 10).u16(20).labels("mail").pointer(12).end_rdata();
  const uint8_t txt[] = {11, 'v', '=', 's', 'p', 'f', '1', ' ', '-', 'a', 'l', 'l', 4, 'a', '"', '\\', 0x07};
  b.record_at(12, dns_type::kTxt, 10).raw(txt).end_rdata();
  b.record("_sip._tcp.example.org", dns_type::kSrv, 10)
      .u16(1)
      .u16(2)
      .u16(5060)
      .name("sip.example.org")
      .end_rdata();
  b.record_at(12, 99, 10).u8(1).u8(2).u8(3).end_rdata();
  b.record_at(12, dns_type::kSoa, 3600).labels("ns1").pointer(12).labels("hostmaster").pointer(12);
  b.u32(2024010101).u32(7200).u32(900).u32(1209600).u32(300).end_rdata();
  const Parsed p = parse(b.span());
  ASSERT_TRUE(p.ok) << dns_anomaly_name(p.anomaly.reason) << " at " << p.anomaly.offset;
  const DnsMessage& m = p.message;
  EXPECT_TRUE(m.header.aa());
  ASSERT_EQ(m.answer_stored, 4);
  EXPECT_EQ(m.answers[0].priority, 20);
  EXPECT_EQ(m.answers[0].rdata.view(), "mail.example.org");
  EXPECT_EQ(m.answers[1].rdata.view(), R"("v=spf1 -all" "a\"\\\007")");
  EXPECT_EQ(m.answers[2].name.view(), "_sip._tcp.example.org");
  EXPECT_EQ(m.answers[2].priority, 1);
  EXPECT_EQ(m.answers[2].weight, 2);
  EXPECT_EQ(m.answers[2].port, 5060);
  EXPECT_EQ(m.answers[2].rdata.view(), "sip.example.org");
  EXPECT_FALSE(m.answers[3].rdata_decoded);
  EXPECT_EQ(m.answers[3].type, 99);
  EXPECT_EQ(m.answers[3].rdata_length, 3);
  EXPECT_TRUE(m.answers[3].rdata.empty());
  ASSERT_EQ(m.authority_stored, 1);
  const DnsRecord& soa = m.authorities[0];
  EXPECT_EQ(soa.soa_serial, 2024010101u);
  EXPECT_EQ(soa.soa_minimum, 300u);
  EXPECT_EQ(soa.rdata.view(), "ns1.example.org hostmaster.example.org 2024010101 7200 900 1209600 300");
  EXPECT_EQ(dns_rrtype_name(soa.type), "SOA");
}

TEST(DnsParser, OptGivesExtendedRcodeAndIsNotStoredAsARecord) {
  DnsBuilder b;
  b.header(3, 0x8180, 1, 0, 0, 1).question("x.example", dns_type::kA).opt(1232, 1, 0, true);
  const Parsed p = parse(b.span());
  ASSERT_TRUE(p.ok);
  const DnsMessage& m = p.message;
  EXPECT_TRUE(m.edns.present);
  EXPECT_TRUE(m.edns.dnssec_ok);
  EXPECT_EQ(m.edns.udp_payload_size, 1232);
  EXPECT_EQ(m.rcode(), 16);
  EXPECT_EQ(m.additional_stored, 0);
  EXPECT_EQ(m.additionals_cut, 0);
  FixedString<16> text;
  format_dns_rcode(m.rcode(), text);
  EXPECT_EQ(text.view(), "BADVERS");
}

TEST(DnsParser, RcodeAndTypeNames) {
  EXPECT_EQ(dns_rcode_name(3), "NXDOMAIN");
  EXPECT_EQ(dns_rcode_name(2), "SERVFAIL");
  EXPECT_EQ(dns_rcode_name(16), "BADVERS");
  EXPECT_EQ(dns_rcode_name(12), "");
  EXPECT_EQ(dns_rcode_name(4000), "");
  EXPECT_EQ(dns_rrtype_name(dns_type::kPtr), "PTR");
  EXPECT_EQ(dns_rrtype_name(65), "HTTPS");
  EXPECT_EQ(dns_rrtype_name(4242), "");
  FixedString<16> text;
  format_dns_rrtype(4242, text);
  EXPECT_EQ(text.view(), "TYPE4242");
  format_dns_rrtype(dns_type::kSrv, text);
  EXPECT_EQ(text.view(), "SRV");
  format_dns_rcode(12, text);
  EXPECT_EQ(text.view(), "RCODE12");
}

TEST(DnsParser, RecordsBeyondCapacityAreParsedAndCounted) {
  DnsBuilder b;
  b.header(1, 0x8180, 6, 20, 0, 0);
  for (int i = 0; i < 6; ++i) b.question("q" + std::to_string(i) + ".example", dns_type::kA);
  for (int i = 0; i < 20; ++i)
    b.record_at(12, dns_type::kA, static_cast<uint32_t>(i)).u32(0x0a000000u + i).end_rdata();
  const Parsed p = parse(b.span());
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.message.question_stored, kDnsMaxQuestions);
  EXPECT_EQ(p.message.questions_cut, 2);
  EXPECT_EQ(p.message.answer_stored, kDnsMaxAnswers);
  EXPECT_EQ(p.message.answers_cut, 4);
  EXPECT_EQ(p.message.answers[15].rdata.view(), "10.0.0.15");
  EXPECT_TRUE(p.message.cut());
  // A fault in a record past capacity is still found.
  b.bytes.push_back(0);
  b.bytes[7] = 21;
  EXPECT_EQ(parse(b.span()).anomaly.reason, DnsAnomalyReason::kRecordOutOfBounds);
}

TEST(DnsParser, ShortHeader) {
  const uint8_t bytes[11] = {};
  const Parsed p = parse(bytes);
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.anomaly.reason, DnsAnomalyReason::kShortHeader);
}

TEST(DnsParser, CountsBeyondTheMessage) {
  auto bytes = test::make_query(1, "a.example", dns_type::kA);
  bytes[7] = 1;  // one answer promised, none there
  const Parsed p = parse(bytes);
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.anomaly.reason, DnsAnomalyReason::kCountsBeyondMessage);
  EXPECT_EQ(p.anomaly.offset, bytes.size());
  bytes[7] = 0;
  bytes[5] = 0xff;  // 255 questions
  EXPECT_EQ(parse(bytes).anomaly.reason, DnsAnomalyReason::kCountsBeyondMessage);
}

TEST(DnsParser, TruncatedRecordsAndRdata) {
  const auto whole = test::make_cname_response(5, "t.example");
  ASSERT_TRUE(parse(whole).ok);
  // Every cut of the message before its end is refused, never read past.
  for (size_t n = 12; n < whole.size(); ++n) {
    const Parsed p = parse(std::span<const uint8_t>(whole).first(n));
    EXPECT_FALSE(p.ok) << n;
    EXPECT_NE(p.anomaly.reason, DnsAnomalyReason::kNone);
    EXPECT_LE(p.anomaly.offset, n);
  }
  DnsBuilder b;
  b.header(1, 0x8180, 0, 1, 0, 0).record("a", dns_type::kA, 1).u32(1).end_rdata();
  b.bytes[b.size() - 5] = 9;  // RDLENGTH 9, only 4 bytes there
  EXPECT_EQ(parse(b.span()).anomaly.reason, DnsAnomalyReason::kRdataOutOfBounds);
  b.bytes[b.size() - 5] = 3;  // A with 3 bytes of RDATA, one left over
  EXPECT_EQ(parse(b.span()).anomaly.reason, DnsAnomalyReason::kBadRdata);
}

TEST(DnsParser, MalformedRdataShapes) {
  const auto check = [](uint16_t type, std::vector<uint8_t> rdata, DnsAnomalyReason expected) {
    DnsBuilder b;
    b.header(1, 0x8180, 0, 1, 0, 0).record("a", type, 1).raw(rdata).end_rdata();
    const Parsed p = parse(b.span());
    EXPECT_EQ(p.anomaly.reason, expected) << type;
    EXPECT_EQ(p.ok, expected == DnsAnomalyReason::kNone);
  };
  check(dns_type::kCname, {}, DnsAnomalyReason::kBadRdata);
  check(dns_type::kCname, {1, 'x', 0, 0}, DnsAnomalyReason::kBadRdata);  // a byte after the name
  check(dns_type::kCname, {3, 'x'}, DnsAnomalyReason::kBadRdata);        // the name runs past RDLENGTH
  check(dns_type::kCname, {0xc0, 0x40}, DnsAnomalyReason::kPointerNotBackwards);
  check(dns_type::kCname, {0}, DnsAnomalyReason::kNone);
  check(dns_type::kMx, {0, 1}, DnsAnomalyReason::kBadRdata);
  check(dns_type::kSrv, {0, 1, 0, 2, 0, 3}, DnsAnomalyReason::kBadRdata);
  check(dns_type::kTxt, {}, DnsAnomalyReason::kBadRdata);
  check(dns_type::kTxt, {5, 'a'}, DnsAnomalyReason::kBadRdata);
  check(dns_type::kTxt, {0}, DnsAnomalyReason::kNone);
  check(dns_type::kSoa, {0, 0, 1, 2, 3}, DnsAnomalyReason::kBadRdata);
  check(dns_type::kAaaa, {1, 2, 3, 4}, DnsAnomalyReason::kBadRdata);
  check(4242, {}, DnsAnomalyReason::kNone);
}

TEST(DnsParser, OptRules) {
  DnsBuilder two;
  two.header(1, 0x8180, 0, 0, 0, 2).opt(512, 0, 0, false).opt(512, 0, 0, false);
  EXPECT_EQ(parse(two.span()).anomaly.reason, DnsAnomalyReason::kBadOpt);
  DnsBuilder in_answer;
  in_answer.header(1, 0x8180, 0, 1, 0, 0).opt(512, 0, 0, false);
  EXPECT_EQ(parse(in_answer.span()).anomaly.reason, DnsAnomalyReason::kBadOpt);
  DnsBuilder named;
  named.header(1, 0x8180, 0, 0, 0, 1).labels("x").opt(512, 0, 0, false);
  EXPECT_EQ(parse(named.span()).anomaly.reason, DnsAnomalyReason::kBadOpt);
}

TEST(DnsParser, TrailingBytesAreCountedNotRefused) {
  auto bytes = test::make_query(1, "a.example", dns_type::kA);
  bytes.insert(bytes.end(), {1, 2, 3});
  const Parsed p = parse(bytes);
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.message.trailing_bytes, 3);
}

TEST(DnsParser, PrefixParsingStopsQuietlyWhereTheHeldBytesEnd) {
  DnsBuilder b;
  b.header(1, 0x8180, 1, 30, 0, 0).question("big.example", dns_type::kA);
  for (int i = 0; i < 30; ++i) b.record_at(12, dns_type::kA, 1).u32(static_cast<uint32_t>(i)).end_rdata();
  const auto all = b.span();
  for (size_t held = 12; held <= all.size(); ++held) {
    DnsMessage m;
    DnsAnomaly a;
    ASSERT_TRUE(dns_parse_message_prefix(all.first(held), b.size(), m, a)) << held;
    EXPECT_EQ(m.incomplete, held < all.size());
    EXPECT_EQ(m.full_length, b.size());
    const size_t whole_records = held < 29 ? 0 : (held - 29) / 16;
    EXPECT_EQ(m.answer_stored, std::min(whole_records, kDnsMaxAnswers)) << held;
  }
  // A fault inside the held bytes is still a fault.
  b.bytes[12] = 0x50;
  DnsMessage m;
  DnsAnomaly a;
  EXPECT_FALSE(dns_parse_message_prefix(all.first(100), b.size(), m, a));
  EXPECT_EQ(a.reason, DnsAnomalyReason::kLabelTooLong);
}

}  // namespace
}  // namespace torwart::dataplane::applayer::dns

namespace torwart::dataplane::applayer::dns {
namespace {

TEST(DnsCounters, CountQueriesResponsesTruncationCutsAndAnomalies) {
  DnsCounters counters;
  const Parsed query = parse(test::make_query(1, "a.example", 1));
  auto truncated_bytes = test::make_cname_response(1, "a.example");
  truncated_bytes[2] |= 0x02;  // TC
  const Parsed truncated = parse(truncated_bytes);
  ASSERT_TRUE(query.ok && truncated.ok);
  counters.count_message(query.message);
  counters.count_message(truncated.message);
  counters.count_anomaly({DnsAnomalyReason::kBadOpt, 0});
  counters.count_anomaly({DnsAnomalyReason::kBadOpt, 5});
  counters.count_anomaly({DnsAnomalyReason::kShortHeader, 0});
  EXPECT_EQ(counters.queries, 1u);
  EXPECT_EQ(counters.responses, 1u);
  EXPECT_EQ(counters.tc_set, 1u);
  EXPECT_EQ(counters.capacity_cut, 0u);
  EXPECT_EQ(counters.anomalies[static_cast<size_t>(DnsAnomalyReason::kBadOpt)], 2u);
  EXPECT_EQ(counters.anomaly_total(), 3u);
  EXPECT_EQ(dns_anomaly_name(DnsAnomalyReason::kBadOpt), "bad_opt");
}

}  // namespace
}  // namespace torwart::dataplane::applayer::dns
