#include "dataplane/fragments/fragment_table.hpp"

#include <algorithm>

#include "dataplane/core/burst.hpp"

namespace torwart::dataplane {

FragmentTable::FragmentTable(const FragmentLimits& limits) : limits_(limits) {
  limits_.max_datagrams = std::max<uint32_t>(limits_.max_datagrams, 1);
  limits_.max_fragments = std::max<uint32_t>(limits_.max_fragments, 1);
  limits_.max_fragments_per_datagram =
      std::clamp<uint16_t>(limits_.max_fragments_per_datagram, 1, kMaxPerDatagram);
  datagrams_.resize(limits_.max_datagrams);
  slots_.resize(limits_.max_fragments);
  // Power-of-two buckets, at least twice the datagrams, keep chains short without a modulo.
  uint32_t buckets = 1;
  while (buckets < 2 * limits_.max_datagrams) buckets <<= 1;
  buckets_.assign(buckets, -1);
  bucket_mask_ = buckets - 1;
  ready_.resize(limits_.max_fragments + kMaxBurst);
  for (uint32_t i = 0; i < limits_.max_datagrams; ++i) {
    datagrams_[i].newer = i + 1 < limits_.max_datagrams ? static_cast<int32_t>(i + 1) : -1;
  }
  free_datagram_ = 0;
  for (uint32_t i = 0; i < limits_.max_fragments; ++i) {
    slots_[i].next = i + 1 < limits_.max_fragments ? static_cast<int32_t>(i + 1) : -1;
  }
  free_slot_ = 0;
}

FragmentTable::~FragmentTable() {
  // Held fragments of datagrams that never completed (replay's end, shutdown): freed without counting.
  for (const Slot& slot : slots_) {
    if (slot.m != nullptr) rte_pktmbuf_free(slot.m);
  }
  for (uint32_t i = 0; i < ready_count_; ++i) rte_pktmbuf_free(ready_[i]);
}

int32_t FragmentTable::find(const FragmentKey& key, uint32_t bucket_hash) const {
  for (int32_t d = buckets_[bucket_of(bucket_hash)]; d >= 0; d = datagrams_[d].hash_next) {
    if (datagrams_[d].key == key) return d;
  }
  return -1;
}

bool FragmentTable::expired(uint32_t datagram, uint64_t now_ns) const {
  const uint64_t first = datagrams_[datagram].first_ns;
  return now_ns > first && now_ns - first > limits_.timeout_ns;
}

int32_t FragmentTable::oldest_expired(uint64_t now_ns) const {
  return oldest_ >= 0 && expired(static_cast<uint32_t>(oldest_), now_ns) ? oldest_ : -1;
}

FragmentTable::Result FragmentTable::add(int32_t datagram, rte_mbuf* m, const FragmentInfo& fragment,
                                         uint64_t now_ns) {
  if (datagram < 0) return create(m, fragment, now_ns);
  return insert(static_cast<uint32_t>(datagram), m, fragment);
}

int32_t FragmentTable::take_slot(rte_mbuf* m, const FragmentInfo& fragment) {
  const int32_t s = free_slot_;
  Slot& slot = slots_[s];
  free_slot_ = slot.next;
  slot = Slot{m, fragment.start, fragment.end, -1, fragment.last};
  ++fragments_in_use_;
  return s;
}

FragmentTable::Result FragmentTable::create(rte_mbuf* m, const FragmentInfo& fragment, uint64_t now_ns) {
  // A full table refuses new datagrams rather than evicting held ones: a flood of fresh fragments then cannot
  // push out datagrams that are about to complete; the held ones complete or time out and make room.
  if (free_datagram_ < 0 || free_slot_ < 0) return {Verdict::kDropNew, DropReason::kFragmentMemoryFull, 0};
  const int32_t d = free_datagram_;
  Datagram& datagram = datagrams_[d];
  free_datagram_ = datagram.newer;
  datagram = Datagram{};
  datagram.key = fragment.key;
  datagram.first_ns = now_ns;
  datagram.in_use = true;
  datagram.bucket = bucket_of(fragment.bucket_hash);
  datagram.hash_next = buckets_[datagram.bucket];
  buckets_[datagram.bucket] = d;
  datagram.older = newest_;
  if (newest_ >= 0) datagrams_[newest_].newer = d;
  newest_ = d;
  if (oldest_ < 0) oldest_ = d;
  ++datagrams_in_use_;
  return insert(static_cast<uint32_t>(d), m, fragment);
}

FragmentTable::Result FragmentTable::insert(uint32_t index, rte_mbuf* m, const FragmentInfo& fragment) {
  Datagram& d = datagrams_[index];
  // Find the neighbours in offset order: `before` starts before the new fragment, `after` at or after it.
  int32_t before = -1;
  int32_t after = d.head;
  while (after >= 0 && slots_[after].start < fragment.start) {
    before = after;
    after = slots_[after].next;
  }
  if (after >= 0 && slots_[after].start == fragment.start && slots_[after].end == fragment.end) {
    // The same range again: a copy when it agrees on being last, a contradiction otherwise.
    if (slots_[after].last == fragment.last) return {Verdict::kDropNew, DropReason::kFragmentDuplicate, 0};
    return {Verdict::kDropDatagram, DropReason::kFragmentOverlap, index};
  }
  // Any overlap, including a different length at a held offset (RFC 5722: drop the whole datagram).
  if ((before >= 0 && slots_[before].end > fragment.start) ||
      (after >= 0 && slots_[after].start < fragment.end)) {
    return {Verdict::kDropDatagram, DropReason::kFragmentOverlap, index};
  }
  // The last fragment fixes the length; fragments beyond it, or a second last one elsewhere, contradict it.
  if (fragment.last) {
    // A held fragment after the new one lies beyond the end it announces (the ones before end before it).
    if ((d.has_total && d.total != fragment.end) || after >= 0) {
      return {Verdict::kDropDatagram, DropReason::kFragmentOverlap, index};
    }
  } else if (d.has_total && fragment.end > d.total) {
    return {Verdict::kDropDatagram, DropReason::kFragmentOverlap, index};
  }
  if (d.count >= limits_.max_fragments_per_datagram) {
    return {Verdict::kDropDatagram, DropReason::kFragmentTooMany, index};
  }
  if (free_slot_ < 0) {
    // The datagram cannot complete without this fragment: free its memory now instead of at its timeout.
    return {Verdict::kDropDatagram, DropReason::kFragmentMemoryFull, index};
  }
  const int32_t s = take_slot(m, fragment);
  slots_[s].next = after;
  if (before >= 0) {
    slots_[before].next = s;
  } else {
    d.head = s;
  }
  ++d.count;
  d.received += fragment.end - fragment.start;
  if (fragment.last) {
    d.has_total = true;
    d.total = fragment.end;
  }
  if (d.has_total && d.received == d.total) return {Verdict::kComplete, DropReason::kNone, index};
  return {Verdict::kHeld, DropReason::kNone, index};
}

uint16_t FragmentTable::take(uint32_t index, rte_mbuf** out) {
  Datagram& d = datagrams_[index];
  uint16_t n = 0;
  for (int32_t s = d.head; s >= 0;) {
    Slot& slot = slots_[s];
    out[n++] = slot.m;
    const int32_t next = slot.next;
    slot.m = nullptr;
    slot.next = free_slot_;
    free_slot_ = s;
    --fragments_in_use_;
    s = next;
  }
  int32_t* link = &buckets_[d.bucket];
  while (*link != static_cast<int32_t>(index)) link = &datagrams_[*link].hash_next;
  *link = d.hash_next;
  if (d.older >= 0) {
    datagrams_[d.older].newer = d.newer;
  } else {
    oldest_ = d.newer;
  }
  if (d.newer >= 0) {
    datagrams_[d.newer].older = d.older;
  } else {
    newest_ = d.older;
  }
  d.in_use = false;
  d.head = -1;
  d.newer = free_datagram_;
  free_datagram_ = static_cast<int32_t>(index);
  --datagrams_in_use_;
  return n;
}

}  // namespace torwart::dataplane
