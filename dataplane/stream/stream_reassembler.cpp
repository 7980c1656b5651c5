#include "dataplane/stream/stream_reassembler.hpp"

#include <algorithm>
#include <cstring>

namespace torwart::dataplane::stream {
namespace {

// RFC 793 modular sequence arithmetic: a is before b.
bool before(uint32_t a, uint32_t b) {
  return static_cast<int32_t>(a - b) < 0;
}

struct Piece {
  uint32_t seq;
  uint32_t offset;  // into the segment's payload
  uint32_t length;
};

// A segment overlaps waiting data at most once per waiting chunk; more pieces than this is refused.
constexpr unsigned kMaxPieces = 64;

}  // namespace

StreamReassembler::StreamReassembler(const ReassemblyLimits& limits)
    : limits_(limits), chunks_(new Chunk[limits.chunks]) {
  for (uint32_t i = limits_.chunks; i-- > 0;) free_chunk(i);
}

StreamReassembler::~StreamReassembler() = default;

uint32_t StreamReassembler::take_chunk() {
  const uint32_t index = free_head_;
  free_head_ = chunks_[index].next;
  --free_count_;
  return index;
}

void StreamReassembler::free_chunk(uint32_t index) {
  chunks_[index].next = free_head_;
  free_head_ = index;
  ++free_count_;
}

void StreamReassembler::release(StreamState& s) {
  while (s.held_head != kNoChunk) {
    const uint32_t next = chunks_[s.held_head].next;
    free_chunk(s.held_head);
    s.held_head = next;
  }
  s.held_bytes = 0;
}

void StreamReassembler::deliver(StreamState& s, const uint8_t* bytes, uint32_t length, Sink& sink) {
  if (s.flags & stream_flag::kDepth) return;
  const uint64_t done = delivered(s);
  const uint64_t room = limits_.depth > done ? limits_.depth - done : 0;
  const auto n = static_cast<uint32_t>(std::min<uint64_t>(length, room));
  if (n > 0) sink.deliver({bytes, n});
  const uint64_t total = done + n;
  s.delivered_low = static_cast<uint32_t>(total);
  s.delivered_high = static_cast<uint16_t>(total >> 32);
  s.next_seq += length;
  counters_.delivered_bytes += n;
  if (total >= limits_.depth) {
    s.flags |= stream_flag::kDepth;
    ++counters_.depth_reached;
    release(s);
  }
}

// Delivers waiting chunks that the stream has reached.
void StreamReassembler::drain(StreamState& s, Sink& sink) {
  while (s.held_head != kNoChunk && !before(s.next_seq, chunks_[s.held_head].seq)) {
    Chunk& c = chunks_[s.held_head];
    const uint32_t skip = s.next_seq - c.seq;  // > 0 only if the stream moved past part of it
    const uint32_t head = s.held_head;
    s.held_head = c.next;
    s.held_bytes -= c.length;
    if (skip < c.length) deliver(s, c.data + skip, c.length - skip, sink);
    free_chunk(head);
  }
}

void StreamReassembler::hold(StreamState& s, uint32_t seq, const uint8_t* bytes, uint32_t length) {
  while (length > 0) {
    const uint32_t n = std::min(length, kChunkBytes);
    const uint32_t index = take_chunk();
    Chunk& c = chunks_[index];
    c.seq = seq;
    c.length = n;
    std::memcpy(c.data, bytes, n);
    // Sorted insert: after the last chunk that starts before this one.
    uint32_t* link = &s.held_head;
    while (*link != kNoChunk && before(chunks_[*link].seq, seq)) link = &chunks_[*link].next;
    c.next = *link;
    *link = index;
    s.held_bytes += n;
    seq += n;
    bytes += n;
    length -= n;
    ++counters_.held_segments;
  }
}

SegmentResult StreamReassembler::add(StreamState& s, uint32_t seq, std::span<const uint8_t> payload,
                                     Sink& sink) {
  if (!(s.flags & stream_flag::kStarted)) start(s, seq);  // picked up mid-stream
  if (s.flags & stream_flag::kDepth) return SegmentResult::kDepth;
  const uint8_t* bytes = payload.data();
  auto length = static_cast<uint32_t>(payload.size());
  if (length == 0) return SegmentResult::kDuplicate;
  // What the stream already delivered is never delivered again.
  if (before(seq, s.next_seq)) {
    const uint32_t behind = s.next_seq - seq;
    if (behind >= length) {
      counters_.retransmitted_bytes += length;
      return SegmentResult::kDuplicate;
    }
    counters_.retransmitted_bytes += behind;
    bytes += behind;
    length -= behind;
    seq = s.next_seq;
  }
  if (static_cast<uint64_t>(seq - s.next_seq) + length > limits_.max_ahead) {
    ++counters_.refused_limit;
    return SegmentResult::kLimit;
  }
  const uint32_t end = seq + length;

  // The pieces of [seq, end) no waiting chunk covers; waiting bytes stand where they overlap.
  Piece pieces[kMaxPieces];
  unsigned count = 0;
  uint32_t cursor = seq;
  uint32_t overlap_different = 0;
  for (uint32_t i = s.held_head; i != kNoChunk && before(cursor, end); i = chunks_[i].next) {
    const Chunk& c = chunks_[i];
    const uint32_t c_end = c.seq + c.length;
    if (!before(cursor, c_end)) continue;
    if (!before(c.seq, end)) break;
    if (before(cursor, c.seq)) {
      if (count == kMaxPieces) {
        ++counters_.refused_limit;
        return SegmentResult::kLimit;
      }
      pieces[count++] = {cursor, cursor - seq, c.seq - cursor};
      cursor = c.seq;
    }
    const uint32_t overlap_end = before(end, c_end) ? end : c_end;
    const uint32_t overlap = overlap_end - cursor;
    if (std::memcmp(bytes + (cursor - seq), c.data + (cursor - c.seq), overlap) != 0) ++overlap_different;
    counters_.retransmitted_bytes += overlap;
    cursor = overlap_end;
  }
  if (before(cursor, end)) {
    if (count == kMaxPieces) {
      ++counters_.refused_limit;
      return SegmentResult::kLimit;
    }
    pieces[count++] = {cursor, cursor - seq, end - cursor};
  }
  if (overlap_different > 0) {
    counters_.overlap_different += overlap_different;
    s.flags |= stream_flag::kAnomaly;
  }
  if (count == 0) return SegmentResult::kDuplicate;

  if (seq == s.next_seq) {
    // Everything in [seq, end) is now contiguous: pieces from the packet, the chunks between them from the
    // pool, in order, without copying the packet's bytes.
    for (unsigned p = 0; p < count; ++p) {
      drain(s, sink);
      if (s.flags & stream_flag::kDepth) return SegmentResult::kDepth;
      if (s.next_seq != pieces[p].seq) break;  // cannot happen: the gaps between pieces are waiting chunks
      deliver(s, bytes + pieces[p].offset, pieces[p].length, sink);
    }
    drain(s, sink);
    return (s.flags & stream_flag::kDepth) ? SegmentResult::kDepth : SegmentResult::kDelivered;
  }

  // Out of order: every piece waits. Refused whole when it does not fit, so that nothing half-held remains.
  uint32_t new_bytes = 0;
  uint32_t chunks_needed = 0;
  for (unsigned p = 0; p < count; ++p) {
    new_bytes += pieces[p].length;
    chunks_needed += (pieces[p].length + kChunkBytes - 1) / kChunkBytes;
  }
  if (s.held_bytes + new_bytes > limits_.max_held_per_stream || chunks_needed > free_count_) {
    ++counters_.refused_limit;
    return SegmentResult::kLimit;
  }
  for (unsigned p = 0; p < count; ++p) hold(s, pieces[p].seq, bytes + pieces[p].offset, pieces[p].length);
  return SegmentResult::kHeld;
}

}  // namespace torwart::dataplane::stream
