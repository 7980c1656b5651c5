#pragma once
// Worker affinity under source NAT: every worker owns a disjoint, contiguous slice of an external address's
// port range and allocates only from it, so the worker an inbound reply belongs to follows from its
// destination port alone (slice_owner), with no state shared between workers. Replay has one worker, whose
// slice is the whole range; the arithmetic is the same.
#include <cstdint>

namespace torwart::dataplane::nat {

struct PortRange {
  uint16_t first = 1024;
  uint16_t last = 65535;
  uint32_t size() const { return static_cast<uint32_t>(last) - first + 1; }
  bool contains(uint16_t port) const { return port >= first && port <= last; }
};

// The worker whose slice holds `port` (which must lie in `range`): floor((port - first) * workers / size).
inline unsigned slice_owner(PortRange range, uint16_t port, unsigned workers) {
  return static_cast<unsigned>((static_cast<uint64_t>(port - range.first) * workers) / range.size());
}

// The ports slice_owner gives to `worker`: offsets ceil(w * size / workers) .. ceil((w + 1) * size / workers)
// - 1. Empty (first > last) only when a range is smaller than the number of workers.
inline PortRange slice_of(PortRange range, unsigned worker, unsigned workers) {
  const uint64_t n = range.size();
  const uint64_t begin = (worker * n + workers - 1) / workers;
  const uint64_t end = ((worker + 1) * n + workers - 1) / workers;  // exclusive
  PortRange slice;
  slice.first = static_cast<uint16_t>(range.first + begin);
  slice.last = static_cast<uint16_t>(range.first + end - 1);
  return slice;
}

}  // namespace torwart::dataplane::nat
