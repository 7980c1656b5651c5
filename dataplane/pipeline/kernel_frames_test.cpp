// What the box's kernel may send out of a port's twin: route_kernel_frame on frames as the kernel builds
// them.
#include "dataplane/pipeline/kernel_frames.hpp"

#include "dataplane/pipeline/fastpath_test_support.hpp"

namespace torwart::dataplane::testing_support {
namespace {

using test::Bytes;

class KernelFramesTest : public ::testing::Test {
 protected:
  KernelFrameRoute route(const Bytes& frame, uint16_t port = kLan) {
    return route_kernel_frame(*snapshot_, port, frame.data(), static_cast<uint32_t>(frame.size()));
  }
  static Bytes from_lan_twin_v4(const std::string& source, const test::Transport& transport = test::Udp{}) {
    return test::ipv4_frame({.source = kLanMac, .destination = kLanClientMac},
                            {.source = source, .destination = "192.168.10.10"}, transport);
  }
  static Bytes from_lan_twin_v6(const std::string& source, const test::Transport& transport,
                                uint8_t hop_limit = 64) {
    return test::ipv6_frame({.source = kLanMac, .destination = kLanClientMac},
                            {.source = source, .destination = "2001:db8:10::10", .hop_limit = hop_limit},
                            transport);
  }
  std::unique_ptr<Snapshot> snapshot_ = build_test_snapshot();
};

TEST_F(KernelFramesTest, ArpOfTheBoxLeavesDirectlyOnlyFromItsAddressOnThatPort) {
  const Bytes request = test::arp_frame({.source = kLanMac, .destination = "ff:ff:ff:ff:ff:ff"},
                                        test::arp_request(kLanMac, "192.168.10.1", "192.168.10.10"));
  EXPECT_EQ(route(request), KernelFrameRoute::kToWire);
  const Bytes reply =
      test::arp_frame({.source = kLanMac, .destination = kLanClientMac},
                      test::arp_reply(kLanMac, "192.168.10.1", kLanClientMac, "192.168.10.10"));
  EXPECT_EQ(route(reply), KernelFrameRoute::kToWire);
  // The kernel of the LAN twin claiming the Internet port's address, or a LAN host's: refused.
  EXPECT_EQ(route(test::arp_frame({.source = kLanMac, .destination = "ff:ff:ff:ff:ff:ff"},
                                  test::arp_request(kLanMac, "203.0.113.2", "192.168.10.10"))),
            KernelFrameRoute::kRefused);
  EXPECT_EQ(route(test::arp_frame({.source = kLanMac, .destination = "ff:ff:ff:ff:ff:ff"},
                                  test::arp_request(kLanMac, "192.168.10.10", "192.168.10.20"))),
            KernelFrameRoute::kRefused);
  EXPECT_EQ(route(request, kInet), KernelFrameRoute::kRefused) << "192.168.10.1 is not the inet port's";
}

TEST_F(KernelFramesTest, IpFromABoxAddressOnThePortGoesThroughThePipeline) {
  EXPECT_EQ(route(from_lan_twin_v4("192.168.10.1", test::Tcp{})), KernelFrameRoute::kThroughPipeline);
  EXPECT_EQ(route(from_lan_twin_v4("192.168.10.1", test::icmp_echo_request(1, 1))),
            KernelFrameRoute::kThroughPipeline);
  EXPECT_EQ(route(from_lan_twin_v6("2001:db8:10::1", test::Tcp{})), KernelFrameRoute::kThroughPipeline);
  EXPECT_EQ(route(from_lan_twin_v4("192.168.10.10")), KernelFrameRoute::kRefused) << "a LAN host's address";
  EXPECT_EQ(route(from_lan_twin_v4("203.0.113.2")), KernelFrameRoute::kRefused) << "another port's address";
  EXPECT_EQ(route(from_lan_twin_v4("192.168.30.1")), KernelFrameRoute::kRefused) << "a VLAN's address";
  EXPECT_EQ(route(from_lan_twin_v6("2001:db8:10::10", test::Udp{})), KernelFrameRoute::kRefused);
  // Other IPv6 from a link-local address (MLD reports, say) is not neighbour discovery: refused.
  EXPECT_EQ(route(from_lan_twin_v6("fe80::1", test::Udp{})), KernelFrameRoute::kRefused);
}

TEST_F(KernelFramesTest, NeighbourDiscoveryFromTheBoxLinkLocalOrUnspecifiedLeavesDirectly) {
  const auto solicitation = test::neighbour_solicitation("2001:db8:10::10", std::string(kLanMac));
  EXPECT_EQ(route(from_lan_twin_v6("2001:db8:10::1", solicitation, 255)), KernelFrameRoute::kToWire);
  EXPECT_EQ(route(from_lan_twin_v6("fe80::1", solicitation, 255)), KernelFrameRoute::kToWire);
  EXPECT_EQ(route(from_lan_twin_v6("::", test::neighbour_solicitation("2001:db8:10::1", std::nullopt), 255)),
            KernelFrameRoute::kToWire)
      << "duplicate address detection";
  const auto advertisement =
      test::neighbour_advertisement("2001:db8:10::1", std::string(kLanMac), false, true, true);
  EXPECT_EQ(route(from_lan_twin_v6("2001:db8:10::1", advertisement, 255)), KernelFrameRoute::kToWire);
  EXPECT_EQ(route(from_lan_twin_v6("2001:db8:10::10", solicitation, 255)), KernelFrameRoute::kRefused)
      << "another host's address";
  EXPECT_EQ(route(from_lan_twin_v6("fe80::1", solicitation, 64)), KernelFrameRoute::kRefused)
      << "not hop limit 255: not neighbour discovery, and link-local";
}

TEST_F(KernelFramesTest, OtherFramesAreRefused) {
  EXPECT_EQ(
      route(test::ethernet_frame({.source = kLanMac, .destination = kLanClientMac}, 0x88cc, Bytes(46, 0))),
      KernelFrameRoute::kRefused)
      << "LLDP";
  EXPECT_EQ(route(test::ipv4_frame({.source = kLanMac, .destination = kLanClientMac, .vlan_id = 30},
                                   {.source = "192.168.10.1", .destination = "192.168.10.10"}, test::Udp{})),
            KernelFrameRoute::kRefused)
      << "tagged";
  EXPECT_EQ(route(Bytes(10, 0)), KernelFrameRoute::kRefused);
  Bytes truncated = from_lan_twin_v4("192.168.10.1");
  truncated.resize(14 + 12);
  EXPECT_EQ(route(truncated), KernelFrameRoute::kRefused);
}

}  // namespace
}  // namespace torwart::dataplane::testing_support
