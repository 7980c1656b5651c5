#pragma once
// Rate limiting on packet time (capture time in replay), so that replays stay deterministic.
#include <algorithm>
#include <cstdint>

namespace torwart::dataplane {

class TokenBucket {
 public:
  constexpr TokenBucket() : TokenBucket(0, 0) {}
  constexpr TokenBucket(uint32_t per_second, uint32_t burst)
      : per_second_(per_second), burst_(burst), tokens_(burst) {}

  bool take(uint64_t now_ns) {
    if (now_ns > last_ns_) {
      const uint64_t earned = (now_ns - last_ns_) * per_second_ / 1'000'000'000ull;
      if (earned > 0) {
        tokens_ = static_cast<uint32_t>(std::min<uint64_t>(burst_, tokens_ + earned));
        last_ns_ = now_ns;
      }
    } else if (last_ns_ == 0) {
      last_ns_ = now_ns;
    }
    if (tokens_ == 0) return false;
    --tokens_;
    return true;
  }

 private:
  uint32_t per_second_;
  uint32_t burst_;
  uint32_t tokens_;
  uint64_t last_ns_ = 0;
};

}  // namespace torwart::dataplane
