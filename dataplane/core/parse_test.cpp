#include "dataplane/core/parse.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>

#include "tests/support/packet_builder.hpp"

namespace torwart::dataplane {
namespace {

using test::Bytes;

DropReason parse(const Bytes& frame, PacketMeta& meta, ParseOptions options = {}) {
  return parse_frame(frame.data(), static_cast<uint32_t>(frame.size()), meta, options);
}

Bytes tcp4(const std::string& source, uint16_t source_port, const std::string& destination,
           uint16_t destination_port) {
  test::Tcp tcp;
  tcp.source_port = source_port;
  tcp.destination_port = destination_port;
  return test::ipv4_frame({}, {.source = source, .destination = destination}, tcp);
}

Bytes udp6(const std::string& source, uint16_t source_port, const std::string& destination,
           uint16_t destination_port) {
  test::Udp udp;
  udp.source_port = source_port;
  udp.destination_port = destination_port;
  return test::ipv6_frame({}, {.source = source, .destination = destination}, udp);
}

Bytes udp4_from(const std::string& source, uint16_t source_port, uint16_t destination_port) {
  test::Udp udp;
  udp.source_port = source_port;
  udp.destination_port = destination_port;
  return test::ipv4_frame({}, {.source = source, .destination = "255.255.255.255"}, udp);
}

uint32_t hash_of(const Bytes& frame) {
  PacketMeta meta;
  EXPECT_EQ(parse(frame, meta), DropReason::kNone);
  return meta.flow_hash;
}

// ---- valid packets ----

TEST(ParseFrame, Ipv4TcpFillsOffsetsPortsAndTtl) {
  test::Tcp tcp;
  tcp.source_port = 51000;
  tcp.destination_port = 443;
  tcp.payload = Bytes(100, 0xab);
  const Bytes frame = test::ipv4_frame({}, {.ttl = 37}, tcp);
  PacketMeta meta;
  ASSERT_EQ(parse(frame, meta), DropReason::kNone);
  EXPECT_EQ(meta.l3, L3Kind::kIpv4);
  EXPECT_EQ(meta.l3_offset, 14);
  EXPECT_EQ(meta.l3_length, 20 + 20 + 100);
  EXPECT_EQ(meta.l4_offset, 34);
  EXPECT_EQ(meta.l4_present, 1);
  EXPECT_EQ(meta.ip_proto, 6);
  EXPECT_EQ(meta.src_port, 51000);
  EXPECT_EQ(meta.dst_port, 443);
  EXPECT_EQ(meta.ttl, 37);
  EXPECT_EQ(meta.flags, 0);
  EXPECT_EQ(meta.vlan_id, 0);
  EXPECT_EQ(meta.drop_reason, DropReason::kNone);
}

TEST(ParseFrame, VlanTagShiftsOffsetsAndIsRecorded) {
  const Bytes frame = test::ipv4_frame({.vlan_id = 100, .vlan_priority = 5}, {}, test::Udp{});
  PacketMeta meta;
  ASSERT_EQ(parse(frame, meta), DropReason::kNone);
  EXPECT_EQ(meta.vlan_id, 100);
  EXPECT_TRUE(meta.flags & meta_flag::kVlanTagged);
  EXPECT_EQ(meta.l3_offset, 18);
  EXPECT_EQ(meta.l4_offset, 38);
  EXPECT_EQ(meta.ip_proto, 17);
  EXPECT_EQ(meta.dst_port, 53);
}

TEST(ParseFrame, GroupBitOfDestinationMacMarksL2Multicast) {
  PacketMeta meta;
  ASSERT_EQ(parse(test::ipv4_frame({.destination = "ff:ff:ff:ff:ff:ff"}, {}, test::Udp{}), meta),
            DropReason::kNone);
  EXPECT_TRUE(meta.flags & meta_flag::kL2Multicast);
  ASSERT_EQ(parse(test::ipv6_frame({.destination = "33:33:00:00:00:01"}, {}, test::Udp{}), meta),
            DropReason::kNone);
  EXPECT_TRUE(meta.flags & meta_flag::kL2Multicast);
  ASSERT_EQ(parse(test::ipv4_frame({}, {}, test::Udp{}), meta), DropReason::kNone);
  EXPECT_FALSE(meta.flags & meta_flag::kL2Multicast);
}

TEST(ParseFrame, EthernetPaddingAfterTheDatagramIsIgnored) {
  test::Udp udp;
  udp.payload = {1, 2};
  const Bytes frame = test::ipv4_frame({.pad_to = 60}, {}, udp);
  ASSERT_EQ(frame.size(), 60u);
  PacketMeta meta;
  ASSERT_EQ(parse(frame, meta), DropReason::kNone);
  EXPECT_EQ(meta.l3_length, 30);
}

TEST(ParseFrame, Ipv4OptionsAreWalkedAndFlagged) {
  // NOP, then a 7-byte record-route option with room for one address, then EOL padding.
  const Bytes frame = test::ipv4_frame({}, {.options = {1, 7, 7, 4, 0, 0, 0, 0}}, test::Tcp{});
  PacketMeta meta;
  ASSERT_EQ(parse(frame, meta), DropReason::kNone);
  EXPECT_TRUE(meta.flags & meta_flag::kIpv4Options);
  EXPECT_EQ(meta.l4_offset, 14 + 28);
  EXPECT_EQ(meta.dst_port, 80);
}

TEST(ParseFrame, Ipv4FragmentFlags) {
  PacketMeta meta;
  ASSERT_EQ(parse(test::ipv4_frame({}, {.dont_fragment = true}, test::Tcp{}), meta), DropReason::kNone);
  EXPECT_EQ(meta.flags, meta_flag::kDontFragment);

  ASSERT_EQ(parse(test::ipv4_frame({}, {.more_fragments = true}, test::Udp{}), meta), DropReason::kNone);
  EXPECT_EQ(meta.flags, meta_flag::kFragment);
  EXPECT_EQ(meta.l4_present, 1);
  EXPECT_EQ(meta.dst_port, 53);

  const test::RawTransport middle{17, Bytes(16, 0xee)};
  ASSERT_EQ(parse(test::ipv4_frame({}, {.fragment_offset = 185}, middle), meta), DropReason::kNone);
  EXPECT_EQ(meta.flags, meta_flag::kFragment | meta_flag::kLaterFragment);
  EXPECT_EQ(meta.l4_present, 0);
  EXPECT_EQ(meta.ip_proto, 17);
  EXPECT_EQ(meta.src_port, 0);
}

TEST(ParseFrame, IcmpEchoCarriesIdentifierAndTypeCode) {
  PacketMeta meta;
  ASSERT_EQ(parse(test::ipv4_frame({}, {}, test::icmp_echo_request(0x1234, 1)), meta), DropReason::kNone);
  EXPECT_EQ(meta.ip_proto, 1);
  EXPECT_EQ(meta.l4_present, 1);
  EXPECT_EQ(meta.src_port, 0x1234);
  EXPECT_EQ(meta.dst_port, 8 << 8);
  EXPECT_FALSE(meta.flags & meta_flag::kIcmpError);
  ASSERT_EQ(parse(test::ipv4_frame({}, {}, test::icmp_echo_reply(0x1234, 1)), meta), DropReason::kNone);
  EXPECT_EQ(meta.src_port, 0x1234);
  EXPECT_EQ(meta.dst_port, 0);
}

TEST(ParseFrame, IcmpErrorsAreFlagged) {
  const Bytes quoted = test::ipv4_datagram({}, test::Udp{});
  for (uint8_t type : {3, 4, 5, 11, 12}) {
    PacketMeta meta;
    ASSERT_EQ(parse(test::ipv4_frame({}, {}, test::icmp_error(type, 1, quoted)), meta), DropReason::kNone);
    EXPECT_TRUE(meta.flags & meta_flag::kIcmpError) << int(type);
    EXPECT_EQ(meta.dst_port, type << 8 | 1);
    EXPECT_EQ(meta.src_port, 0);
  }
}

TEST(ParseFrame, ArpRequestAndReply) {
  PacketMeta meta;
  const Bytes request = test::arp_frame({.destination = "ff:ff:ff:ff:ff:ff"},
                                        test::arp_request("02:00:00:00:00:01", "192.0.2.1", "192.0.2.2"));
  ASSERT_EQ(parse(request, meta), DropReason::kNone);
  EXPECT_EQ(meta.l3, L3Kind::kArp);
  EXPECT_EQ(meta.l3_offset, 14);
  EXPECT_TRUE(meta.flags & meta_flag::kL2Multicast);
  const Bytes reply = test::arp_frame(
      {.vlan_id = 7}, test::arp_reply("02:00:00:00:00:02", "192.0.2.2", "02:00:00:00:00:01", "192.0.2.1"));
  ASSERT_EQ(parse(reply, meta), DropReason::kNone);
  EXPECT_EQ(meta.l3, L3Kind::kArp);
  EXPECT_EQ(meta.l3_offset, 18);
  EXPECT_EQ(meta.vlan_id, 7);
  EXPECT_EQ(meta.l4_present, 0);
}

TEST(ParseFrame, DhcpDiscoverFromUnspecifiedSourceIsAllowed) {
  PacketMeta meta;
  ASSERT_EQ(parse(udp4_from("0.0.0.0", 68, 67), meta), DropReason::kNone);
  EXPECT_EQ(meta.src_port, 68);
  EXPECT_EQ(parse(udp4_from("0.0.0.0", 1068, 67), meta), DropReason::kBadSourceAddress);
  EXPECT_EQ(parse(tcp4("0.0.0.0", 68, "192.0.2.1", 67), meta), DropReason::kBadSourceAddress);
}

TEST(ParseFrame, Ipv6TcpFillsOffsetsAndHopLimit) {
  test::Tcp tcp;
  tcp.destination_port = 22;
  tcp.payload = Bytes(10, 1);
  PacketMeta meta;
  ASSERT_EQ(parse(test::ipv6_frame({}, {.hop_limit = 9}, tcp), meta), DropReason::kNone);
  EXPECT_EQ(meta.l3, L3Kind::kIpv6);
  EXPECT_EQ(meta.l3_offset, 14);
  EXPECT_EQ(meta.l3_length, 40 + 30);
  EXPECT_EQ(meta.l4_offset, 54);
  EXPECT_EQ(meta.ip_proto, 6);
  EXPECT_EQ(meta.dst_port, 22);
  EXPECT_EQ(meta.ttl, 9);
  EXPECT_EQ(meta.flags, 0);
}

TEST(ParseFrame, Ipv6ExtensionChainIsWalkedToTheUpperLayer) {
  test::Ipv6 ip;
  ip.extensions = {test::hop_by_hop_options({5, 2, 0, 0}),  // router alert
                   test::destination_options(),
                   test::routing_header(4, 1, {"2001:db8:2::1"}),
                   test::fragment_header(0, true, 77),
                   test::authentication_header(1, 2),
                   test::destination_options(Bytes(9, 0))};
  PacketMeta meta;
  ASSERT_EQ(parse(test::ipv6_frame({.vlan_id = 3}, ip, test::Udp{}), meta), DropReason::kNone);
  EXPECT_EQ(meta.flags, meta_flag::kVlanTagged | meta_flag::kIpv6ExtHeaders | meta_flag::kFragment);
  EXPECT_EQ(meta.ip_proto, 17);
  EXPECT_EQ(meta.l4_present, 1);
  EXPECT_EQ(meta.l4_offset, 18 + 40 + 8 + 8 + 24 + 8 + 24 + 16);
  EXPECT_EQ(meta.dst_port, 53);
}

TEST(ParseFrame, Ipv6LaterFragmentHasNoTransportView) {
  test::Ipv6 ip;
  ip.extensions = {test::fragment_header(100, false, 77)};
  PacketMeta meta;
  ASSERT_EQ(parse(test::ipv6_frame({}, ip, test::RawTransport{6, Bytes(40, 0)}), meta), DropReason::kNone);
  EXPECT_EQ(meta.flags, meta_flag::kIpv6ExtHeaders | meta_flag::kFragment | meta_flag::kLaterFragment);
  EXPECT_EQ(meta.l4_present, 0);
  EXPECT_EQ(meta.ip_proto, 6);
}

TEST(ParseFrame, Ipv6FragmentRecordsWhereItsFragmentHeaderIs) {
  test::Ipv6 ip;
  ip.extensions = {test::destination_options(), test::fragment_header(100, false, 77)};
  PacketMeta meta;
  ASSERT_EQ(parse(test::ipv6_frame({}, ip, test::RawTransport{6, Bytes(40, 0)}), meta), DropReason::kNone);
  EXPECT_EQ(meta.fragment_header, 14 + 40 + 8);
}

// Reassembly judges first fragments that cut the transport header (fragment_too_small); a UDP length counts
// the whole datagram, not the fragment.
TEST(ParseFrame, FirstFragmentsMayCutTheTransportHeaderOrCarryTheWholeUdpLength) {
  PacketMeta meta;
  ASSERT_EQ(parse(test::ipv4_frame({}, {.more_fragments = true}, test::RawTransport{6, Bytes(16, 0)}), meta),
            DropReason::kNone);
  EXPECT_EQ(meta.l4_present, 0);
  EXPECT_EQ(meta.ip_proto, 6);
  const Bytes udp = test::ipv4_datagram({}, test::Udp{.payload = Bytes(100, 1)});
  const Bytes first_half(udp.begin() + 20, udp.begin() + 20 + 56);
  ASSERT_EQ(parse(test::ipv4_frame({}, {.more_fragments = true}, test::RawTransport{17, first_half}), meta),
            DropReason::kNone);
  EXPECT_EQ(meta.l4_present, 1);
  EXPECT_EQ(meta.dst_port, 53);
  // Unfragmented, the same cuts are still refused.
  EXPECT_EQ(parse(test::ipv4_frame({}, {}, test::RawTransport{6, Bytes(16, 0)}), meta),
            DropReason::kTruncatedTcp);
  EXPECT_EQ(parse(test::ipv4_frame({}, {}, test::RawTransport{17, first_half}), meta),
            DropReason::kBadUdpLength);
}

TEST(ParseFrame, Ipv6AtomicFragmentIsAWholeDatagram) {
  test::Ipv6 ip;
  ip.extensions = {test::fragment_header(0, false, 77)};
  PacketMeta meta;
  ASSERT_EQ(parse(test::ipv6_frame({}, ip, test::Tcp{}), meta), DropReason::kNone);
  EXPECT_EQ(meta.flags, meta_flag::kIpv6ExtHeaders);
  EXPECT_EQ(meta.l4_present, 1);
  EXPECT_EQ(meta.l4_offset, 14 + 48);
}

TEST(ParseFrame, Ipv6NoNextHeaderEndsTheChain) {
  test::Ipv6 ip;
  ip.extensions = {test::destination_options()};
  PacketMeta meta;
  ASSERT_EQ(parse(test::ipv6_frame({}, ip, test::RawTransport{59, {}}), meta), DropReason::kNone);
  EXPECT_EQ(meta.ip_proto, 59);
  EXPECT_EQ(meta.l4_present, 0);
}

TEST(ParseFrame, Icmpv6EchoErrorsAndNeighbourDiscovery) {
  PacketMeta meta;
  ASSERT_EQ(parse(test::ipv6_frame({}, {}, test::icmpv6_echo_request(0xbeef, 3)), meta), DropReason::kNone);
  EXPECT_EQ(meta.ip_proto, 58);
  EXPECT_EQ(meta.src_port, 0xbeef);
  EXPECT_EQ(meta.dst_port, 128 << 8);
  ASSERT_EQ(parse(test::ipv6_frame({}, {}, test::icmpv6_echo_reply(0xbeef, 3)), meta), DropReason::kNone);
  EXPECT_EQ(meta.dst_port, 129 << 8);
  EXPECT_EQ(meta.src_port, 0xbeef);

  const Bytes quoted = test::ipv6_datagram({}, test::Udp{});
  for (uint8_t type : {1, 2, 3, 4}) {
    ASSERT_EQ(parse(test::ipv6_frame({}, {}, test::icmpv6_error(type, 0, quoted)), meta), DropReason::kNone);
    EXPECT_TRUE(meta.flags & meta_flag::kIcmpError) << int(type);
  }

  // Duplicate address detection: neighbour solicitation from the unspecified address.
  const Bytes dad = test::ipv6_frame({.destination = "33:33:ff:00:00:01"},
                                     {.source = "::", .destination = "ff02::1:ff00:1", .hop_limit = 255},
                                     test::neighbour_solicitation("2001:db8::1", std::nullopt));
  ASSERT_EQ(parse(dad, meta), DropReason::kNone);
  EXPECT_EQ(meta.dst_port, 135 << 8);
  EXPECT_FALSE(meta.flags & meta_flag::kIcmpError);
  const Bytes advert =
      test::ipv6_frame({}, {.hop_limit = 255},
                       test::neighbour_advertisement("2001:db8::1", "02:00:00:00:00:01", false, true, true));
  ASSERT_EQ(parse(advert, meta), DropReason::kNone);
  EXPECT_EQ(meta.dst_port, 136 << 8);
}

TEST(ParseFrame, ChecksumVerificationCanBeLeftToTheNic) {
  const Bytes frame = test::ipv4_frame({}, {.corrupt_checksum = true}, test::Tcp{});
  PacketMeta meta;
  EXPECT_EQ(parse(frame, meta, {.verify_ipv4_checksum = false}), DropReason::kNone);
  EXPECT_EQ(parse(frame, meta, {.verify_ipv4_checksum = true}), DropReason::kBadIpv4Checksum);
}

// ---- flow hash ----

TEST(FlowHash, BothDirectionsHashAlike) {
  EXPECT_EQ(hash_of(tcp4("192.0.2.1", 40000, "198.51.100.7", 443)),
            hash_of(tcp4("198.51.100.7", 443, "192.0.2.1", 40000)));
  EXPECT_EQ(hash_of(udp6("2001:db8::1", 5353, "2001:db8:ffff::2", 53)),
            hash_of(udp6("2001:db8:ffff::2", 53, "2001:db8::1", 5353)));
  EXPECT_EQ(hash_of(test::ipv4_frame({}, {.source = "192.0.2.1", .destination = "192.0.2.9"},
                                     test::icmp_echo_request(7, 1))),
            hash_of(test::ipv4_frame({}, {.source = "192.0.2.9", .destination = "192.0.2.1"},
                                     test::icmp_echo_reply(7, 1))));
  EXPECT_EQ(hash_of(test::ipv6_frame({}, {.source = "2001:db8::1", .destination = "2001:db8::2"},
                                     test::icmpv6_echo_request(7, 1))),
            hash_of(test::ipv6_frame({}, {.source = "2001:db8::2", .destination = "2001:db8::1"},
                                     test::icmpv6_echo_reply(7, 1))));
  // Same address on both sides: the ports decide the order.
  EXPECT_EQ(hash_of(tcp4("192.0.2.1", 1, "192.0.2.1", 2)), hash_of(tcp4("192.0.2.1", 2, "192.0.2.1", 1)));
}

TEST(FlowHash, DifferentFlowsHashDifferently) {
  const uint32_t base = hash_of(tcp4("192.0.2.1", 40000, "198.51.100.7", 443));
  EXPECT_NE(base, hash_of(tcp4("192.0.2.1", 40001, "198.51.100.7", 443)));
  EXPECT_NE(base, hash_of(tcp4("192.0.2.2", 40000, "198.51.100.7", 443)));
  EXPECT_NE(base, hash_of(tcp4("192.0.2.1", 40000, "198.51.100.8", 443)));
  EXPECT_NE(base, hash_of(tcp4("192.0.2.1", 443, "198.51.100.7", 40000)));
  test::Udp udp;
  udp.source_port = 40000;
  udp.destination_port = 443;
  EXPECT_NE(base, hash_of(test::ipv4_frame({}, {.source = "192.0.2.1", .destination = "198.51.100.7"}, udp)));
  EXPECT_NE(hash_of(udp6("2001:db8::1", 1, "2001:db8::2", 2)),
            hash_of(udp6("2001:db8::1", 1, "2001:db8::3", 2)));

  std::set<uint32_t> seen;
  for (uint16_t port = 1; port <= 1000; ++port) seen.insert(hash_of(tcp4("10.0.0.1", port, "10.0.0.2", 80)));
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(FlowHash, FragmentsOfOneDatagramHashAlike) {
  const test::Ipv4 first{.source = "192.0.2.1", .destination = "192.0.2.2", .more_fragments = true};
  const test::Ipv4 later{.source = "192.0.2.1", .destination = "192.0.2.2", .fragment_offset = 10};
  EXPECT_EQ(hash_of(test::ipv4_frame({}, first, test::Udp{})),
            hash_of(test::ipv4_frame({}, later, test::RawTransport{17, Bytes(8, 0)})));
}

// ---- drop reasons ----

struct DropCase {
  std::string name;
  Bytes frame;
  DropReason expected;
};

Bytes with_byte(Bytes frame, std::size_t offset, uint8_t value) {
  frame.at(offset) = value;
  return frame;
}

Bytes with_ipv4_byte(Bytes frame, std::size_t offset, uint8_t value) {
  frame.at(14 + offset) = value;
  test::refresh_ipv4_checksum(frame, 14);
  return frame;
}

Bytes cut(Bytes frame, std::size_t length) {
  frame.resize(length);
  return frame;
}

std::vector<DropCase> drop_cases() {
  const Bytes arp = test::arp_frame({}, test::arp_request("02:00:00:00:00:01", "192.0.2.1", "192.0.2.2"));
  const Bytes tcp = tcp4("192.0.2.1", 1000, "192.0.2.2", 80);
  const Bytes tcp6 = test::ipv6_frame({}, {}, test::Tcp{});
  const Bytes udp = test::ipv4_frame({}, {}, test::Udp{});
  const Bytes udp_v6 = test::ipv6_frame({}, {}, test::Udp{});
  const Bytes lldp = test::ethernet_frame({}, 0x88cc, Bytes(46, 0));
  const Bytes qinq = test::ethernet_frame({.vlan_id = 10}, 0x8100, Bytes(50, 0));
  const Bytes dot1ad = test::ethernet_frame({}, 0x88a8, Bytes(50, 0));

  test::Ipv6 nine_options;
  nine_options.extensions.assign(9, test::destination_options());
  test::Ipv6 late_hop_by_hop;
  late_hop_by_hop.extensions = {test::destination_options(), test::hop_by_hop_options()};
  test::Ipv6 long_routing;
  long_routing.extensions = {test::routing_header(4, 1, {"2001:db8::5"})};
  Bytes overrun_routing = test::ipv6_frame({}, long_routing, test::RawTransport{59, {}});
  overrun_routing[14 + 40 + 1] = 3;  // claims 32 bytes, 24 present
  test::Ipv6 cut_fragment;
  cut_fragment.extensions = {test::destination_options()};
  Bytes chain_into_nothing = test::ipv6_frame({}, cut_fragment, test::RawTransport{44, {1, 2, 3}});

  return {
      {"empty", {}, DropReason::kTruncatedEthernet},
      {"13 bytes", cut(tcp, 13), DropReason::kTruncatedEthernet},
      {"vlan tag cut", cut(test::ipv4_frame({.vlan_id = 5}, {}, test::Tcp{}), 16),
       DropReason::kTruncatedVlan},
      {"lldp", lldp, DropReason::kUnsupportedEthertype},
      {"second 802.1Q tag", qinq, DropReason::kUnsupportedEthertype},
      {"802.1ad outer tag", dot1ad, DropReason::kUnsupportedEthertype},
      {"arp cut", cut(arp, 41), DropReason::kTruncatedArp},
      {"arp htype 6", with_byte(arp, 15, 6), DropReason::kMalformedArp},
      {"arp ptype ipv6", with_byte(with_byte(arp, 16, 0x86), 17, 0xdd), DropReason::kMalformedArp},
      {"arp hlen 8", with_byte(arp, 18, 8), DropReason::kMalformedArp},
      {"arp plen 16", with_byte(arp, 19, 16), DropReason::kMalformedArp},
      {"ipv4 cut", cut(tcp, 33), DropReason::kTruncatedIpv4},
      {"ipv4 version 6", with_ipv4_byte(tcp, 0, 0x65), DropReason::kBadIpv4Version},
      {"ihl 4", with_byte(tcp, 14, 0x44), DropReason::kBadIpv4HeaderLength},
      {"ihl beyond frame", with_byte(tcp, 14, 0x4f), DropReason::kBadIpv4HeaderLength},
      {"total below ihl", with_ipv4_byte(with_ipv4_byte(tcp, 2, 0), 3, 19), DropReason::kBadIpv4TotalLength},
      {"total beyond frame", with_ipv4_byte(tcp, 3, 41), DropReason::kBadIpv4TotalLength},
      {"ipv4 checksum", test::ipv4_frame({}, {.corrupt_checksum = true}, test::Tcp{}),
       DropReason::kBadIpv4Checksum},
      {"option length 1", test::ipv4_frame({}, {.options = {7, 1, 0, 0}}, test::Tcp{}),
       DropReason::kBadIpv4Options},
      {"option overruns", test::ipv4_frame({}, {.options = {1, 7, 8, 4}}, test::Tcp{}),
       DropReason::kBadIpv4Options},
      {"option without length", test::ipv4_frame({}, {.options = {1, 1, 1, 0x44}}, test::Tcp{}),
       DropReason::kBadIpv4Options},
      {"ipv6 cut", cut(tcp6, 14 + 39), DropReason::kTruncatedIpv6},
      {"ipv6 version 4", with_byte(tcp6, 14, 0x40), DropReason::kBadIpv6Version},
      {"ipv6 jumbogram", with_byte(with_byte(tcp6, 18, 0), 19, 0), DropReason::kBadIpv6PayloadLength},
      {"ipv6 payload beyond frame", with_byte(tcp6, 19, 21), DropReason::kBadIpv6PayloadLength},
      {"nine extension headers", test::ipv6_frame({}, nine_options, test::Udp{}),
       DropReason::kBadIpv6ExtensionHeader},
      {"hop-by-hop not first", test::ipv6_frame({}, late_hop_by_hop, test::Udp{}),
       DropReason::kBadIpv6ExtensionHeader},
      {"routing header overruns", overrun_routing, DropReason::kBadIpv6ExtensionHeader},
      {"fragment header cut", chain_into_nothing, DropReason::kBadIpv6ExtensionHeader},
      {"tcp cut", test::ipv4_frame({}, {}, test::RawTransport{6, Bytes(19, 0)}), DropReason::kTruncatedTcp},
      {"tcp6 cut", test::ipv6_frame({}, {}, test::RawTransport{6, Bytes(12, 0)}), DropReason::kTruncatedTcp},
      {"tcp offset 4", with_byte(tcp, 34 + 12, 0x40), DropReason::kBadTcpHeaderLength},
      {"tcp offset beyond", with_byte(tcp, 34 + 12, 0x60), DropReason::kBadTcpHeaderLength},
      {"udp cut", test::ipv4_frame({}, {}, test::RawTransport{17, Bytes(7, 0)}), DropReason::kTruncatedUdp},
      {"udp length 7", with_byte(udp, 34 + 5, 7), DropReason::kBadUdpLength},
      {"udp length beyond", with_byte(udp, 34 + 5, 9), DropReason::kBadUdpLength},
      {"udp6 length beyond", with_byte(udp_v6, 54 + 5, 9), DropReason::kBadUdpLength},
      {"icmp cut", test::ipv4_frame({}, {}, test::RawTransport{1, Bytes(7, 0)}), DropReason::kTruncatedIcmp},
      {"icmpv6 cut", test::ipv6_frame({}, {}, test::RawTransport{58, Bytes(4, 0)}),
       DropReason::kTruncatedIcmp},
      {"source multicast", tcp4("224.0.0.1", 1, "192.0.2.1", 2), DropReason::kBadSourceAddress},
      {"source broadcast", tcp4("255.255.255.255", 1, "192.0.2.1", 2), DropReason::kBadSourceAddress},
      {"source loopback", tcp4("127.0.0.1", 1, "192.0.2.1", 2), DropReason::kBadSourceAddress},
      {"source class e", tcp4("240.0.0.1", 1, "192.0.2.1", 2), DropReason::kBadSourceAddress},
      {"source unspecified tcp", tcp4("0.0.0.0", 1, "192.0.2.1", 2), DropReason::kBadSourceAddress},
      {"source v6 multicast", udp6("ff02::1", 1, "2001:db8::1", 2), DropReason::kBadSourceAddress},
      {"source v6 loopback", udp6("::1", 1, "2001:db8::1", 2), DropReason::kBadSourceAddress},
      {"source v6 unspecified udp", udp6("::", 1, "2001:db8::1", 2), DropReason::kBadSourceAddress},
  };
}

TEST(ParseFrame, EachMalformationGetsItsDropReason) {
  for (const DropCase& c : drop_cases()) {
    PacketMeta meta;
    EXPECT_EQ(drop_reason_name(parse(c.frame, meta)), drop_reason_name(c.expected)) << c.name;
  }
}

TEST(ParseFrame, EveryReasonTheParserCanGiveIsTested) {
  std::set<DropReason> covered;
  for (const DropCase& c : drop_cases()) covered.insert(c.expected);
  for (auto reason = DropReason::kTruncatedEthernet; reason <= DropReason::kBadSourceAddress;
       reason = static_cast<DropReason>(static_cast<unsigned>(reason) + 1)) {
    EXPECT_TRUE(covered.count(reason)) << drop_reason_name(reason);
  }
}

// ---- robustness ----

// Valid frames without Ethernet padding: every proper prefix of them must be refused.
std::vector<Bytes> valid_frames() {
  test::Tcp tcp_with_options;
  tcp_with_options.options = {2, 4, 5, 0xb4, 1, 1, 4, 2};
  tcp_with_options.payload = Bytes(20, 0x42);
  test::Ipv6 chain;
  chain.extensions = {test::hop_by_hop_options(), test::routing_header(4, 1, {"2001:db8:2::1"}),
                      test::fragment_header(0, true, 9), test::authentication_header(5, 6)};
  test::Ipv6 later_fragment;
  later_fragment.extensions = {test::fragment_header(8, false, 9)};
  return {
      test::ipv4_frame({}, {}, tcp_with_options),
      test::ipv4_frame({.vlan_id = 42}, {.options = {1, 7, 7, 4, 0, 0, 0, 0}}, test::Udp{}),
      test::ipv4_frame({}, {}, test::icmp_echo_request(1, 2, Bytes(8, 0))),
      test::ipv4_frame({}, {}, test::icmp_error(3, 4, test::ipv4_datagram({}, test::Tcp{}))),
      test::ipv4_frame({}, {.fragment_offset = 3}, test::RawTransport{6, Bytes(24, 0)}),
      test::arp_frame({.vlan_id = 3}, test::arp_request("02:00:00:00:00:01", "192.0.2.1", "192.0.2.2")),
      test::ipv6_frame({}, {}, test::Tcp{}),
      test::ipv6_frame({.vlan_id = 9}, chain, test::Udp{}),
      test::ipv6_frame({}, later_fragment, test::RawTransport{17, Bytes(8, 0)}),
      test::ipv6_frame({}, {.source = "::"},
                       test::neighbour_solicitation("2001:db8::1", "02:00:00:00:00:01")),
      test::ipv6_frame({}, {}, test::icmpv6_echo_request(3, 4)),
  };
}

void expect_meta_within(const PacketMeta& meta, std::size_t length) {
  EXPECT_LE(meta.l3_offset + (meta.l3 == L3Kind::kArp ? 28u : 20u), length);
  if (meta.l3 != L3Kind::kArp) {
    EXPECT_LE(meta.l3_offset + meta.l3_length, length);
  }
  if (meta.l4_present) {
    EXPECT_LE(meta.l4_offset + 8u, length);
  }
}

TEST(ParseFrame, EveryPrefixOfAValidFrameIsRefusedWithoutOverreading) {
  for (const Bytes& frame : valid_frames()) {
    PacketMeta meta;
    ASSERT_EQ(parse(frame, meta), DropReason::kNone);
    for (std::size_t length = 0; length < frame.size(); ++length) {
      // An exact-size heap copy, so that AddressSanitizer sees any read past the end.
      const Bytes prefix(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(length));
      EXPECT_NE(parse(prefix, meta), DropReason::kNone) << "length " << length << " of " << frame.size();
    }
  }
}

TEST(ParseFrame, RandomMutationsNeverCrashOrYieldOutOfBoundsMeta) {
  std::mt19937 random(20240611);
  const std::vector<Bytes> frames = valid_frames();
  unsigned accepted = 0;
  for (int iteration = 0; iteration < 5000; ++iteration) {
    Bytes frame = frames[random() % frames.size()];
    const unsigned mutations = 1 + random() % 4;
    for (unsigned i = 0; i < mutations; ++i) frame[random() % frame.size()] = static_cast<uint8_t>(random());
    if (random() % 4 == 0) frame.resize(random() % (frame.size() + 1));
    frame.shrink_to_fit();
    PacketMeta meta;
    const DropReason reason = parse(frame, meta, {.verify_ipv4_checksum = random() % 2 == 0});
    if (reason == DropReason::kNone) {
      ++accepted;
      expect_meta_within(meta, frame.size());
    }
  }
  EXPECT_GT(accepted, 0u);
}

}  // namespace
}  // namespace torwart::dataplane
