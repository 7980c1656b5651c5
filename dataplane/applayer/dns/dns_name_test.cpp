#include "dataplane/applayer/dns/dns_name_reader.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "dataplane/applayer/dns/dns_parser.hpp"
#include "dataplane/applayer/dns/dns_test_messages.hpp"

namespace torwart::dataplane::applayer::dns {
namespace {

using test::DnsBuilder;

// A message whose only question's name is `name_bytes`, written at offset 12.
std::vector<uint8_t> message_with_name(std::vector<uint8_t> name_bytes, uint16_t questions = 1) {
  DnsBuilder b;
  b.header(1, 0x0100, questions, 0, 0, 0).raw(name_bytes).u16(1).u16(1);
  return b.bytes;
}

DnsAnomalyReason parse_reason(std::span<const uint8_t> bytes) {
  DnsMessage m;
  DnsAnomaly a;
  dns_parse_message(bytes, m, a);
  return a.reason;
}

TEST(DnsName, RootIsEmpty) {
  DnsName out;
  const uint8_t root[] = {0};
  const DnsNameRead read = read_dns_name(root, 0, 1, out);
  EXPECT_EQ(read.reason, DnsAnomalyReason::kNone);
  EXPECT_EQ(read.end, 1u);
  EXPECT_EQ(out.view(), "");
}

TEST(DnsName, EscapingOfDotsBackslashesAndUnprintableBytes) {
  const uint8_t wire[] = {7, 'a', '.', 'b', '\\', ' ', 0xff, 0x00, 3, 'c', '"', '~', 0};
  DnsName out;
  ASSERT_EQ(read_dns_name(wire, 0, sizeof wire, out).reason, DnsAnomalyReason::kNone);
  EXPECT_EQ(out.view(), R"(a\.b\\\032\255\000.c"~)");
}

TEST(DnsName, PointerToItselfIsALoopAndRefused) {
  // Name at 12 is a pointer to 12.
  EXPECT_EQ(parse_reason(message_with_name({0xc0, 12})), DnsAnomalyReason::kPointerNotBackwards);
}

TEST(DnsName, TwoPointerLoopIsRefused) {
  // Question 1 at 12: "a" then pointer to 18 (second question's name). Question 2 at 18: pointer to 12.
  // The first pointer points forwards; starting from the second, the walk reaches the first pointer, which
  // does not point before the segment it is in, so it is refused without looping.
  DnsBuilder b;
  b.header(1, 0x0100, 2, 0, 0, 0).labels("a").pointer(20).u16(1).u16(1);
  ASSERT_EQ(b.size(), 20);
  b.pointer(12).u16(1).u16(1);
  EXPECT_EQ(parse_reason(b.span()), DnsAnomalyReason::kPointerNotBackwards);
  DnsName out;
  const DnsNameRead second = read_dns_name(b.span(), 20, b.size(), out);
  EXPECT_EQ(second.reason, DnsAnomalyReason::kPointerNotBackwards);
  EXPECT_EQ(second.fault_offset, 14u);
}

TEST(DnsName, ForwardPointerIsRefused) {
  DnsBuilder b;
  b.header(1, 0x0100, 2, 0, 0, 0).pointer(18).u16(1).u16(1).question("later.example", 1);
  EXPECT_EQ(parse_reason(b.span()), DnsAnomalyReason::kPointerNotBackwards);
}

TEST(DnsName, PointerIntoTheMiddleOfAnEarlierNameWorks) {
  DnsBuilder b;
  b.header(1, 0x0100, 2, 0, 0, 0).question("www.example.com", 1).labels("mail").pointer(16).u16(1).u16(1);
  DnsMessage m;
  DnsAnomaly a;
  ASSERT_TRUE(dns_parse_message(b.span(), m, a));
  EXPECT_EQ(m.questions[1].name.view(), "mail.example.com");
}

TEST(DnsName, LabelsReachedThroughAPointerMustEndBeforeThePointingSegment) {
  // An unknown-type RDATA at 23 holds a label length byte 8 and four bytes; the next record's owner is a
  // pointer to 23, whose label would swallow that very pointer.
  DnsBuilder b;
  b.header(1, 0x8180, 0, 2, 0, 0).record("", 4242, 1);
  const uint16_t rdata = b.size();
  b.u8(8).u8('a').u8('b').u8('c').u8('d').end_rdata();
  b.pointer(rdata).u16(1).u16(1).u32(1).u16(4).u32(0);
  EXPECT_EQ(parse_reason(b.span()), DnsAnomalyReason::kNameOutOfBounds);
}

TEST(DnsName, HopLimit) {
  // Root at 12, then a chain of pointers each to the one before.
  const auto chain = [](unsigned hops) {
    DnsBuilder b;
    b.header(1, 0x0100, 1, 0, 0, 0).u8(0);
    uint16_t previous = 12;
    for (unsigned i = 0; i < hops; ++i) {
      const uint16_t here = b.size();
      b.pointer(previous);
      previous = here;
    }
    return std::make_pair(b.bytes, previous);
  };
  for (const unsigned hops : {kDnsMaxPointerHops, kDnsMaxPointerHops + 1}) {
    const auto [bytes, start] = chain(hops);
    DnsName out;
    const DnsNameRead read = read_dns_name(bytes, start, bytes.size(), out);
    EXPECT_EQ(read.reason,
              hops <= kDnsMaxPointerHops ? DnsAnomalyReason::kNone : DnsAnomalyReason::kPointerHopLimit);
    if (read.reason == DnsAnomalyReason::kNone) {
      EXPECT_EQ(read.end, start + 2u);
    }
  }
}

std::vector<uint8_t> labels_of(std::initializer_list<size_t> lengths) {
  std::vector<uint8_t> wire;
  for (const size_t n : lengths) {
    wire.push_back(static_cast<uint8_t>(n));
    wire.insert(wire.end(), n, 'x');
  }
  wire.push_back(0);
  return wire;
}

TEST(DnsName, NameOf255OctetsIsAcceptedAnd256Refused) {
  const auto exactly = labels_of({63, 63, 63, 61});  // 64 * 3 + 62 + root = 255
  ASSERT_EQ(exactly.size(), 255u);
  DnsName out;
  EXPECT_EQ(read_dns_name(exactly, 0, exactly.size(), out).reason, DnsAnomalyReason::kNone);
  EXPECT_EQ(out.length, 253);
  EXPECT_FALSE(out.truncated);
  const auto over = labels_of({63, 63, 63, 62});
  EXPECT_EQ(read_dns_name(over, 0, over.size(), out).reason, DnsAnomalyReason::kNameTooLong);
  EXPECT_EQ(parse_reason(message_with_name(labels_of({63, 63, 63, 63, 63}))), DnsAnomalyReason::kNameTooLong);
}

TEST(DnsName, LongNameThroughPointersIsStillLimited) {
  // 200 octets of labels, then another name of 100 octets that points to it: 300 in all.
  DnsBuilder b;
  b.header(1, 0x0100, 2, 0, 0, 0);
  auto first = labels_of({49, 49, 49, 49});
  b.raw(first).u16(1).u16(1);
  b.labels(std::string(63, 'y') + "." + std::string(35, 'z')).pointer(12).u16(1).u16(1);
  EXPECT_EQ(parse_reason(b.span()), DnsAnomalyReason::kNameTooLong);
}

TEST(DnsName, LabelLengthBytesAbove63AreRefused) {
  for (const uint8_t length : {uint8_t{64}, uint8_t{0x7f}, uint8_t{0x80}, uint8_t{0xbf}}) {
    std::vector<uint8_t> name{length};
    name.insert(name.end(), 70, 'a');
    name.push_back(0);
    EXPECT_EQ(parse_reason(message_with_name(name)), DnsAnomalyReason::kLabelTooLong) << int{length};
  }
}

TEST(DnsName, LabelsPastTheMessageAreRefused) {
  auto bytes = message_with_name({5, 'a', 'b'});
  bytes.resize(15);
  EXPECT_EQ(parse_reason(bytes), DnsAnomalyReason::kNameOutOfBounds);
  const uint8_t half_pointer[] = {0xc0};
  DnsName out;
  const DnsNameRead read = read_dns_name(half_pointer, 0, 1, out);
  EXPECT_EQ(read.reason, DnsAnomalyReason::kNameOutOfBounds);
  EXPECT_TRUE(read.ran_past_limit);
}

TEST(DnsName, EscapedTextLongerThanTheCapacityIsCutAndFlagged) {
  std::vector<uint8_t> name;
  for (int label = 0; label < 4; ++label) {
    name.push_back(60);
    name.insert(name.end(), 60, 0xff);  // each byte becomes "\255"
  }
  name.push_back(0);
  const auto bytes = message_with_name(name);
  DnsMessage m;
  DnsAnomaly a;
  ASSERT_TRUE(dns_parse_message(bytes, m, a));
  EXPECT_TRUE(m.questions[0].name.truncated);
  EXPECT_EQ(m.questions[0].name.length, kDnsNameCapacity);
  EXPECT_TRUE(m.text_truncated);
  EXPECT_TRUE(m.cut());
}

}  // namespace
}  // namespace torwart::dataplane::applayer::dns
