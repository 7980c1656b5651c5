#pragma once
// Per-worker bookkeeping for virtual reassembly: the fragments of incomplete datagrams, held as they arrived
// (the box forwards the original fragments and never builds the whole datagram), with their byte ranges.
// Everything is allocated once at start-up and bounded by FragmentLimits; no allocation per packet.
#include <cstdint>
#include <vector>

#include <rte_mbuf.h>

#include "dataplane/core/drop_reason.hpp"

namespace torwart::dataplane {

struct FragmentLimits {
  uint64_t timeout_ns = 30'000'000'000ull;  // packet time from a datagram's first fragment
  uint32_t max_datagrams = 1024;            // incomplete datagrams per worker
  uint32_t max_fragments = 4096;            // held fragments per worker
  uint16_t max_fragments_per_datagram = 64;
  uint16_t sweep_per_burst = 8;  // expired datagrams dropped per burst, so one burst never stalls on many
};

// What identifies a datagram (RFC 791: addresses, protocol, id; RFC 8200: addresses and id, the protocol is
// 0 for IPv6 because the next header may differ between its fragments).
struct FragmentKey {
  uint8_t family = 0;  // 4 or 6
  uint8_t protocol = 0;
  uint32_t id = 0;
  uint8_t source[16] = {};
  uint8_t destination[16] = {};

  bool operator==(const FragmentKey&) const = default;
};

// One arriving fragment as the table sees it. Offsets are bytes of the fragmentable part.
struct FragmentInfo {
  FragmentKey key;
  uint32_t bucket_hash = 0;  // any hash of the key
  uint32_t start = 0;
  uint32_t end = 0;   // exclusive
  bool last = false;  // no more fragments follow
};

class FragmentTable {
 public:
  // Fragments of one datagram never exceed the per-datagram limit.
  static constexpr uint16_t kMaxPerDatagram = 64;

  enum class Verdict : uint8_t {
    kHeld,          // kept; the datagram is still incomplete
    kComplete,      // kept and the datagram is whole: take() its fragments
    kDropNew,       // only the arriving fragment must go (reason)
    kDropDatagram,  // the arriving fragment and every held one must go (take() them, reason)
  };
  struct Result {
    Verdict verdict;
    DropReason reason;
    uint32_t datagram;  // for kComplete and kDropDatagram
  };

  explicit FragmentTable(const FragmentLimits& limits = {});
  ~FragmentTable();
  FragmentTable(const FragmentTable&) = delete;
  FragmentTable& operator=(const FragmentTable&) = delete;

  // The datagram that `key` names, or -1.
  int32_t find(const FragmentKey& key, uint32_t bucket_hash) const;
  bool expired(uint32_t datagram, uint64_t now_ns) const;
  // Files a fragment whose own checks passed into `datagram` (find()'s answer; -1 starts a new one). `m` is
  // held only for kHeld and kComplete.
  Result add(int32_t datagram, rte_mbuf* m, const FragmentInfo& fragment, uint64_t now_ns);
  // Writes the datagram's fragments in offset order to `out` (room for kMaxPerDatagram), frees the entry and
  // returns how many.
  uint16_t take(uint32_t datagram, rte_mbuf** out);
  // The oldest datagram when it is older than the timeout at `now_ns`, else -1.
  int32_t oldest_expired(uint64_t now_ns) const;

  uint32_t datagrams_held() const { return datagrams_in_use_; }
  uint32_t fragments_held() const { return fragments_in_use_; }
  const FragmentLimits& limits() const { return limits_; }

  // Fragments released from complete datagrams, waiting for the stages after reassembly (pipeline.cpp).
  // Room for every fragment that can be held plus one burst, so appending never fails.
  void push_ready(rte_mbuf* m) { ready_[ready_count_++] = m; }
  rte_mbuf** ready() { return ready_.data(); }
  uint32_t ready_count() const { return ready_count_; }
  void clear_ready() { ready_count_ = 0; }

 private:
  struct Datagram {
    FragmentKey key;
    uint64_t first_ns = 0;
    uint32_t total = 0;     // fragmentable length, known once the last fragment is in (has_total)
    uint32_t received = 0;  // bytes held; ranges never overlap, so complete when it reaches total
    uint32_t bucket = 0;
    int32_t head = -1;  // first fragment slot, in offset order
    int32_t hash_next = -1;
    int32_t older = -1, newer = -1;  // age list; also the free list (newer) while unused
    uint16_t count = 0;
    bool has_total = false;
    bool in_use = false;
  };
  struct Slot {
    rte_mbuf* m = nullptr;
    uint32_t start = 0, end = 0;
    int32_t next = -1;  // next in offset order, or in the free list
    bool last = false;
  };

  Result create(rte_mbuf* m, const FragmentInfo& fragment, uint64_t now_ns);
  Result insert(uint32_t datagram, rte_mbuf* m, const FragmentInfo& fragment);
  int32_t take_slot(rte_mbuf* m, const FragmentInfo& fragment);
  uint32_t bucket_of(uint32_t hash) const { return hash & bucket_mask_; }

  FragmentLimits limits_;
  std::vector<Datagram> datagrams_;
  std::vector<Slot> slots_;
  std::vector<int32_t> buckets_;
  std::vector<rte_mbuf*> ready_;
  uint32_t bucket_mask_ = 0;
  uint32_t ready_count_ = 0;
  int32_t free_datagram_ = -1;
  int32_t free_slot_ = -1;
  int32_t oldest_ = -1, newest_ = -1;
  uint32_t datagrams_in_use_ = 0;
  uint32_t fragments_in_use_ = 0;
};

}  // namespace torwart::dataplane
