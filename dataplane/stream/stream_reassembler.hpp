#pragma once
// TCP stream reassembly for one direction of a flow: payload is handed to the application layer in sequence
// order, exactly once, whatever order the segments arrive in. Out-of-order data waits in fixed-size chunks
// from a pool the worker allocates at start-up (no allocation per packet); an in-order segment with nothing
// waiting is delivered straight from the packet, without a copy.
//
// Overlap policy, "first wins": bytes already delivered are never delivered again (a retransmission that
// covers them is trimmed), and where a segment overlaps data still waiting, the waiting (earlier) bytes
// stand. Waiting bytes that a later segment contradicts are counted as an anomaly (`overlap_different`), the
// classic evasion attempt against an inspecting middlebox; retransmitted bytes that agree are not.
//
// Limits: `max_held_per_stream` bytes may wait per direction, the pool bounds all directions of a worker
// together, and at most `max_ahead` bytes beyond the next expected sequence number are accepted. A segment
// that would cross a limit is refused whole (kLimit) and the caller applies its fail-open / fail-closed
// choice; nothing already held is dropped. After `depth` bytes a direction is no longer reassembled (kDepth).
// Sequence numbers wrap as TCP's do (RFC 793 modular comparison).
#include <cstdint>
#include <memory>
#include <span>

namespace torwart::dataplane::stream {

struct ReassemblyLimits {
  uint32_t chunks = 8192;                    // per worker; each holds kChunkBytes
  uint32_t max_held_per_stream = 64 * 1024;  // bytes waiting in one direction
  uint32_t max_ahead = 1u << 20;             // bytes beyond the next expected sequence number
  uint64_t depth = 1u << 20;                 // bytes delivered per direction before inspection stops
};

struct ReassemblyCounters {
  uint64_t delivered_bytes = 0;
  uint64_t held_segments = 0;        // segments (or pieces) that had to wait
  uint64_t retransmitted_bytes = 0;  // bytes trimmed because they were delivered or waiting already
  uint64_t overlap_different = 0;    // waiting bytes contradicted by a later segment (anomaly)
  uint64_t refused_limit = 0;        // segments refused by a memory or window limit
  uint64_t depth_reached = 0;        // directions that reached the stream depth
};

// One direction's state; lives in the connection's flow (trivially copyable, 24 bytes).
struct StreamState {
  uint32_t next_seq = 0;             // the next byte the application layer expects
  uint32_t held_head = 0xffffffffu;  // first waiting chunk (kNoChunk: none), sorted by sequence number
  uint32_t held_bytes = 0;
  uint32_t delivered_low = 0;  // bytes delivered, low 32 bits (depth check uses delivered_high too)
  uint16_t delivered_high = 0;
  uint8_t flags = 0;  // stream_flag::*
  uint8_t reserved = 0;
  uint32_t reserved2 = 0;
};

namespace stream_flag {
inline constexpr uint8_t kStarted = 1 << 0;  // next_seq is known (from the SYN or the first segment)
inline constexpr uint8_t kDepth = 1 << 1;    // depth reached: no more reassembly in this direction
inline constexpr uint8_t kAnomaly = 1 << 2;  // overlapping data disagreed at least once
}  // namespace stream_flag

enum class SegmentResult : uint8_t {
  kDelivered,  // everything new in it was delivered (possibly with waiting data after it)
  kHeld,       // (some of) it waits for a gap to close
  kDuplicate,  // nothing new: already delivered or waiting
  kLimit,      // refused: a memory or window limit
  kDepth,      // the direction is past its depth; not reassembled
};

class StreamReassembler {
 public:
  static constexpr uint32_t kChunkBytes = 2048;
  static constexpr uint32_t kNoChunk = 0xffffffffu;

  // Receives the stream's bytes in order; may be called several times per segment.
  class Sink {
   public:
    virtual ~Sink() = default;
    virtual void deliver(std::span<const uint8_t> bytes) = 0;
  };

  // Allocates the chunk pool; throws std::bad_alloc.
  explicit StreamReassembler(const ReassemblyLimits& limits);
  ~StreamReassembler();
  StreamReassembler(const StreamReassembler&) = delete;
  StreamReassembler& operator=(const StreamReassembler&) = delete;

  // The first byte of the stream is `first_seq` (the SYN's sequence number + 1).
  static void start(StreamState& s, uint32_t first_seq) {
    s = StreamState{};
    s.next_seq = first_seq;
    s.held_head = kNoChunk;
    s.flags = stream_flag::kStarted;
  }

  SegmentResult add(StreamState& s, uint32_t seq, std::span<const uint8_t> payload, Sink& sink);
  // Frees what a direction still holds (flow end).
  void release(StreamState& s);

  uint32_t free_chunks() const { return free_count_; }
  const ReassemblyCounters& counters() const { return counters_; }

 private:
  struct Chunk {
    uint32_t seq;     // of data[0]
    uint32_t length;  // bytes used
    uint32_t next;    // next chunk of the stream in sequence order, or kNoChunk
    uint8_t data[kChunkBytes];
  };

  uint64_t delivered(const StreamState& s) const {
    return uint64_t{s.delivered_high} << 32 | s.delivered_low;
  }
  void deliver(StreamState& s, const uint8_t* bytes, uint32_t length, Sink& sink);
  void drain(StreamState& s, Sink& sink);
  void hold(StreamState& s, uint32_t seq, const uint8_t* bytes, uint32_t length);
  uint32_t take_chunk();
  void free_chunk(uint32_t index);

  ReassemblyLimits limits_;
  std::unique_ptr<Chunk[]> chunks_;
  uint32_t free_head_ = kNoChunk;
  uint32_t free_count_ = 0;
  ReassemblyCounters counters_;
};

}  // namespace torwart::dataplane::stream
