#include "dataplane/synflood/half_open.hpp"

#include <sys/random.h>

#include <stdexcept>
#include <string>

#include <rte_malloc.h>

#include "dataplane/synflood/syn_cookie.hpp"

namespace torwart::dataplane::synflood {

SynFloodState::SynFloodState(uint32_t flow_slots, int socket_id) : slots_(flow_slots) {
  side_ = static_cast<FlowSide*>(
      rte_zmalloc_socket("synflood_sides", sizeof(FlowSide) * slots_, RTE_CACHE_LINE_SIZE, socket_id));
  if (side_ == nullptr)
    throw std::runtime_error("synflood: cannot allocate " + std::to_string(slots_) + " flow entries");
  if (getrandom(key_.data(), key_.size(), 0) != static_cast<ssize_t>(key_.size())) {
    rte_free(side_);
    throw std::runtime_error("synflood: no random bytes for the SYN-cookie key");
  }
}

SynFloodState::~SynFloodState() {
  rte_free(side_);
}

void SynFloodState::opened(uint32_t slot, uint8_t zone) {
  ended(slot);  // defensive: a slot reused without an end callback must not leave a count behind
  side_[slot].zone = zone;
}

void SynFloodState::note(uint32_t slot, conntrack::FlowState state) {
  FlowSide& s = side_[slot];
  const bool counted = (s.flags & side_flag::kCounted) != 0;
  if (is_half_open(state) == counted) return;
  if (counted) {
    --half_open_[s.zone];
    --half_open_total_;
    s.flags &= static_cast<uint8_t>(~side_flag::kCounted);
  } else {
    ++half_open_[s.zone];
    ++half_open_total_;
    s.flags |= side_flag::kCounted;
  }
}

void SynFloodState::ended(uint32_t slot) {
  FlowSide& s = side_[slot];
  if (s.flags & side_flag::kCounted) {
    --half_open_[s.zone];
    --half_open_total_;
  }
  s = FlowSide{};
}

bool SynFloodState::cookies_live(uint8_t zone, uint64_t now_ns) const {
  const uint64_t last = last_cookie_ns_[zone];
  return last != 0 && now_ns - last < 2 * kCookieSlotNs;
}

}  // namespace torwart::dataplane::synflood
