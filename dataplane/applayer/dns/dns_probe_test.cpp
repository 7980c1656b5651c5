#include "dataplane/applayer/dns/dns_probe.hpp"

#include <gtest/gtest.h>

#include "dataplane/applayer/dns/dns_test_messages.hpp"

namespace torwart::dataplane::applayer::dns {
namespace {

constexpr Direction kToServer = Direction::kToServer;
constexpr Direction kToClient = Direction::kToClient;

TEST(DnsProbe, UdpQueryAndResponseMatchInTheirDirectionOnly) {
  const auto query = test::make_query(1, "www.example.com", 1);
  const auto response = test::make_cname_response(1, "www.example.com");
  EXPECT_EQ(probe_dns_udp(kToServer, query), ProbeResult::kMatch);
  EXPECT_EQ(probe_dns_udp(kToClient, query), ProbeResult::kNoMatch);
  EXPECT_EQ(probe_dns_udp(kToClient, response), ProbeResult::kMatch);
  EXPECT_EQ(probe_dns_udp(kToServer, response), ProbeResult::kNoMatch);
}

TEST(DnsProbe, UdpRefusesShortGarbageAndImplausibleHeaders) {
  const auto query = test::make_query(1, "www.example.com", 1);
  EXPECT_EQ(probe_dns_udp(kToServer, std::span<const uint8_t>(query).first(11)), ProbeResult::kNoMatch);
  EXPECT_EQ(probe_dns_udp(kToServer, std::span<const uint8_t>(query).first(20)), ProbeResult::kNoMatch);
  const std::string http = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
  EXPECT_EQ(probe_dns_udp(kToServer, std::span(reinterpret_cast<const uint8_t*>(http.data()), http.size())),
            ProbeResult::kNoMatch);
  const auto with = [&query](size_t at, uint8_t value) {
    auto copy = query;
    copy[at] = value;
    return probe_dns_udp(kToServer, copy);
  };
  EXPECT_EQ(with(2, 0x19), ProbeResult::kNoMatch);   // opcode 3
  EXPECT_EQ(with(2, 0x09), ProbeResult::kNoMatch);   // opcode 1, IQUERY
  EXPECT_EQ(with(2, 0x21), ProbeResult::kMatch);     // opcode 4, NOTIFY
  EXPECT_EQ(with(3, 0x40), ProbeResult::kNoMatch);   // Z bit
  EXPECT_EQ(with(3, 0x03), ProbeResult::kNoMatch);   // a query with an rcode
  EXPECT_EQ(with(5, 0), ProbeResult::kNoMatch);      // no question
  EXPECT_EQ(with(5, 5), ProbeResult::kNoMatch);      // five questions
  EXPECT_EQ(with(7, 200), ProbeResult::kNoMatch);    // 200 answers cannot fit
  EXPECT_EQ(with(12, 0x50), ProbeResult::kNoMatch);  // a label too long
  EXPECT_EQ(with(12, 0xc0), ProbeResult::kNoMatch);  // a forward pointer
}

TEST(DnsProbe, TcpAsksForMoreUntilTheFirstQuestionIsThere) {
  test::DnsBuilder b;
  b.header(1, 0x0100, 1, 0, 0, 0).question("www.example.com", 1);
  const auto stream = b.framed();
  for (size_t n = 0; n < stream.size(); ++n) {
    EXPECT_EQ(probe_dns_tcp(kToServer, std::span<const uint8_t>(stream).first(n)), ProbeResult::kNeedMore)
        << n;
  }
  EXPECT_EQ(probe_dns_tcp(kToServer, stream), ProbeResult::kMatch);
  EXPECT_EQ(probe_dns_tcp(kToClient, stream), ProbeResult::kNoMatch);
}

TEST(DnsProbe, TcpRefusesImpossibleLengthsAndNamesPastTheMessage) {
  const uint8_t short_length[] = {0, 11, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0};
  EXPECT_EQ(probe_dns_tcp(kToServer, short_length), ProbeResult::kNoMatch);
  test::DnsBuilder b;
  b.header(1, 0x0100, 1, 0, 0, 0).question("www.example.com", 1);
  auto stream = b.framed();
  stream[1] = 20;  // the message ends inside the name
  EXPECT_EQ(probe_dns_tcp(kToServer, stream), ProbeResult::kNoMatch);
  // A TLS record header read as a 0x1603 = 5635-byte length: plausible until the DNS header is there.
  const uint8_t tls[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01,
                         0xfc, 0x03, 0x03, 0xaa, 0xbb, 0xcc, 0xdd, 0xee};
  EXPECT_EQ(probe_dns_tcp(kToServer, std::span<const uint8_t>(tls).first(6)), ProbeResult::kNeedMore);
  EXPECT_EQ(probe_dns_tcp(kToServer, tls), ProbeResult::kNoMatch);  // a "query" with rcode 1
  const std::string http = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  EXPECT_EQ(probe_dns_tcp(kToServer, std::span(reinterpret_cast<const uint8_t*>(http.data()), http.size())),
            ProbeResult::kNoMatch);
}

}  // namespace
}  // namespace torwart::dataplane::applayer::dns
