#include "dataplane/ids/stream_scan.hpp"

#include <algorithm>
#include <cstring>

namespace torwart::dataplane::ids {

bool StreamScanner::scan_raw(StreamScanState& state, std::span<const uint8_t> piece,
                             PatternScratch::MatchFn on_match, void* context) const {
  const uint32_t keep = std::min<uint32_t>(keep_, kMaxStreamPattern - 1);
  if (join_.size() <= keep) return false;
  while (!piece.empty()) {
    const size_t room = join_.size() - state.tail_length;
    const std::span<const uint8_t> part = piece.first(std::min(room, piece.size()));
    piece = piece.subspan(part.size());
    std::memcpy(join_.data(), state.tail, state.tail_length);
    std::memcpy(join_.data() + state.tail_length, part.data(), part.size());
    const size_t joined = state.tail_length + part.size();
    // Stream offset of join_[0]; a match ending at or before the tail's end was reported already.
    const uint64_t base = state.stream_offset - state.tail_length;
    struct Forward {
      PatternScratch::MatchFn fn;
      void* context;
      uint64_t base;
      uint16_t tail;
      bool stopped;
    } forward{on_match, context, base, state.tail_length, false};
    const bool ok = scratch_.scan(set_, {join_.data(), joined}, [&forward](uint32_t id, uint64_t end) {
      if (end <= forward.tail) return true;
      if (!forward.fn(forward.context, id, forward.base + end)) {
        forward.stopped = true;
        return false;
      }
      return true;
    });
    state.stream_offset += part.size();
    const size_t kept = std::min<size_t>(keep, joined);
    std::memmove(state.tail, join_.data() + joined - kept, kept);
    state.tail_length = static_cast<uint16_t>(kept);
    if (!ok) return false;
    if (forward.stopped) return true;
  }
  return true;
}

}  // namespace torwart::dataplane::ids
