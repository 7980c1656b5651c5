// The slow path: ARP and neighbour discovery for the box, learning, holding packets while resolving.
#include "dataplane/pipeline/fastpath_test_support.hpp"

namespace torwart::dataplane::testing_support {
namespace {

using test::Bytes;

constexpr const char* kHostMac = "02:00:00:00:01:20";  // 192.168.10.20, no static neighbour

Bytes inet_to_unresolved(uint16_t id = 1) {
  return test::ipv4_frame({.source = kInetGatewayMac, .destination = kInetMac},
                          {.source = "8.8.8.8", .destination = "192.168.10.20", .ttl = 50, .id = id},
                          test::Udp{});
}

bool is_arp(const Bytes& frame, uint16_t operation) {
  return frame.size() >= 42 && be16(frame, 12) == 0x0806 && be16(frame, 20) == operation;
}

class SlowPathTest : public FastPath {
 protected:
  bool resolved(const char* address, std::string* mac = nullptr) {
    const auto b = test::parse_ipv4(address);
    const uint32_t host = uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3];
    rte_ether_addr found;
    if (!neighbours.lookup(NeighbourKey::make_v4(kLan, 0, host), &found)) return false;
    if (mac != nullptr) *mac = mac_at(Bytes(found.addr_bytes, found.addr_bytes + 6), 0);
    return true;
  }
  void worker_then_slow_path(uint16_t port, const std::vector<Bytes>& frames) {
    run(port, frames);
    punts_to_slow_path();
  }
  size_t arp_requests_on_lan() {
    size_t n = 0;
    for (const auto& frame : sent_on(kLan)) n += is_arp(frame, 1);
    return n;
  }
};

TEST_F(SlowPathTest, ArpRequestForTheBoxIsAnsweredAndTheRequesterLearned) {
  EXPECT_FALSE(resolved("192.168.10.20"));
  worker_then_slow_path(kLan,
                        {test::arp_frame({.source = kHostMac, .destination = "ff:ff:ff:ff:ff:ff"},
                                         test::arp_request(kHostMac, "192.168.10.20", "192.168.10.1"))});
  const auto& out = sent_on(kLan);
  ASSERT_EQ(out.size(), 1u);
  const Bytes& reply = out[0];
  ASSERT_TRUE(is_arp(reply, 2));
  EXPECT_EQ(mac_at(reply, 0), kHostMac);
  EXPECT_EQ(mac_at(reply, 6), kLanMac);
  EXPECT_EQ(mac_at(reply, 22), kLanMac);  // sender hardware address
  EXPECT_EQ(ipv4_at(reply, 28), "192.168.10.1");
  EXPECT_EQ(mac_at(reply, 32), kHostMac);
  EXPECT_EQ(ipv4_at(reply, 38), "192.168.10.20");
  std::string mac;
  ASSERT_TRUE(resolved("192.168.10.20", &mac));
  EXPECT_EQ(mac, kHostMac);
}

TEST_F(SlowPathTest, ArpRequestForAnotherAddressIsNotAnswered) {
  worker_then_slow_path(kLan,
                        {test::arp_frame({.source = kHostMac, .destination = "ff:ff:ff:ff:ff:ff"},
                                         test::arp_request(kHostMac, "192.168.10.20", "192.168.10.99"))});
  EXPECT_EQ(tx.total(), 0u);
  EXPECT_FALSE(resolved("192.168.10.20"));
}

TEST_F(SlowPathTest, HeldPacketIsReleasedRewrittenWhenTheReplyArrives) {
  worker_then_slow_path(kInet, {inet_to_unresolved()});
  EXPECT_EQ(slow->pending_neighbours(), 1u);
  ASSERT_EQ(sent_on(kLan).size(), 1u);
  const Bytes& request = sent_on(kLan)[0];
  ASSERT_TRUE(is_arp(request, 1));
  EXPECT_EQ(mac_at(request, 0), "ff:ff:ff:ff:ff:ff");
  EXPECT_EQ(mac_at(request, 6), kLanMac);
  EXPECT_EQ(mac_at(request, 22), kLanMac);
  EXPECT_EQ(ipv4_at(request, 28), "192.168.10.1");
  EXPECT_EQ(ipv4_at(request, 38), "192.168.10.20");

  now_ns += 5'000'000;
  worker_then_slow_path(
      kLan, {test::arp_frame({.source = kHostMac, .destination = kLanMac},
                             test::arp_reply(kHostMac, "192.168.10.20", kLanMac, "192.168.10.1"))});
  EXPECT_EQ(slow->pending_neighbours(), 0u);
  const auto& out = sent_on(kLan);
  ASSERT_EQ(out.size(), 2u);
  const Bytes& released = out[1];
  EXPECT_EQ(be16(released, 12), 0x0800);
  EXPECT_EQ(mac_at(released, 0), kHostMac);
  EXPECT_EQ(mac_at(released, 6), kLanMac);
  EXPECT_EQ(ipv4_at(released, 30), "192.168.10.20");
  EXPECT_EQ(released[22], 49);
  EXPECT_TRUE(ipv4_header_valid(released, 14));
  // The next packet goes straight through the worker.
  run(kInet, {inet_to_unresolved(2)});
  EXPECT_TRUE(punt.taken.empty());
  EXPECT_EQ(sent_on(kLan).size(), 3u);
}

TEST_F(SlowPathTest, UnansweredResolutionIsRetriedThenDropped) {
  worker_then_slow_path(kInet, {inet_to_unresolved()});
  EXPECT_EQ(arp_requests_on_lan(), 1u);
  const uint64_t start = now_ns;
  slow->tick(start + 500'000'000);  // not yet time to retry
  EXPECT_EQ(arp_requests_on_lan(), 1u);
  slow->tick(start + 1'000'000'000);
  EXPECT_EQ(arp_requests_on_lan(), 2u);
  slow->tick(start + 2'000'000'000);
  EXPECT_EQ(arp_requests_on_lan(), 3u);
  EXPECT_EQ(slow->pending_neighbours(), 1u);
  EXPECT_EQ(slow_drops(kInet, DropReason::kNeighbourUnresolved), 0u);
  slow->tick(start + 3'000'000'000);
  EXPECT_EQ(arp_requests_on_lan(), 3u);  // max_attempts
  EXPECT_EQ(slow->pending_neighbours(), 0u);
  EXPECT_EQ(slow_drops(kInet, DropReason::kNeighbourUnresolved), 1u);
  EXPECT_EQ(sent_on(kLan).size(), 3u);  // nothing but the requests
}

TEST_F(SlowPathTest, PerNeighbourQueueLimit) {
  std::vector<Bytes> frames;
  for (uint16_t i = 0; i < 10; ++i) frames.push_back(inet_to_unresolved(i));
  worker_then_slow_path(kInet, frames);
  EXPECT_EQ(arp_requests_on_lan(), 1u);
  EXPECT_EQ(slow_drops(kInet, DropReason::kNeighbourQueueFull), 2u);  // 8 held
  worker_then_slow_path(
      kLan, {test::arp_frame({.source = kHostMac, .destination = kLanMac},
                             test::arp_reply(kHostMac, "192.168.10.20", kLanMac, "192.168.10.1"))});
  size_t released = 0;
  for (const auto& frame : sent_on(kLan)) released += be16(frame, 12) == 0x0800;
  EXPECT_EQ(released, 8u);
  // In their original order.
  uint16_t expected_id = 0;
  for (const auto& frame : sent_on(kLan)) {
    if (be16(frame, 12) == 0x0800) {
      EXPECT_EQ(be16(frame, 18), expected_id++);
    }
  }
}

TEST_F(SlowPathTest, UnsolicitedArpRepliesAreNotLearned) {
  // Addressed to the box, but about an address the box never asked for.
  worker_then_slow_path(
      kLan,
      {test::arp_frame({.source = kHostMac, .destination = kLanMac},
                       test::arp_reply(kHostMac, "192.168.10.20", kLanMac, "192.168.10.1")),
       test::arp_frame({.source = kHostMac, .destination = "ff:ff:ff:ff:ff:ff"},
                       test::arp_reply(kHostMac, "192.168.10.21", "ff:ff:ff:ff:ff:ff", "192.168.10.21"))});
  EXPECT_FALSE(resolved("192.168.10.20"));
  EXPECT_FALSE(resolved("192.168.10.21"));
  EXPECT_EQ(tx.total(), 0u);
}

TEST_F(SlowPathTest, StaticNeighboursAreNotOverriddenFromTheWire) {
  worker_then_slow_path(kLan,
                        {test::arp_frame({.source = kHostMac, .destination = "ff:ff:ff:ff:ff:ff"},
                                         test::arp_request(kHostMac, "192.168.10.10", "192.168.10.1"))});
  std::string mac;
  ASSERT_TRUE(resolved("192.168.10.10", &mac));
  EXPECT_EQ(mac, kLanClientMac);
}

TEST_F(SlowPathTest, NeighbourSolicitationForTheBoxIsAdvertised) {
  worker_then_slow_path(
      kLan,
      {test::ipv6_frame({.source = kHostMac, .destination = "33:33:ff:00:00:01"},
                        {.source = "2001:db8:10::20", .destination = "ff02::1:ff00:1", .hop_limit = 255},
                        test::neighbour_solicitation("2001:db8:10::1", kHostMac))});
  const auto& out = sent_on(kLan);
  ASSERT_EQ(out.size(), 1u);
  const Bytes& na = out[0];
  EXPECT_EQ(mac_at(na, 0), kHostMac);
  EXPECT_EQ(mac_at(na, 6), kLanMac);
  EXPECT_EQ(be16(na, 12), 0x86dd);
  EXPECT_EQ(na[20], 58);
  EXPECT_EQ(na[21], 255);  // hop limit
  const auto own = test::parse_ipv6("2001:db8:10::1");
  const auto host = test::parse_ipv6("2001:db8:10::20");
  EXPECT_TRUE(std::equal(own.begin(), own.end(), na.begin() + 22));
  EXPECT_TRUE(std::equal(host.begin(), host.end(), na.begin() + 38));
  EXPECT_EQ(na[54], 136);
  EXPECT_EQ(na[55], 0);
  EXPECT_TRUE(na[58] & 0x40);                                        // solicited
  EXPECT_TRUE(std::equal(own.begin(), own.end(), na.begin() + 62));  // target
  ASSERT_GE(na.size(), 86u);
  EXPECT_EQ(na[78], 2);  // target link-layer address option
  EXPECT_EQ(na[79], 1);
  EXPECT_EQ(mac_at(na, 80), kLanMac);
  EXPECT_TRUE(ipv6_l4_checksum_valid(na, 14));
  // The solicitor was learned.
  rte_ether_addr mac;
  EXPECT_TRUE(neighbours.lookup(NeighbourKey::make_v6(kLan, 0, host.data()), &mac));
}

TEST_F(SlowPathTest, NeighbourSolicitationWithWrongHopLimitIsIgnored) {
  worker_then_slow_path(
      kLan, {test::ipv6_frame({.source = kHostMac, .destination = "33:33:ff:00:00:01"},
                              {.source = "2001:db8:10::20", .destination = "ff02::1:ff00:1", .hop_limit = 64},
                              test::neighbour_solicitation("2001:db8:10::1", kHostMac))});
  EXPECT_EQ(tx.total(), 0u);
  EXPECT_EQ(slow_drops(kLan, DropReason::kLocalUnhandled), 1u);
  rte_ether_addr mac;
  const auto host = test::parse_ipv6("2001:db8:10::20");
  EXPECT_FALSE(neighbours.lookup(NeighbourKey::make_v6(kLan, 0, host.data()), &mac));
}

TEST_F(SlowPathTest, V6ResolutionUsesNeighbourSolicitation) {
  run(kInet, {test::ipv6_frame({.source = kInetGatewayMac, .destination = kInetMac},
                               {.source = "2a00::1", .destination = "2001:db8:10::20"}, test::Udp{})});
  punts_to_slow_path();
  const auto& out = sent_on(kLan);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(mac_at(out[0], 0), "33:33:ff:00:00:20");
  EXPECT_EQ(out[0][54], 135);
  EXPECT_EQ(out[0][21], 255);
  EXPECT_TRUE(ipv6_l4_checksum_valid(out[0], 14));
  // The advertisement releases the held packet.
  worker_then_slow_path(
      kLan,
      {test::ipv6_frame({.source = kHostMac, .destination = kLanMac},
                        {.source = "2001:db8:10::20", .destination = "fe80::ff:fe00:1fe", .hop_limit = 255},
                        test::neighbour_advertisement("2001:db8:10::20", kHostMac, false, true, true))});
  ASSERT_EQ(sent_on(kLan).size(), 2u);
  EXPECT_EQ(mac_at(sent_on(kLan)[1], 0), kHostMac);
  EXPECT_EQ(be16(sent_on(kLan)[1], 12), 0x86dd);
}

}  // namespace
}  // namespace torwart::dataplane::testing_support
