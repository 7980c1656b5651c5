#pragma once
// Pattern matching over a reassembled stream that arrives in pieces, without Hyperscan's streaming mode (it
// allocates stream state per flow): each direction keeps the last bytes of what it has seen (fewer than the
// longest pattern), and every new piece is scanned behind them, in block mode, so that a pattern split across
// segments is found. Matches that end inside the kept bytes were found by the previous scan and are skipped.
// Offsets are absolute in the stream. No allocation: the caller gives a buffer for the joined bytes.
#include <cstdint>
#include <span>

#include "dataplane/ids/pattern_set.hpp"

namespace torwart::dataplane::ids {

inline constexpr uint32_t kMaxStreamPattern = 256;  // longer patterns cannot span pieces reliably

struct StreamScanState {
  uint64_t stream_offset = 0;  // bytes of the stream seen before this state's tail ends
  uint16_t tail_length = 0;
  uint8_t tail[kMaxStreamPattern - 1];
};

class StreamScanner {
 public:
  // `longest_pattern`: the set's longest pattern (at most kMaxStreamPattern); `join_buffer`: room for the
  // tail plus the largest piece the caller scans (larger pieces are scanned in parts).
  StreamScanner(const PatternSet& set, const PatternScratch& scratch, uint32_t longest_pattern,
                std::span<uint8_t> join_buffer)
      : set_(set),
        scratch_(scratch),
        keep_(longest_pattern > 0 ? longest_pattern - 1 : 0),
        join_(join_buffer) {}

  // on_match(pattern id, absolute end offset in the stream) for each new match; false from it stops.
  template <typename OnMatch>
  bool scan(StreamScanState& state, std::span<const uint8_t> piece, OnMatch&& on_match) const {
    using F = std::remove_reference_t<OnMatch>;
    return scan_raw(
        state, piece, [](void* c, uint32_t id, uint64_t end) { return (*static_cast<F*>(c))(id, end); },
        static_cast<void*>(&on_match));
  }

 private:
  bool scan_raw(StreamScanState& state, std::span<const uint8_t> piece, PatternScratch::MatchFn on_match,
                void* context) const;

  const PatternSet& set_;
  const PatternScratch& scratch_;
  uint32_t keep_;
  std::span<uint8_t> join_;
};

}  // namespace torwart::dataplane::ids
