// Community ID v1 against the public test vectors of the spec's reference implementation (seed 0 unless
// named).
#include "dataplane/eve/community_id.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <string>

namespace torwart::dataplane {
namespace {

struct Endpoints {
  uint8_t source[16]{};
  uint8_t destination[16]{};
};

std::string id_of(const char* source, const char* destination, uint8_t protocol, uint16_t source_port,
                  uint16_t destination_port, uint16_t seed = 0) {
  const bool ipv6 = std::string(source).find(':') != std::string::npos;
  Endpoints e;
  EXPECT_EQ(inet_pton(ipv6 ? AF_INET6 : AF_INET, source, e.source), 1);
  EXPECT_EQ(inet_pton(ipv6 ? AF_INET6 : AF_INET, destination, e.destination), 1);
  char out[kCommunityIdLength];
  const size_t length =
      community_id({ipv6, protocol, e.source, e.destination, source_port, destination_port}, out, seed);
  return std::string(out, length);
}

TEST(CommunityId, TcpIsTheSameBothWays) {
  EXPECT_EQ(id_of("1.2.3.4", "5.6.7.8", 6, 1122, 3344), "1:wCb3OG7yAFWelaUydu0D+125CLM=");
  EXPECT_EQ(id_of("5.6.7.8", "1.2.3.4", 6, 3344, 1122), "1:wCb3OG7yAFWelaUydu0D+125CLM=");
}

TEST(CommunityId, UdpDiffersFromTcp) {
  EXPECT_EQ(id_of("1.2.3.4", "5.6.7.8", 17, 1122, 3344), "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=");
  EXPECT_EQ(id_of("5.6.7.8", "1.2.3.4", 17, 3344, 1122), "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=");
}

TEST(CommunityId, TheSeedChangesTheId) {
  EXPECT_EQ(id_of("1.2.3.4", "5.6.7.8", 6, 1122, 3344, 1), "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=");
}

TEST(CommunityId, AnEchoAndItsReplyShareTheId) {
  // ICMP: "ports" are type and code.
  EXPECT_EQ(id_of("1.2.3.4", "5.6.7.8", 1, 8, 0), "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=");
  EXPECT_EQ(id_of("5.6.7.8", "1.2.3.4", 1, 0, 0), "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=");
}

TEST(CommunityId, Icmpv6EchoSharesTheIdWithItsReply) {
  EXPECT_EQ(id_of("fe80:1:203:405:607:809:a0b:c0d", "fe80:1011:1213:1415:1617:1819:1a1b:1c1d", 58, 128, 0),
            "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=");
  EXPECT_EQ(id_of("fe80:1011:1213:1415:1617:1819:1a1b:1c1d", "fe80:1:203:405:607:809:a0b:c0d", 58, 129, 0),
            "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=");
}

TEST(CommunityId, PairedIcmpTypesMatchOneWayTypesDoNot) {
  // Timestamp request/reply, router solicitation/advertisement, neighbour solicitation/advertisement.
  EXPECT_EQ(id_of("1.2.3.4", "5.6.7.8", 1, 13, 0), id_of("5.6.7.8", "1.2.3.4", 1, 14, 0));
  EXPECT_EQ(id_of("1.2.3.4", "5.6.7.8", 1, 10, 0), id_of("5.6.7.8", "1.2.3.4", 1, 9, 0));
  EXPECT_EQ(id_of("fe80::1", "fe80::2", 58, 135, 0), id_of("fe80::2", "fe80::1", 58, 136, 0));
  // Destination unreachable is one-way: its direction counts, and so does its code.
  EXPECT_NE(id_of("1.2.3.4", "5.6.7.8", 1, 3, 1), id_of("5.6.7.8", "1.2.3.4", 1, 3, 1));
  EXPECT_NE(id_of("1.2.3.4", "5.6.7.8", 1, 3, 1), id_of("1.2.3.4", "5.6.7.8", 1, 3, 3));
  // An echo's code does not enter the id (the reply's type takes its place).
  EXPECT_EQ(id_of("1.2.3.4", "5.6.7.8", 1, 8, 5), id_of("1.2.3.4", "5.6.7.8", 1, 8, 0));
}

TEST(CommunityId, ProtocolsWithoutPortsIgnoreThem) {
  EXPECT_EQ(id_of("1.2.3.4", "5.6.7.8", 47, 1, 2), id_of("5.6.7.8", "1.2.3.4", 47, 0, 0));
  EXPECT_NE(id_of("1.2.3.4", "5.6.7.8", 47, 0, 0), id_of("1.2.3.4", "5.6.7.8", 50, 0, 0));
}

}  // namespace
}  // namespace torwart::dataplane
