// Forwarded IPv4 larger than the egress MTU and without DF is fragmented to fit (RFC 791, RFC 1812).
#include "dataplane/pipeline/fastpath_test_support.hpp"

namespace torwart::dataplane::testing_support {
namespace {

using test::Bytes;

class FragmentTest : public FastPath {
 protected:
  // LAN client -> a host behind the `small` port (MTU 1280).
  static Bytes lan_udp(size_t payload, test::Ipv4 ip = {}) {
    ip.source = "192.168.10.10";
    ip.destination = "172.16.0.10";
    ip.id = 0x1234;
    test::Udp udp{.source_port = 5000, .destination_port = 6000, .payload = Bytes(payload)};
    for (size_t i = 0; i < payload; ++i) udp.payload[i] = static_cast<uint8_t>(i * 7);
    return test::ipv4_frame({.source = kLanClientMac, .destination = kLanMac}, ip, udp);
  }
};

TEST_F(FragmentTest, DatagramWithoutDontFragmentIsSplitToFitTheEgressMtu) {
  const Bytes original = lan_udp(1400);  // a 1428-byte datagram
  run(kLan, {original});
  const auto& out = sent_on(kSmall);
  ASSERT_EQ(out.size(), 2u);
  Bytes reassembled;
  for (size_t i = 0; i < out.size(); ++i) {
    const Bytes& f = out[i];
    EXPECT_EQ(mac_at(f, 0), kSmallHostMac);
    EXPECT_LE(be16(f, 16), 1280);
    EXPECT_EQ(be16(f, 18), 0x1234) << "every fragment keeps the datagram's id";
    EXPECT_EQ(f[22], 63) << "TTL decremented once";
    EXPECT_TRUE(ipv4_header_valid(f, 14));
    const uint16_t flags = be16(f, 20);
    EXPECT_EQ((flags & 0x2000) != 0, i == 0) << "more-fragments on all but the last";
    EXPECT_EQ((flags & 0x1fff) * 8u, reassembled.size());
    reassembled.insert(reassembled.end(), f.begin() + 34, f.begin() + 14 + be16(f, 16));
  }
  EXPECT_EQ(reassembled, Bytes(original.begin() + 34, original.end()));
  EXPECT_EQ(ctx->counters.packets_fragmented, 1u);
  EXPECT_EQ(ctx->counters.fragments_created, 2u);
  EXPECT_EQ(drops(kLan, DropReason::kMtuExceeded), 0u);
}

TEST_F(FragmentTest, OnlyCopiedOptionsGoIntoLaterFragments) {
  // Security (type 130, copied) and a record-route option (type 7, not copied), each 8 bytes.
  const Bytes options = {130, 8, 0, 0, 0, 0, 0, 0, 7, 7, 4, 0, 0, 0, 0, 1};
  const Bytes original = lan_udp(1400, {.options = options});
  run(kLan, {original});
  const auto& out = sent_on(kSmall);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0][14] & 0x0f, 9) << "the first fragment keeps every option";
  EXPECT_EQ(out[1][14] & 0x0f, 7) << "later fragments carry only the copied option";
  EXPECT_EQ(out[1][34], 130);
  EXPECT_TRUE(ipv4_header_valid(out[1], 14));
  Bytes reassembled(out[0].begin() + 14 + 36, out[0].begin() + 14 + be16(out[0], 16));
  reassembled.insert(reassembled.end(), out[1].begin() + 14 + 28, out[1].begin() + 14 + be16(out[1], 16));
  EXPECT_EQ(reassembled, Bytes(original.begin() + 14 + 36, original.end()));
}

TEST_F(FragmentTest, AFragmentIsFragmentedFurtherWithOffsetsAddedUp) {
  // A first fragment (MF set) of a larger datagram: the pieces keep MF, the offsets start at 0. Reassembly
  // holds it until the datagram's last fragment (1408 bytes on) has come too.
  test::Ipv4 last{
      .source = "192.168.10.10", .destination = "172.16.0.10", .id = 0x1234, .fragment_offset = 176};
  run(kLan, {lan_udp(1400, {.more_fragments = true}),
             test::ipv4_frame({.source = kLanClientMac, .destination = kLanMac}, last,
                              test::RawTransport{17, Bytes(8, 1)})});
  const auto& out = sent_on(kSmall);
  ASSERT_EQ(out.size(), 3u) << "the small last fragment, then the first one's two pieces";
  EXPECT_EQ(be16(out[0], 20) & 0x1fff, 176);
  EXPECT_EQ(be16(out[1], 20) & 0x1fff, 0);
  EXPECT_TRUE(be16(out[2], 20) & 0x2000) << "the original's MF survives on its last piece";
}

}  // namespace
}  // namespace torwart::dataplane::testing_support
