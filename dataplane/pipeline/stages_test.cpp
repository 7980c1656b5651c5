// The fast-path stages on real mbufs: ingress, antispoof, route, local, forward, l2 rewrite, ICMP errors.
#include <variant>

#include "dataplane/pipeline/fastpath_test_support.hpp"
#include "rules/config/load.hpp"

namespace torwart::dataplane::testing_support {
namespace {

using test::Bytes;

Bytes lan_v4(const test::Ipv4& ip, const test::Transport& transport = test::Udp{}) {
  return test::ipv4_frame({.source = kLanClientMac, .destination = kLanMac}, ip, transport);
}
Bytes lan_v6(const test::Ipv6& ip, const test::Transport& transport = test::Udp{}) {
  return test::ipv6_frame({.source = kLanClientMac, .destination = kLanMac}, ip, transport);
}
Bytes inet_v4(const test::Ipv4& ip, const test::Transport& transport = test::Udp{}) {
  return test::ipv4_frame({.source = kInetGatewayMac, .destination = kInetMac}, ip, transport);
}

std::vector<DropReason> reasons(const Burst& burst) {
  std::vector<DropReason> out;
  for (uint16_t i = 0; i < burst.dropped_count; ++i) out.push_back(meta_of(burst.dropped[i]).drop_reason);
  return out;
}

// ---------------------------------------------------------------- ingress

using IngressTest = FastPath;

TEST_F(IngressTest, UnknownVlanIsDropped) {
  Burst burst =
      parsed(kLan, {test::ipv4_frame({.source = kLanClientMac, .destination = kLanMac, .vlan_id = 31},
                                     {.source = "192.168.10.10"}, test::Udp{})});
  stage_ingress(*ctx, burst);
  EXPECT_EQ(burst.count, 0);
  EXPECT_EQ(reasons(burst), std::vector{DropReason::kUnknownVlan});
  release(burst);
}

TEST_F(IngressTest, KnownVlanAndUntaggedGetTheirInterface) {
  Burst burst =
      parsed(kLan, {test::ipv4_frame({.source = kVoipPhoneMac, .destination = kLanMac, .vlan_id = 30},
                                     {.source = "192.168.30.10"}, test::Udp{}),
                    lan_v4({.source = "192.168.10.10"})});
  stage_ingress(*ctx, burst);
  ASSERT_EQ(burst.count, 2);
  EXPECT_EQ(meta_of(burst.pkts[0]).in_iface, kLan30If);
  EXPECT_EQ(meta_of(burst.pkts[1]).in_iface, kLanIf);
  release(burst);
}

TEST_F(IngressTest, UnicastForAnotherMacIsNotForUs) {
  Burst burst = parsed(kLan, {test::ipv4_frame({.source = kLanClientMac, .destination = "02:00:00:00:09:99"},
                                               {.source = "192.168.10.10"}, test::Udp{}),
                              // the right MAC, but of another port
                              test::ipv4_frame({.source = kLanClientMac, .destination = kKdnMac},
                                               {.source = "192.168.10.10"}, test::Udp{})});
  stage_ingress(*ctx, burst);
  EXPECT_EQ(burst.count, 0);
  EXPECT_EQ(reasons(burst), (std::vector{DropReason::kNotForUs, DropReason::kNotForUs}));
  release(burst);
}

TEST_F(IngressTest, BroadcastArpIsPunted) {
  Burst burst =
      parsed(kLan, {test::arp_frame({.source = kLanClientMac, .destination = "ff:ff:ff:ff:ff:ff"},
                                    test::arp_request(kLanClientMac, "192.168.10.10", "192.168.10.1"))});
  stage_ingress(*ctx, burst);
  EXPECT_EQ(burst.count, 0);
  EXPECT_EQ(burst.dropped_count, 0);
  EXPECT_EQ(burst.punted_count, 1);
  release(burst);
}

TEST_F(IngressTest, NeighbourSolicitationsAndAdvertisementsArePunted) {
  Burst burst = parsed(
      kLan,
      {test::ipv6_frame({.source = kLanClientMac, .destination = "33:33:ff:00:00:01"},
                        {.source = "2001:db8:10::10", .destination = "ff02::1:ff00:1", .hop_limit = 255},
                        test::neighbour_solicitation("2001:db8:10::1", kLanClientMac)),
       test::ipv6_frame({.source = kLanClientMac, .destination = kLanMac},
                        {.source = "2001:db8:10::10", .destination = "2001:db8:10::1", .hop_limit = 255},
                        test::neighbour_advertisement("2001:db8:10::10", kLanClientMac, false, true, true))});
  stage_ingress(*ctx, burst);
  EXPECT_EQ(burst.count, 0);
  EXPECT_EQ(burst.dropped_count, 0);
  EXPECT_EQ(burst.punted_count, 2);
  release(burst);
}

TEST_F(IngressTest, RouterAdvertisementsAreDroppedAsLocalUnhandled) {
  test::Icmp ra{134, 0, 0x40000000u, Bytes(8, 0), false};
  Burst burst =
      parsed(kLan, {test::ipv6_frame({.source = kLanClientMac, .destination = "33:33:00:00:00:01"},
                                     {.source = "fe80::1", .destination = "ff02::1", .hop_limit = 255}, ra)});
  stage_ingress(*ctx, burst);
  EXPECT_EQ(burst.count, 0);
  EXPECT_EQ(burst.punted_count, 0);
  EXPECT_EQ(reasons(burst), std::vector{DropReason::kLocalUnhandled});
  release(burst);
}

// ---------------------------------------------------------------- antispoof

class AntispoofTest : public FastPath {
 protected:
  // Runs ingress and antispoof; returns the drop reasons (kNone for a packet that went on).
  std::vector<DropReason> check(uint16_t port, const std::vector<Bytes>& frames) {
    Burst burst = parsed(port, frames);
    stage_ingress(*ctx, burst);
    EXPECT_EQ(burst.dropped_count, 0) << "ingress dropped a test frame";
    stage_antispoof(*ctx, burst);
    std::vector<DropReason> out(frames.size(), DropReason::kNone);
    size_t index = 0;
    std::vector<DropReason> dropped = reasons(burst);
    // The stage keeps order within each list; frames here are either all kept or all dropped per call.
    for (uint16_t i = 0; i < burst.dropped_count && index < out.size(); ++i) out[index++] = dropped[i];
    release(burst);
    return out;
  }
};

TEST_F(AntispoofTest, LanPacketWithAnInternetSourceIsSpoofed) {
  EXPECT_EQ(check(kLan, {lan_v4({.source = "8.8.8.8", .destination = "10.1.2.3"})}),
            std::vector{DropReason::kSpoofedSource});
  EXPECT_EQ(check(kLan, {lan_v6({.source = "2a00::1", .destination = "2001:db8:1000::1"})}),
            std::vector{DropReason::kSpoofedSource});
  // From the KDN network behind the KDN router.
  EXPECT_EQ(check(kLan, {lan_v4({.source = "10.1.1.1", .destination = "8.8.8.8"})}),
            std::vector{DropReason::kSpoofedSource});
}

TEST_F(AntispoofTest, InternetPacketWithALanSourceIsSpoofed) {
  EXPECT_EQ(check(kInet, {inet_v4({.source = "192.168.10.10", .destination = "10.1.2.3"})}),
            std::vector{DropReason::kSpoofedSource});
  // The box's own address as a source.
  EXPECT_EQ(check(kInet, {inet_v4({.source = "203.0.113.2", .destination = "10.1.2.3"})}),
            std::vector{DropReason::kSpoofedSource});
  // A blackholed source.
  EXPECT_EQ(check(kInet, {inet_v4({.source = "10.66.0.1", .destination = "192.168.10.10"})}),
            std::vector{DropReason::kSpoofedSource});
}

TEST_F(AntispoofTest, SourcesThatRouteBackIntoTheZonePass) {
  EXPECT_EQ(check(kLan, {lan_v4({.source = "192.168.10.10", .destination = "8.8.8.8"}),
                         lan_v6({.source = "2001:db8:10::10", .destination = "2a00::1"})}),
            (std::vector{DropReason::kNone, DropReason::kNone}));
  EXPECT_EQ(check(kInet, {inet_v4({.source = "8.8.8.8", .destination = "192.168.10.10"})}),
            std::vector{DropReason::kNone});
  // VLAN 30 is its own zone: a LAN source arriving tagged is spoofed, a VoIP source is not.
  EXPECT_EQ(check(kLan, {test::ipv4_frame({.source = kVoipPhoneMac, .destination = kLanMac, .vlan_id = 30},
                                          {.source = "192.168.30.10"}, test::Udp{})}),
            std::vector{DropReason::kNone});
  EXPECT_EQ(check(kLan, {test::ipv4_frame({.source = kVoipPhoneMac, .destination = kLanMac, .vlan_id = 30},
                                          {.source = "192.168.10.10"}, test::Udp{})}),
            std::vector{DropReason::kSpoofedSource});
}

TEST_F(AntispoofTest, ZoneWithoutAntispoofPassesAnySource) {
  EXPECT_EQ(
      check(kSmall, {test::ipv4_frame({.source = kSmallHostMac, .destination = kSmallMac},
                                      {.source = "8.8.8.8", .destination = "10.1.2.3"}, test::Udp{}),
                     test::ipv4_frame({.source = kSmallHostMac, .destination = kSmallMac},
                                      {.source = "192.168.10.10", .destination = "10.1.2.3"}, test::Udp{})}),
      (std::vector{DropReason::kNone, DropReason::kNone}));
}

TEST_F(AntispoofTest, LinkLocalAndUnspecifiedSourcesAreExempt) {
  // (parse lets 0.0.0.0 through only for DHCP, and :: only for ICMPv6.)
  EXPECT_EQ(
      check(kInet, {inet_v4({.source = "0.0.0.0", .destination = "255.255.255.255"},
                            test::Udp{.source_port = 68, .destination_port = 67}),
                    inet_v4({.source = "169.254.3.4", .destination = "169.254.3.5"}),
                    test::ipv6_frame({.source = kInetGatewayMac, .destination = kInetMac},
                                     {.source = "fe80::1", .destination = "2001:db8:10::10"}, test::Udp{}),
                    test::ipv6_frame({.source = kInetGatewayMac, .destination = kInetMac},
                                     {.source = "::", .destination = "2001:db8:10::10"},
                                     test::icmpv6_echo_request(1, 1))}),
      (std::vector{DropReason::kNone, DropReason::kNone, DropReason::kNone, DropReason::kNone}));
}

// ---------------------------------------------------------------- route

using RouteTest = FastPath;

TEST_F(RouteTest, ForwardedPacketsGetTheirNextHopAndEgress) {
  Burst burst = parsed(kLan, {lan_v4({.source = "192.168.10.10", .destination = "10.1.2.3"}),
                              lan_v6({.source = "2001:db8:10::10", .destination = "2a00::1"})});
  stage_ingress(*ctx, burst);
  stage_antispoof(*ctx, burst);
  stage_route(*ctx, burst);
  ASSERT_EQ(burst.count, 2);
  EXPECT_EQ(meta_of(burst.pkts[0]).out_iface, kKdnIf);
  EXPECT_EQ(meta_of(burst.pkts[1]).out_iface, kInetIf);
  EXPECT_EQ(snapshot->next_hop(meta_of(burst.pkts[1]).next_hop).gateway.to_string(), "2001:db8:f00::1");
  release(burst);
}

TEST_F(RouteTest, MulticastAndBroadcastDestinationsAreLocalUnhandled) {
  Burst burst = parsed(kLan, {lan_v4({.source = "192.168.10.10", .destination = "224.0.0.5"}),
                              lan_v4({.source = "192.168.10.10", .destination = "255.255.255.255"}),
                              lan_v6({.source = "2001:db8:10::10", .destination = "ff05::1:3"})});
  stage_ingress(*ctx, burst);
  stage_antispoof(*ctx, burst);
  stage_route(*ctx, burst);
  EXPECT_EQ(burst.count, 0);
  EXPECT_EQ(reasons(burst), (std::vector{DropReason::kLocalUnhandled, DropReason::kLocalUnhandled,
                                         DropReason::kLocalUnhandled}));
  EXPECT_EQ(burst.generated_count, 0);
  release(burst);
}

TEST_F(RouteTest, BlackholeDropsSilently) {
  run(kLan, {lan_v4({.source = "192.168.10.10", .destination = "10.66.7.7"})});
  EXPECT_EQ(drops(kLan, DropReason::kNoRoute), 1u);
  EXPECT_EQ(ctx->counters.icmp_errors_sent, 0u);
  EXPECT_EQ(tx.total(), 0u);
}

TEST_F(RouteTest, NoRouteSendsUnreachable) {
  // The same LAN, but without default routes.
  auto loaded = config::load_config_text(R"(
zones: [{name: lan}]
ports:
  - name: lan
    zone: lan
    backend: null
    mac: 02:00:00:00:01:fe
    addresses: [192.168.10.1/24, "2001:db8:10::1/64"]
)",
                                         "t.yaml");
  ASSERT_TRUE(std::holds_alternative<config::Config>(loaded));
  auto lonely = Snapshot::build(std::get<config::Config>(loaded), 2, "", {{"lan", kLan, rte_ether_addr{}}});
  ctx->snapshot = lonely.get();
  const Bytes v4 = lan_v4({.source = "192.168.10.10", .destination = "8.8.8.8"});
  run(kLan, {v4, lan_v6({.source = "2001:db8:10::10", .destination = "2a00::1"})});
  EXPECT_EQ(drops(kLan, DropReason::kNoRoute), 2u);
  EXPECT_EQ(ctx->counters.icmp_errors_sent, 2u);
  const auto& out = sent_on(kLan);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(mac_at(out[0], 0), kLanClientMac);
  EXPECT_EQ(out[0][14 + 9], 1);  // ICMP
  EXPECT_EQ(out[0][34], 3);      // destination unreachable
  EXPECT_EQ(out[0][35], 0);      // net unreachable
  EXPECT_EQ(ipv4_at(out[0], 26), "192.168.10.1");
  EXPECT_EQ(ipv4_at(out[0], 30), "192.168.10.10");
  EXPECT_TRUE(ipv4_header_valid(out[0], 14));
  EXPECT_TRUE(icmpv4_checksum_valid(out[0], 14));
  EXPECT_TRUE(std::equal(v4.begin() + 14, v4.end(), out[0].begin() + 42));  // the whole datagram quoted
  EXPECT_EQ(out[1][14 + 6], 58);                                            // ICMPv6
  EXPECT_EQ(out[1][54], 1);                                                 // destination unreachable
  EXPECT_EQ(out[1][55], 0);                                                 // no route
  EXPECT_TRUE(ipv6_l4_checksum_valid(out[1], 14));
  ctx->snapshot = snapshot.get();
}

// ---------------------------------------------------------------- local

using LocalTest = FastPath;

TEST_F(LocalTest, EchoRequestV4BecomesAReplyInPlace) {
  const Bytes payload{'p', 'i', 'n', 'g', 0, 1, 2, 3, 4, 5};
  const Bytes request =
      lan_v4({.source = "192.168.10.10", .destination = "192.168.10.1", .ttl = 17, .id = 99},
             test::icmp_echo_request(0x1234, 7, payload));
  run(kLan, {request});
  const auto& out = sent_on(kLan);
  ASSERT_EQ(out.size(), 1u);
  const Bytes& reply = out[0];
  ASSERT_EQ(reply.size(), request.size());
  EXPECT_EQ(mac_at(reply, 0), kLanClientMac);
  EXPECT_EQ(mac_at(reply, 6), kLanMac);
  EXPECT_EQ(ipv4_at(reply, 26), "192.168.10.1");
  EXPECT_EQ(ipv4_at(reply, 30), "192.168.10.10");
  EXPECT_EQ(reply[22], 64);  // TTL
  EXPECT_TRUE(ipv4_header_valid(reply, 14));
  EXPECT_EQ(reply[34], 0);  // echo reply
  EXPECT_EQ(reply[35], 0);
  EXPECT_EQ(be16(reply, 38), 0x1234);
  EXPECT_EQ(be16(reply, 40), 7);
  EXPECT_TRUE(std::equal(payload.begin(), payload.end(), reply.begin() + 42));
  EXPECT_TRUE(icmpv4_checksum_valid(reply, 14));
  EXPECT_EQ(drops(kLan, DropReason::kTtlExceeded), 0u);
}

TEST_F(LocalTest, EchoRequestV6BecomesAReplyInPlace) {
  const Bytes payload(33, 0xa5);  // odd length
  const Bytes request = lan_v6({.source = "2001:db8:10::10", .destination = "2001:db8:10::1", .hop_limit = 3},
                               test::icmpv6_echo_request(0xbeef, 1, payload));
  run(kLan, {request});
  const auto& out = sent_on(kLan);
  ASSERT_EQ(out.size(), 1u);
  const Bytes& reply = out[0];
  ASSERT_EQ(reply.size(), request.size());
  EXPECT_EQ(mac_at(reply, 0), kLanClientMac);
  EXPECT_EQ(reply[14 + 7], 64);                                                             // hop limit
  EXPECT_TRUE(std::equal(request.begin() + 22, request.begin() + 38, reply.begin() + 38));  // swapped
  EXPECT_TRUE(std::equal(request.begin() + 38, request.begin() + 54, reply.begin() + 22));
  EXPECT_EQ(reply[54], 129);
  EXPECT_EQ(be16(reply, 58), 0xbeef);
  EXPECT_TRUE(ipv6_l4_checksum_valid(reply, 14));
}

TEST_F(LocalTest, EchoToAnotherInterfaceAddressIsAnsweredTowardsTheSender) {
  run(kLan,
      {lan_v4({.source = "192.168.10.10", .destination = "203.0.113.2"}, test::icmp_echo_request(1, 1))});
  ASSERT_EQ(sent_on(kLan).size(), 1u);
  EXPECT_EQ(ipv4_at(sent_on(kLan)[0], 26), "203.0.113.2");
  EXPECT_TRUE(icmpv4_checksum_valid(sent_on(kLan)[0], 14));
}

TEST_F(LocalTest, TcpToTheBoxIsLocalUnhandled) {
  run(kLan,
      {lan_v4({.source = "192.168.10.10", .destination = "192.168.10.1"}, test::Tcp{.destination_port = 22}),
       lan_v6({.source = "2001:db8:10::10", .destination = "2001:db8:10::1"}, test::Tcp{})});
  EXPECT_EQ(drops(kLan, DropReason::kLocalUnhandled), 2u);
  EXPECT_EQ(tx.total(), 0u);
}

// ---------------------------------------------------------------- forward

using ForwardTest = FastPath;

TEST_F(ForwardTest, TtlDecrementKeepsTheHeaderChecksumValid) {
  std::vector<Bytes> frames;
  const uint8_t ttls[] = {2, 3, 64, 128, 129, 255};
  for (uint8_t ttl : ttls) {
    test::Udp udp;
    udp.payload = Bytes{1, 2, 3, 4, 5, ttl};
    frames.push_back(lan_v4({.source = "192.168.10.10",
                             .destination = "10.1.2.3",
                             .ttl = ttl,
                             .id = static_cast<uint16_t>(0xffff - ttl),
                             .dont_fragment = true},
                            udp));
  }
  run(kLan, frames);
  const auto& out = sent_on(kKdn);
  ASSERT_EQ(out.size(), std::size(ttls));
  for (size_t i = 0; i < out.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(mac_at(out[i], 0), kKdnGatewayMac);
    EXPECT_EQ(mac_at(out[i], 6), kKdnMac);
    EXPECT_EQ(out[i][22], ttls[i] - 1);
    EXPECT_TRUE(ipv4_header_valid(out[i], 14));
    EXPECT_TRUE(ipv4_l4_checksum_valid(out[i], 14));
    ASSERT_EQ(out[i].size(), frames[i].size());
    EXPECT_TRUE(std::equal(frames[i].begin() + 34, frames[i].end(), out[i].begin() + 34));  // UDP untouched
  }
  EXPECT_EQ(sent_on(kLan).size(), 0u);
}

TEST_F(ForwardTest, HopLimitDecrementsV6) {
  run(kLan, {lan_v6({.source = "2001:db8:10::10", .destination = "2a00::1", .hop_limit = 9})});
  ASSERT_EQ(sent_on(kInet).size(), 1u);
  EXPECT_EQ(sent_on(kInet)[0][21], 8);
  EXPECT_EQ(mac_at(sent_on(kInet)[0], 0), kInetGatewayMac);
  EXPECT_TRUE(ipv6_l4_checksum_valid(sent_on(kInet)[0], 14));
}

TEST_F(ForwardTest, TtlOneSendsTimeExceededFromTheIngressInterface) {
  const Bytes original = lan_v4({.source = "192.168.10.10", .destination = "10.1.2.3", .ttl = 1, .id = 4711},
                                test::Udp{.payload = Bytes(100, 0x42)});
  run(kLan, {original});
  EXPECT_EQ(drops(kLan, DropReason::kTtlExceeded), 1u);
  EXPECT_EQ(sent_on(kKdn).size(), 0u);
  const auto& out = sent_on(kLan);
  ASSERT_EQ(out.size(), 1u);
  const Bytes& error = out[0];
  EXPECT_EQ(mac_at(error, 0), kLanClientMac);
  EXPECT_EQ(mac_at(error, 6), kLanMac);
  EXPECT_EQ(be16(error, 12), 0x0800);
  EXPECT_TRUE(ipv4_header_valid(error, 14));
  EXPECT_EQ(error[23], 1);  // ICMP
  EXPECT_EQ(error[22], 64);
  EXPECT_EQ(ipv4_at(error, 26), "192.168.10.1");
  EXPECT_EQ(ipv4_at(error, 30), "192.168.10.10");
  EXPECT_EQ(error[34], 11);
  EXPECT_EQ(error[35], 0);
  EXPECT_TRUE(icmpv4_checksum_valid(error, 14));
  // The quote: the original IP header and at least the first 8 bytes of its payload, unchanged (TTL 1).
  ASSERT_GE(error.size(), 42u + 28u);
  EXPECT_TRUE(std::equal(original.begin() + 14, original.begin() + 14 + 28, error.begin() + 42));
  EXPECT_EQ(be16(error, 16), error.size() - 14);
}

TEST_F(ForwardTest, HopLimitOneSendsIcmpv6TimeExceeded) {
  const Bytes original =
      lan_v6({.source = "2001:db8:10::10", .destination = "2001:db8:1000::1", .hop_limit = 1});
  run(kLan, {original});
  EXPECT_EQ(drops(kLan, DropReason::kTtlExceeded), 1u);
  EXPECT_EQ(sent_on(kKdn).size(), 0u);
  const auto& out = sent_on(kLan);
  ASSERT_EQ(out.size(), 1u);
  const Bytes& error = out[0];
  EXPECT_EQ(be16(error, 12), 0x86dd);
  EXPECT_EQ(error[20], 58);
  const auto lan_address = test::parse_ipv6("2001:db8:10::1");
  EXPECT_TRUE(std::equal(lan_address.begin(), lan_address.end(), error.begin() + 22));
  EXPECT_TRUE(std::equal(original.begin() + 22, original.begin() + 38, error.begin() + 38));  // to the source
  EXPECT_EQ(error[54], 3);
  EXPECT_EQ(error[55], 0);
  EXPECT_TRUE(ipv6_l4_checksum_valid(error, 14));
  EXPECT_TRUE(std::equal(original.begin() + 14, original.end(), error.begin() + 62));
}

TEST_F(ForwardTest, TooBigForTheEgressMtuV4SendsFragmentationNeeded) {
  const Bytes big = lan_v4({.source = "192.168.10.10", .destination = "172.16.0.10", .dont_fragment = true},
                           test::Udp{.payload = Bytes(1300, 1)});
  const Bytes fits = lan_v4({.source = "192.168.10.10", .destination = "172.16.0.10"},
                            test::Udp{.payload = Bytes(1280 - 28, 2)});
  run(kLan, {big, fits});
  EXPECT_EQ(drops(kLan, DropReason::kMtuExceeded), 1u);
  ASSERT_EQ(sent_on(kSmall).size(), 1u);
  EXPECT_EQ(sent_on(kSmall)[0].size(), fits.size());
  EXPECT_EQ(mac_at(sent_on(kSmall)[0], 0), kSmallHostMac);
  const auto& out = sent_on(kLan);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0][34], 3);
  EXPECT_EQ(out[0][35], 4);
  EXPECT_EQ(be16(out[0], 40), 1280);  // next-hop MTU
  EXPECT_TRUE(icmpv4_checksum_valid(out[0], 14));
  EXPECT_TRUE(ipv4_header_valid(out[0], 14));
  EXPECT_LE(be16(out[0], 16), 576);  // RFC 1812: no more than 576 bytes
}

TEST_F(ForwardTest, TooBigForTheEgressMtuV6SendsPacketTooBig) {
  const Bytes big = lan_v6({.source = "2001:db8:10::10", .destination = "2001:db8:4::10"},
                           test::Udp{.payload = Bytes(1300, 1)});
  run(kLan, {big});
  EXPECT_EQ(drops(kLan, DropReason::kMtuExceeded), 1u);
  EXPECT_EQ(sent_on(kSmall).size(), 0u);
  const auto& out = sent_on(kLan);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0][54], 2);
  EXPECT_EQ(out[0][55], 0);
  EXPECT_EQ(be32(out[0], 58), 1280u);
  EXPECT_TRUE(ipv6_l4_checksum_valid(out[0], 14));
  EXPECT_LE(out[0].size() - 14, 1280u);  // RFC 4443: the error fits the minimum MTU
}

TEST_F(ForwardTest, NoErrorsAboutIcmpErrorsOrLaterFragments) {
  const Bytes quoted =
      test::ipv4_datagram({.source = "10.1.2.3", .destination = "192.168.10.10"}, test::Udp{});
  const Bytes quoted_v6 =
      test::ipv6_datagram({.source = "2a00::1", .destination = "2001:db8:10::10"}, test::Udp{});
  // The quoted datagrams passed the box first: the errors belong to known connections.
  run(kKdn, {test::ipv4_frame({.source = "02:00:00:00:02:01", .destination = "02:00:00:00:02:fe"},
                              {.source = "10.1.2.3", .destination = "192.168.10.10"}, test::Udp{})});
  run(kInet, {test::ipv6_frame({.source = "02:00:00:00:03:01", .destination = "02:00:00:00:03:fe"},
                               {.source = "2a00::1", .destination = "2001:db8:10::10"}, test::Udp{})});
  ASSERT_EQ(sent_on(kLan).size(), 2u);
  run(kLan, {lan_v4({.source = "192.168.10.10", .destination = "10.1.2.3", .ttl = 1},
                    test::icmp_error(3, 3, quoted)),
             lan_v6({.source = "2001:db8:10::10", .destination = "2a00::1", .hop_limit = 1},
                    test::icmpv6_error(1, 0, quoted_v6))});
  EXPECT_EQ(drops(kLan, DropReason::kTtlExceeded), 2u);
  EXPECT_EQ(ctx->counters.icmp_errors_sent, 0u);
  EXPECT_EQ(tx.total(), 2u) << "nothing beyond the two quoted datagrams";
  // A fragmented datagram (reassembly releases it whole): only its first fragment gets one.
  run(kLan, {lan_v4({.source = "192.168.10.10", .destination = "10.1.2.3", .ttl = 1, .fragment_offset = 9},
                    test::RawTransport{17, Bytes(64, 9)}),
             lan_v4({.source = "192.168.10.10", .destination = "10.1.2.3", .ttl = 1, .more_fragments = true},
                    test::Udp{.payload = Bytes(64, 1)})});
  EXPECT_EQ(drops(kLan, DropReason::kTtlExceeded), 4u);
  EXPECT_EQ(ctx->counters.icmp_errors_sent, 1u);
}

TEST_F(ForwardTest, RateLimitStopsAFloodOfErrors) {
  std::vector<Bytes> flood(60, lan_v4({.source = "192.168.10.10", .destination = "10.1.2.3", .ttl = 1}));
  run(kLan, flood);
  EXPECT_EQ(drops(kLan, DropReason::kTtlExceeded), 60u);
  EXPECT_EQ(ctx->counters.icmp_errors_sent, 50u);  // the burst
  EXPECT_EQ(ctx->counters.icmp_errors_rate_limited, 10u);
  EXPECT_EQ(sent_on(kLan).size(), 50u);
  // 100 ms later, 10 more tokens at 100 per second.
  now_ns += 100'000'000;
  run(kLan, std::vector<Bytes>(20, flood[0]));
  EXPECT_EQ(ctx->counters.icmp_errors_sent, 60u);
  EXPECT_EQ(ctx->counters.icmp_errors_rate_limited, 20u);
}

TEST_F(ForwardTest, LinkLocalSourcesAreNotRouted) {
  run(kLan, {lan_v4({.source = "169.254.1.1", .destination = "10.1.2.3"})});
  EXPECT_EQ(drops(kLan, DropReason::kBadSourceAddress), 1u);
  EXPECT_EQ(tx.total(), 0u);
}

// ---------------------------------------------------------------- l2 rewrite

using L2RewriteTest = FastPath;

TEST_F(L2RewriteTest, UntaggedToVlanInsertsTheTag) {
  const Bytes original = lan_v4({.source = "192.168.10.10", .destination = "192.168.30.10", .ttl = 10},
                                test::Udp{.payload = Bytes(20, 7)});
  run(kLan, {original});
  const auto& out = sent_on(kLan);
  ASSERT_EQ(out.size(), 1u);
  const Bytes& frame = out[0];
  ASSERT_EQ(frame.size(), original.size() + 4);
  EXPECT_EQ(mac_at(frame, 0), kVoipPhoneMac);
  EXPECT_EQ(mac_at(frame, 6), kLanMac);
  EXPECT_EQ(be16(frame, 12), 0x8100);
  EXPECT_EQ(be16(frame, 14) & 0x0fff, 30);
  EXPECT_EQ(be16(frame, 16), 0x0800);
  EXPECT_EQ(frame[18 + 8], 9);
  EXPECT_TRUE(ipv4_header_valid(frame, 18));
  EXPECT_TRUE(std::equal(original.begin() + 34, original.end(), frame.begin() + 38));
}

TEST_F(L2RewriteTest, VlanToUntaggedRemovesTheTag) {
  const Bytes original = test::ipv4_frame({.source = kVoipPhoneMac, .destination = kLanMac, .vlan_id = 30},
                                          {.source = "192.168.30.10", .destination = "10.1.2.3", .ttl = 10},
                                          test::Udp{.payload = Bytes(20, 7)});
  run(kLan, {original});
  const auto& out = sent_on(kKdn);
  ASSERT_EQ(out.size(), 1u);
  const Bytes& frame = out[0];
  ASSERT_EQ(frame.size(), original.size() - 4);
  EXPECT_EQ(mac_at(frame, 0), kKdnGatewayMac);
  EXPECT_EQ(mac_at(frame, 6), kKdnMac);
  EXPECT_EQ(be16(frame, 12), 0x0800);
  EXPECT_EQ(frame[14 + 8], 9);
  EXPECT_TRUE(ipv4_header_valid(frame, 14));
  EXPECT_TRUE(ipv4_l4_checksum_valid(frame, 14));
  EXPECT_TRUE(std::equal(original.begin() + 38, original.end(), frame.begin() + 34));
}

TEST_F(L2RewriteTest, UnknownNeighbourIsPuntedAwaitingResolution) {
  run(kLan, {lan_v4({.source = "192.168.10.10", .destination = "192.168.10.20"})});
  EXPECT_EQ(tx.total(), 0u);
  ASSERT_EQ(punt.taken.size(), 1u);
  EXPECT_TRUE(meta_of(punt.taken[0]).flags & meta_flag::kAwaitingResolution);
  EXPECT_EQ(meta_of(punt.taken[0]).out_iface, kLanIf);
  EXPECT_EQ(ctx->counters.punted, 1u);
}

TEST_F(L2RewriteTest, TransmitterRefusalCountsTxQueueFull) {
  tx.accept_at_most = 1;
  run(kLan, std::vector<Bytes>(3, lan_v4({.source = "192.168.10.10", .destination = "10.1.2.3"})));
  EXPECT_EQ(sent_on(kKdn).size(), 1u);
  EXPECT_EQ(drops(kLan, DropReason::kTxQueueFull), 2u);
  EXPECT_EQ(ctx->counters.ports[kKdn].tx_packets, 1u);
}

// Live with several workers, an ICMP error must reach the worker of the connection it quotes.
TEST_F(FastPath, IcmpErrorsHashLikeTheConnectionTheyQuote) {
  const test::Ipv4 query_ip{.source = "192.168.10.10", .destination = "198.51.100.53"};
  const test::Udp query{.source_port = 40000, .destination_port = 53};
  Burst burst;
  burst.pkts[0] = test::to_mbuf(
      pool(), test::ipv4_frame({.source = kLanClientMac, .destination = kLanMac}, query_ip, query));
  burst.pkts[0]->port = kLan;
  burst.pkts[1] =
      test::to_mbuf(pool(), test::ipv4_frame({.source = kInetGatewayMac, .destination = kInetMac},
                                             {.source = "198.51.100.53", .destination = "192.168.10.10"},
                                             test::icmp_error(3, 3, test::ipv4_datagram(query_ip, query))));
  burst.pkts[1]->port = kInet;
  burst.count = 2;
  pipeline_receive(*ctx, burst, {});
  ASSERT_EQ(burst.count, 2);
  EXPECT_NE(meta_of(burst.pkts[1]).flags & meta_flag::kIcmpError, 0);
  EXPECT_EQ(meta_of(burst.pkts[1]).flow_hash, meta_of(burst.pkts[0]).flow_hash);
  release(burst);
}

}  // namespace
}  // namespace torwart::dataplane::testing_support
