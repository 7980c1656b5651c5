#include "dataplane/stream/stream_reassembler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace torwart::dataplane::stream {
namespace {

class CollectingSink final : public StreamReassembler::Sink {
 public:
  void deliver(std::span<const uint8_t> bytes) override { text.append(bytes.begin(), bytes.end()); }
  std::string text;
};

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

class Reassembly : public ::testing::Test {
 protected:
  SegmentResult add(uint32_t seq, const std::string& payload) {
    return r.add(state, seq, bytes_of(payload), sink);
  }

  ReassemblyLimits limits{.chunks = 64, .max_held_per_stream = 4096, .max_ahead = 65536, .depth = 1u << 20};
  StreamReassembler r{limits};
  StreamState state;
  CollectingSink sink;
  static constexpr uint32_t kIsn = 1000;
  void SetUp() override { StreamReassembler::start(state, kIsn + 1); }
};

TEST_F(Reassembly, InOrderSegmentsAreDeliveredWithoutHoldingAnything) {
  EXPECT_EQ(add(kIsn + 1, "GET / HTTP/1.1\r\n"), SegmentResult::kDelivered);
  EXPECT_EQ(add(kIsn + 17, "Host: a\r\n\r\n"), SegmentResult::kDelivered);
  EXPECT_EQ(sink.text, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(r.free_chunks(), 64u);
  EXPECT_EQ(r.counters().held_segments, 0u);
}

TEST_F(Reassembly, OutOfOrderSegmentsWaitUntilTheGapCloses) {
  EXPECT_EQ(add(kIsn + 7, "world"), SegmentResult::kHeld);
  EXPECT_EQ(add(kIsn + 12, "!"), SegmentResult::kHeld);
  EXPECT_EQ(sink.text, "");
  EXPECT_EQ(state.held_bytes, 6u);
  EXPECT_EQ(add(kIsn + 1, "hello "), SegmentResult::kDelivered);
  EXPECT_EQ(sink.text, "hello world!");
  EXPECT_EQ(state.held_bytes, 0u);
  EXPECT_EQ(r.free_chunks(), 64u);
  EXPECT_EQ(state.next_seq, kIsn + 13);
}

TEST_F(Reassembly, RetransmissionsAreNotDeliveredTwice) {
  add(kIsn + 1, "abcdef");
  EXPECT_EQ(add(kIsn + 1, "abcdef"), SegmentResult::kDuplicate);
  EXPECT_EQ(add(kIsn + 4, "defghi"), SegmentResult::kDelivered);  // half old, half new
  EXPECT_EQ(sink.text, "abcdefghi");
  EXPECT_EQ(r.counters().retransmitted_bytes, 9u);
  EXPECT_EQ(r.counters().overlap_different, 0u);
}

TEST_F(Reassembly, WaitingBytesWinOverlapsAndDisagreementIsAnAnomaly) {
  add(kIsn + 5, "AAAA");  // waits
  EXPECT_EQ(add(kIsn + 3, "BBBBBBBB"), SegmentResult::kHeld);
  EXPECT_EQ(add(kIsn + 1, "cc"), SegmentResult::kDelivered);
  EXPECT_EQ(sink.text, "ccBBAAAABB");
  EXPECT_EQ(r.counters().overlap_different, 1u);
  EXPECT_NE(state.flags & stream_flag::kAnomaly, 0);
  // Agreeing overlaps are plain retransmissions.
  StreamState other;
  StreamReassembler::start(other, 1);
  CollectingSink out;
  r.add(other, 3, bytes_of("xyz"), out);
  r.add(other, 1, bytes_of("abxyzd"), out);
  EXPECT_EQ(out.text, "abxyzd");
  EXPECT_EQ(r.counters().overlap_different, 1u);
}

TEST_F(Reassembly, AnInOrderSegmentAcrossWaitingDataIsDeliveredAroundIt) {
  add(kIsn + 4, "XY");  // waits at 3..4 of the stream
  add(kIsn + 10, "Z");  // waits at 9
  EXPECT_EQ(add(kIsn + 1, "012XY5678Z-end"), SegmentResult::kDelivered);
  EXPECT_EQ(sink.text, "012XY5678Z-end");
  EXPECT_EQ(r.free_chunks(), 64u);
}

TEST_F(Reassembly, LimitsRefuseWholeSegmentsAndKeepWhatWaits) {
  EXPECT_EQ(add(kIsn + 101, std::string(4000, 'a')), SegmentResult::kHeld);
  EXPECT_EQ(add(kIsn + 5001, std::string(200, 'b')), SegmentResult::kLimit) << "4096 bytes may wait";
  EXPECT_EQ(state.held_bytes, 4000u);
  EXPECT_EQ(add(kIsn + 1 + 70000, "far"), SegmentResult::kLimit) << "beyond max_ahead";
  EXPECT_EQ(r.counters().refused_limit, 2u);
  add(kIsn + 1, std::string(100, 'z'));
  EXPECT_EQ(sink.text.size(), 4100u);
  EXPECT_EQ(r.free_chunks(), 64u);
}

TEST_F(Reassembly, ThePoolBoundsAllStreamsTogether) {
  std::vector<StreamState> streams(40);
  unsigned refused = 0;
  for (auto& s : streams) {
    StreamReassembler::start(s, 1);
    if (r.add(s, 10, bytes_of(std::string(3000, 'q')), sink) == SegmentResult::kLimit) ++refused;
  }
  EXPECT_EQ(r.free_chunks(), 0u);  // 32 streams x 2 chunks
  EXPECT_EQ(refused, 8u);
  for (auto& s : streams) r.release(s);
  EXPECT_EQ(r.free_chunks(), 64u);
}

TEST_F(Reassembly, TheDepthEndsReassembly) {
  ReassemblyLimits shallow = limits;
  shallow.depth = 10;
  StreamReassembler small(shallow);
  StreamState s;
  StreamReassembler::start(s, 1);
  CollectingSink out;
  small.add(s, 20, bytes_of("later"), out);
  EXPECT_EQ(small.add(s, 1, bytes_of("0123456789abcdef"), out), SegmentResult::kDepth);
  EXPECT_EQ(out.text, "0123456789");
  EXPECT_EQ(small.free_chunks(), shallow.chunks) << "what waited is freed at the depth";
  EXPECT_EQ(small.add(s, 17, bytes_of("more"), out), SegmentResult::kDepth);
  EXPECT_EQ(small.counters().depth_reached, 1u);
}

TEST_F(Reassembly, SequenceNumbersWrap) {
  StreamState s;
  StreamReassembler::start(s, 0xfffffffcu);
  CollectingSink out;
  EXPECT_EQ(r.add(s, 0x00000000u, bytes_of("efgh"), out), SegmentResult::kHeld);
  EXPECT_EQ(r.add(s, 0xfffffffcu, bytes_of("abcdef"), out),
            SegmentResult::kDelivered);  // overlaps "ef" across 0
  EXPECT_EQ(out.text, "abcdefgh");
  EXPECT_EQ(s.next_seq, 0x00000004u);
  EXPECT_EQ(r.counters().overlap_different, 0u);
}

TEST_F(Reassembly, AFlowPickedUpMidStreamStartsAtItsFirstSegment) {
  StreamState s;
  CollectingSink out;
  EXPECT_EQ(r.add(s, 5000, bytes_of("mid"), out), SegmentResult::kDelivered);
  EXPECT_EQ(r.add(s, 5003, bytes_of("dle"), out), SegmentResult::kDelivered);
  EXPECT_EQ(out.text, "middle");
}

// Any segmentation, delivered in any order with duplicates and overlapping retransmissions, gives back the
// original stream exactly once, and every chunk returns to the pool.
TEST_F(Reassembly, AnyOrderAndSegmentationGivesTheOriginalStream) {
  std::mt19937 random(20261201);
  for (int round = 0; round < 300; ++round) {
    std::string original(1 + random() % 3000, '\0');
    for (auto& c : original) c = static_cast<char>('a' + random() % 26);
    struct Segment {
      uint32_t offset;
      std::string data;
    };
    std::vector<Segment> segments;
    for (uint32_t at = 0; at < original.size();) {
      const uint32_t n = std::min<uint32_t>(1 + random() % 700, static_cast<uint32_t>(original.size()) - at);
      segments.push_back({at, original.substr(at, n)});
      if (random() % 4 == 0) {  // an overlapping retransmission of the same bytes
        const uint32_t back = std::min<uint32_t>(at, random() % 50);
        segments.push_back({at - back, original.substr(at - back, n + back)});
      }
      at += n;
    }
    std::shuffle(segments.begin(), segments.end(), random);
    const uint32_t isn = static_cast<uint32_t>(random());
    StreamState s;
    StreamReassembler::start(s, isn);
    CollectingSink out;
    for (const auto& seg : segments) {
      ASSERT_NE(r.add(s, isn + seg.offset, bytes_of(seg.data), out), SegmentResult::kLimit)
          << "round " << round;
    }
    ASSERT_EQ(out.text, original) << "round " << round;
    EXPECT_EQ(s.held_bytes, 0u);
    ASSERT_EQ(r.free_chunks(), 64u);
  }
  EXPECT_EQ(r.counters().overlap_different, 0u);
}

}  // namespace
}  // namespace torwart::dataplane::stream
