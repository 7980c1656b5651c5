// TCP MSS clamping on SYNs forwarded through a port with `mss_clamp` (the test's `small` port: MTU 1280,
// auto).
#include "dataplane/pipeline/fastpath_test_support.hpp"

namespace torwart::dataplane::testing_support {
namespace {

using test::Bytes;

Bytes mss_option(uint16_t mss) {
  return {2, 4, static_cast<uint8_t>(mss >> 8), static_cast<uint8_t>(mss)};
}

class MssClampTest : public FastPath {
 protected:
  static Bytes syn_v4(const std::string& destination, Bytes options, uint8_t flags = test::tcp_flag::kSyn) {
    return test::ipv4_frame({.source = kLanClientMac, .destination = kLanMac},
                            {.source = "192.168.10.10", .destination = destination},
                            test::Tcp{.flags = flags, .options = std::move(options)});
  }
  static uint16_t mss_in(const Bytes& frame, size_t option_offset) { return be16(frame, option_offset + 2); }
};

TEST_F(MssClampTest, SynThroughAClampedPortAnnouncesAtMostMtuMinus40) {
  run(kLan, {syn_v4("172.16.0.10", mss_option(1460))});
  ASSERT_EQ(sent_on(kSmall).size(), 1u);
  const Bytes& out = sent_on(kSmall)[0];
  EXPECT_EQ(mss_in(out, 14 + 20 + 20), 1240);
  EXPECT_TRUE(ipv4_l4_checksum_valid(out, 14));
}

TEST_F(MssClampTest, OptionAfterOtherOptionsAtAnOddOffsetIsFoundAndChecksumStaysValid) {
  Bytes options = {1};  // NOP puts the MSS option at an odd offset
  const Bytes mss = mss_option(1460);
  options.insert(options.end(), mss.begin(), mss.end());
  options.insert(options.end(), {4, 2});  // SACK permitted
  run(kLan, {syn_v4("172.16.0.10", options)});
  ASSERT_EQ(sent_on(kSmall).size(), 1u);
  const Bytes& out = sent_on(kSmall)[0];
  EXPECT_EQ(mss_in(out, 14 + 20 + 20 + 1), 1240);
  EXPECT_TRUE(ipv4_l4_checksum_valid(out, 14));
}

TEST_F(MssClampTest, SmallerMssAndUnclampedPortsAndNonSynsAreLeftAlone) {
  const Bytes small_mss = syn_v4("172.16.0.10", mss_option(1000));
  const Bytes to_kdn = syn_v4("10.20.0.10", mss_option(1460));
  run(kLan, {small_mss, to_kdn});
  ASSERT_EQ(sent_on(kSmall).size(), 1u);
  EXPECT_EQ(mss_in(sent_on(kSmall)[0], 54), 1000);
  ASSERT_EQ(sent_on(kKdn).size(), 1u);
  EXPECT_EQ(mss_in(sent_on(kKdn)[0], 54), 1460);
  // The handshake completes; an ACK that (oddly) carries an MSS option is not a SYN and is left alone.
  run(kSmall, {test::ipv4_frame({.source = "02:00:00:00:04:10", .destination = kSmallMac},
                                {.source = "172.16.0.10", .destination = "192.168.10.10"},
                                test::Tcp{.source_port = 80,
                                          .destination_port = 40000,
                                          .sequence = 1000,
                                          .acknowledgement = 2,
                                          .flags = test::tcp_flag::kSyn | test::tcp_flag::kAck})});
  ASSERT_EQ(sent_on(kLan).size(), 1u);
  run(kLan, {test::ipv4_frame({.source = kLanClientMac, .destination = kLanMac},
                              {.source = "192.168.10.10", .destination = "172.16.0.10"},
                              test::Tcp{.sequence = 2,
                                        .acknowledgement = 1001,
                                        .flags = test::tcp_flag::kAck,
                                        .options = mss_option(1460)})});
  ASSERT_EQ(sent_on(kSmall).size(), 2u);
  EXPECT_EQ(mss_in(sent_on(kSmall)[1], 54), 1460) << "only SYNs are clamped";
}

TEST_F(MssClampTest, Ipv6SynIsClampedToMtuMinus60) {
  const Bytes syn = test::ipv6_frame({.source = kLanClientMac, .destination = kLanMac},
                                     {.source = "2001:db8:10::10", .destination = "2001:db8:4::10"},
                                     test::Tcp{.options = mss_option(1440)});
  run(kLan, {syn});
  ASSERT_EQ(sent_on(kSmall).size(), 1u);
  EXPECT_EQ(mss_in(sent_on(kSmall)[0], 14 + 40 + 20), 1220);
  EXPECT_TRUE(ipv6_l4_checksum_valid(sent_on(kSmall)[0], 14));
}

TEST_F(MssClampTest, TruncatedOptionListIsNotTouched) {
  const Bytes syn = syn_v4("172.16.0.10", {1, 1, 1, 2});  // an MSS kind in the header's last byte
  run(kLan, {syn});
  ASSERT_EQ(sent_on(kSmall).size(), 1u);
  const Bytes& out = sent_on(kSmall)[0];
  EXPECT_TRUE(std::equal(syn.begin() + 34, syn.end(), out.begin() + 34))
      << "TCP header and options unchanged";
}

}  // namespace
}  // namespace torwart::dataplane::testing_support
