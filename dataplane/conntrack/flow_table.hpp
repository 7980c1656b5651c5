#pragma once
// The per-worker flow table: a fixed pool of Flow entries and an index from FlowTuple to (flow, direction).
//
// Why our own table and not rte_hash: each flow needs two keys (original and reply tuple; under NAT the reply
// is not the mirror of the original), and rte_hash stores a copy of every key plus a pointer in its key store
// and 8 bytes per bucket entry: about 2 x (48 + 8) bytes of index per flow on top of the flow itself. Our
// index stores no keys at all: a slot is a 16-bit tag and a 32-bit reference (flow index and direction), and
// the key is compared against the tuple inside the flow, which the caller touches next anyway. Buckets are
// one cache line with 8 slots; a full bucket overflows into the next one (bucketized linear probing), and
// each bucket counts how many keys passed it on their way further, so that a lookup stops at the first bucket
// nobody passed and deletion needs no tombstones. Sized for 75 % load at the configured number of flows:
// 2 keys / 0.75 / 8 slots x 64 bytes = about 21 bytes of index per flow. No allocation after construction,
// no locks (one worker owns it), no exceptions after construction.
//
// Removal: flows leave by timeout (expire(), or found expired on lookup), by eviction when the table is full,
// or explicitly (remove()). Every removal calls the FlowEndCallback first.
//
// Eviction when full: the table scans a bounded window (kEvictionScan slots) from a rotating cursor and
// removes, in this order, an expired flow, else the non-established flow (handshake, closing, unreplied) that
// would expire soonest; a flow seen at the current time (the burst being processed refers to it) is never
// the victim. Established flows are never evicted: if the window holds nothing else, the new flow
// is refused (flow_table_full). A flood of new connections thus cannot push out working ones, and the cost of
// a refusal is bounded.
#include <cstdint>
#include <memory>

#include "dataplane/conntrack/flow.hpp"
#include "dataplane/conntrack/flow_end_callback.hpp"
#include "dataplane/conntrack/flow_tuple.hpp"
#include "dataplane/conntrack/timeouts.hpp"
#include "dataplane/conntrack/track.hpp"

namespace torwart::dataplane::conntrack {

// Flow ids (Flow::id, EVE `flow_id`): worker << 48 | (flow_id_base + n) mod 2^48 for a worker's n-th flow,
// 0 skipped (the per-slot state beside the table reads it as "no flow"). At most 31 << 48 | (2^48 - 1) =
// 2^53 - 1: a JSON consumer that reads numbers as doubles keeps every id exact. `torwart run` draws the base
// at every start (getrandom), so ids do not restart at 1 and the ranges of two starts, or of two boxes, meet
// only by chance (about 2n / 2^48 for n flows per worker); replay and inspect use base 0 and stay
// reproducible. Unique within one start; across a fleet, (host, flow_id) is the key.
inline constexpr unsigned kFlowIdWorkerShift = 48;
inline constexpr uint64_t kFlowIdSequenceMask = (uint64_t{1} << kFlowIdWorkerShift) - 1;
inline constexpr unsigned kMaxFlowIdWorkers = 32;

struct FlowTableConfig {
  uint32_t max_flows = 65536;
  ConntrackTimeouts timeouts{};
  int socket_id = -1;         // SOCKET_ID_ANY
  uint64_t flow_id_base = 0;  // see kFlowIdWorkerShift; only its low 48 bits count
};

struct ConntrackCounters {
  uint64_t created = 0;
  uint64_t expired = 0;    // removed by timeout (expire() or found expired on lookup or while evicting)
  uint64_t evicted = 0;    // removed, unexpired, to make room
  uint64_t removed = 0;    // removed by the caller
  uint64_t refused = 0;    // create() failed: table full of established flows (flow_table_full)
  uint64_t duplicate = 0;  // create() failed: a tuple already belongs to a flow
  uint64_t invalid_tcp_state = 0;
  uint64_t tcp_out_of_window = 0;
  uint64_t size = 0;  // flows in the table now
};

struct LookupResult {
  Flow* flow = nullptr;
  Direction direction = Direction::kOriginal;  // the direction the looked-up tuple travels in
};

enum class CreateError : uint8_t { kNone, kTableFull, kDuplicate };

struct CreateResult {
  Flow* flow = nullptr;
  CreateError error = CreateError::kNone;
};

class FlowTable {
 public:
  static constexpr unsigned kSlotsPerBucket = 8;
  static constexpr unsigned kEvictionScan = 64;
  static constexpr unsigned kMaxLookupBurst = 64;

  // Allocates everything (DPDK memory on `socket_id`); throws std::runtime_error when it cannot, or when
  // `worker_id` does not fit the flow id (kMaxFlowIdWorkers).
  FlowTable(const FlowTableConfig& config, uint16_t worker_id);
  ~FlowTable();
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  // The flow `tuple` belongs to and the direction it travels in. A flow whose timeout has passed at now_ns is
  // removed (on_end called) and not returned.
  LookupResult lookup(const FlowTuple& tuple, uint64_t now_ns, FlowEndCallback on_end);
  // The same for up to kMaxLookupBurst tuples, with the index and flow cache lines prefetched ahead.
  void lookup_burst(const FlowTuple* const* tuples, unsigned count, LookupResult* results, uint64_t now_ns,
                    FlowEndCallback on_end);

  // A new flow with both keys. `reply` is the tuple reply packets will arrive with: mirror(original) without
  // NAT. The flow starts in its protocol's first state with zero counters, first/last seen = now_ns. When the
  // table is full, evicts as described above (on_end called) or fails with kTableFull; fails with kDuplicate
  // when either tuple already belongs to a flow.
  CreateResult create(const FlowTuple& original, const FlowTuple& reply, uint64_t now_ns,
                      FlowEndCallback on_end);

  void remove(Flow* flow, FlowEndCallback on_end);

  // track_packet (track.hpp), counting invalid packets by reason.
  TrackVerdict track(Flow& flow, Direction direction, const PacketMeta& meta, const rte_mbuf* m,
                     uint64_t now_ns) {
    const TrackVerdict verdict = track_packet(flow, direction, meta, m, now_ns);
    if (verdict == TrackVerdict::kInvalidTcpState) ++counters_.invalid_tcp_state;
    if (verdict == TrackVerdict::kTcpOutOfWindow) ++counters_.tcp_out_of_window;
    return verdict;
  }

  // Visits up to `budget` slots of the pool from a rotating cursor and removes the expired flows among them;
  // returns how many it removed. Call once per burst (or idle loop) with a small budget: the whole table is
  // swept every max_flows / budget calls.
  unsigned expire(uint64_t now_ns, unsigned budget, FlowEndCallback on_end);

  // Removes every flow (on_end called with kShutdown): at the end of a replay or of `torwart run`, so that
  // open connections get their EVE flow record too. Not for the fast path: it visits the whole pool.
  unsigned end_all(FlowEndCallback on_end);

  // Calls `visit(const Flow&)` for the flows in the table, in pool order, until it returns false. For
  // listings (flow_dump.hpp), not the fast path: it walks the whole pool.
  template <typename Visit>
  void for_each_flow(Visit&& visit) const {
    for (uint32_t i = 0; i < max_flows_; ++i) {
      if (flows_[i].state != FlowState::kFree && !visit(flows_[i])) return;
    }
  }

  bool expired(const Flow& flow, uint64_t now_ns) const { return is_expired(flow, now_ns, timeouts_); }
  uint64_t timeout_of(const Flow& flow) const { return timeouts_.for_state(flow.state); }

  ConntrackCounters& counters() { return counters_; }
  const ConntrackCounters& counters() const { return counters_; }
  uint32_t size() const { return static_cast<uint32_t>(counters_.size); }
  uint32_t capacity() const { return max_flows_; }
  // The flow's slot in the pool, 0 .. capacity() - 1: the index of per-flow state kept beside the table
  // (NAT, SYN proxy).
  uint32_t slot_of(const Flow& flow) const { return index_of(&flow); }
  // Memory the table holds, for the bytes-per-flow figure.
  uint64_t memory_bytes() const;

 private:
  struct alignas(64) Bucket {
    uint16_t tag[kSlotsPerBucket];
    uint32_t ref[kSlotsPerBucket];  // flow index << 1 | direction; kEmpty when unused
    uint32_t passing;               // keys stored beyond this bucket whose home is here or before
    uint8_t unused[12];
  };
  static_assert(sizeof(Bucket) == 64);
  static constexpr uint32_t kEmpty = 0xffffffffu;
  static constexpr uint32_t kNone = 0xffffffffu;

  uint32_t home_bucket(uint32_t hash) const {
    return static_cast<uint32_t>((static_cast<uint64_t>(hash) * bucket_count_) >> 32);
  }
  uint32_t next_bucket(uint32_t b) const { return b + 1 == bucket_count_ ? 0 : b + 1; }
  static uint16_t tag_of(uint32_t hash) { return static_cast<uint16_t>(hash); }

  LookupResult find(const FlowTuple& tuple, uint32_t hash) const;
  LookupResult finish_lookup(LookupResult found, uint64_t now_ns, FlowEndCallback on_end);
  void insert_key(uint32_t hash, uint32_t ref);
  void erase_key(uint32_t hash, uint32_t ref);
  uint32_t take_free_flow(uint64_t now_ns, FlowEndCallback on_end);
  void release(uint32_t index, FlowEndReason reason, FlowEndCallback on_end);
  uint32_t index_of(const Flow* flow) const { return static_cast<uint32_t>(flow - flows_); }

  uint32_t max_flows_;
  uint32_t bucket_count_;
  Flow* flows_ = nullptr;
  Bucket* buckets_ = nullptr;
  uint32_t free_head_ = kNone;
  uint32_t expire_cursor_ = 0;
  uint32_t evict_cursor_ = 0;
  uint64_t id_worker_;    // worker << kFlowIdWorkerShift
  uint64_t id_sequence_;  // the sequence part of the last id handed out
  TimeoutTable timeouts_;
  ConntrackCounters counters_;
};

}  // namespace torwart::dataplane::conntrack
