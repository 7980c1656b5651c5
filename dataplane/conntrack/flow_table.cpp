#include "dataplane/conntrack/flow_table.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include <rte_malloc.h>
#include <rte_prefetch.h>

namespace torwart::dataplane::conntrack {
namespace {

// Keys are at most 2 per flow; at full table the index is 75 % full.
constexpr uint64_t kLoadPercent = 75;

FlowState first_state(uint8_t protocol) {
  switch (protocol) {
    case kProtoTcp:
      return FlowState::kTcpNew;
    case kProtoUdp:
      return FlowState::kUdpUnreplied;
    case kProtoIcmp:
    case kProtoIcmpv6:
      return FlowState::kIcmpUnreplied;
    default:
      return FlowState::kOtherUnreplied;
  }
}

}  // namespace

FlowTable::FlowTable(const FlowTableConfig& config, uint16_t worker_id)
    : max_flows_(std::max<uint32_t>(config.max_flows, 1)),
      bucket_count_(static_cast<uint32_t>(std::max<uint64_t>(
          2, (2ull * max_flows_ * 100 / kLoadPercent + kSlotsPerBucket - 1) / kSlotsPerBucket))),
      id_worker_(static_cast<uint64_t>(worker_id) << kFlowIdWorkerShift),
      id_sequence_(config.flow_id_base & kFlowIdSequenceMask),
      timeouts_(config.timeouts) {
  if (worker_id >= kMaxFlowIdWorkers)
    throw std::runtime_error("conntrack: flow ids have room for " + std::to_string(kMaxFlowIdWorkers) +
                             " workers");
  if (max_flows_ >= (1u << 31)) throw std::runtime_error("conntrack: max_flows must stay below 2^31");
  flows_ = static_cast<Flow*>(rte_zmalloc_socket("conntrack_flows", sizeof(Flow) * max_flows_,
                                                 RTE_CACHE_LINE_SIZE, config.socket_id));
  buckets_ = static_cast<Bucket*>(rte_malloc_socket("conntrack_index", sizeof(Bucket) * bucket_count_,
                                                    RTE_CACHE_LINE_SIZE, config.socket_id));
  if (flows_ == nullptr || buckets_ == nullptr) {
    rte_free(flows_);
    rte_free(buckets_);
    throw std::runtime_error("conntrack: cannot allocate a table for " + std::to_string(max_flows_) +
                             " flows");
  }
  for (uint32_t b = 0; b < bucket_count_; ++b) {
    Bucket& bucket = buckets_[b];
    std::fill(std::begin(bucket.tag), std::end(bucket.tag), 0);
    std::fill(std::begin(bucket.ref), std::end(bucket.ref), kEmpty);
    bucket.passing = 0;
  }
  // Free list through Flow::id, lowest index first.
  for (uint32_t i = max_flows_; i-- > 0;) {
    flows_[i].state = FlowState::kFree;
    flows_[i].id = free_head_;
    free_head_ = i;
  }
}

FlowTable::~FlowTable() {
  rte_free(flows_);
  rte_free(buckets_);
}

uint64_t FlowTable::memory_bytes() const {
  return sizeof(Flow) * static_cast<uint64_t>(max_flows_) +
         sizeof(Bucket) * static_cast<uint64_t>(bucket_count_);
}

LookupResult FlowTable::find(const FlowTuple& tuple, uint32_t hash) const {
  const uint16_t tag = tag_of(hash);
  uint32_t b = home_bucket(hash);
  for (;;) {
    const Bucket& bucket = buckets_[b];
    for (unsigned s = 0; s < kSlotsPerBucket; ++s) {
      const uint32_t ref = bucket.ref[s];
      if (bucket.tag[s] != tag || ref == kEmpty) continue;
      Flow& flow = flows_[ref >> 1];
      if (flow.tuple[ref & 1] == tuple) return {&flow, static_cast<Direction>(ref & 1)};
    }
    if (bucket.passing == 0) return {};
    b = next_bucket(b);
  }
}

LookupResult FlowTable::finish_lookup(LookupResult found, uint64_t now_ns, FlowEndCallback on_end) {
  if (found.flow != nullptr && expired(*found.flow, now_ns)) {
    release(index_of(found.flow), FlowEndReason::kTimeout, on_end);
    return {};
  }
  return found;
}

LookupResult FlowTable::lookup(const FlowTuple& tuple, uint64_t now_ns, FlowEndCallback on_end) {
  return finish_lookup(find(tuple, tuple_hash(tuple)), now_ns, on_end);
}

void FlowTable::lookup_burst(const FlowTuple* const* tuples, unsigned count, LookupResult* results,
                             uint64_t now_ns, FlowEndCallback on_end) {
  uint32_t hashes[kMaxLookupBurst];
  count = std::min(count, kMaxLookupBurst);
  // Pass 1: hash every tuple and prefetch its home bucket.
  for (unsigned i = 0; i < count; ++i) {
    hashes[i] = tuple_hash(*tuples[i]);
    rte_prefetch0(&buckets_[home_bucket(hashes[i])]);
  }
  // Pass 2: prefetch the flows whose tags match in the home bucket (usually exactly one).
  for (unsigned i = 0; i < count; ++i) {
    const Bucket& bucket = buckets_[home_bucket(hashes[i])];
    const uint16_t tag = tag_of(hashes[i]);
    for (unsigned s = 0; s < kSlotsPerBucket; ++s) {
      if (bucket.tag[s] == tag && bucket.ref[s] != kEmpty) rte_prefetch0(&flows_[bucket.ref[s] >> 1]);
    }
  }
  // Pass 3: compare keys; the lines are on their way or there.
  for (unsigned i = 0; i < count; ++i)
    results[i] = finish_lookup(find(*tuples[i], hashes[i]), now_ns, on_end);
}

void FlowTable::insert_key(uint32_t hash, uint32_t ref) {
  // Terminates: there are at most 2 * max_flows keys and more slots than that.
  for (uint32_t b = home_bucket(hash);; b = next_bucket(b)) {
    Bucket& bucket = buckets_[b];
    for (unsigned s = 0; s < kSlotsPerBucket; ++s) {
      if (bucket.ref[s] == kEmpty) {
        bucket.ref[s] = ref;
        bucket.tag[s] = tag_of(hash);
        return;
      }
    }
    ++bucket.passing;
  }
}

void FlowTable::erase_key(uint32_t hash, uint32_t ref) {
  // The key is there: undo the passing counts of the buckets it overflowed through.
  for (uint32_t b = home_bucket(hash);; b = next_bucket(b)) {
    Bucket& bucket = buckets_[b];
    for (unsigned s = 0; s < kSlotsPerBucket; ++s) {
      if (bucket.ref[s] == ref) {
        bucket.ref[s] = kEmpty;
        return;
      }
    }
    --bucket.passing;
  }
}

void FlowTable::release(uint32_t index, FlowEndReason reason, FlowEndCallback on_end) {
  Flow& flow = flows_[index];
  on_end(flow, reason);
  switch (reason) {
    case FlowEndReason::kTimeout:
      ++counters_.expired;
      break;
    case FlowEndReason::kEvicted:
      ++counters_.evicted;
      break;
    case FlowEndReason::kRemoved:
    case FlowEndReason::kShutdown:
      ++counters_.removed;
      break;
  }
  erase_key(tuple_hash(flow.tuple[0]), index << 1);
  if (!(flow.tuple[1] == flow.tuple[0])) erase_key(tuple_hash(flow.tuple[1]), index << 1 | 1);
  flow.state = FlowState::kFree;
  flow.id = free_head_;
  free_head_ = index;
  --counters_.size;
}

void FlowTable::remove(Flow* flow, FlowEndCallback on_end) {
  release(index_of(flow), FlowEndReason::kRemoved, on_end);
}

uint32_t FlowTable::take_free_flow(uint64_t now_ns, FlowEndCallback on_end) {
  if (free_head_ == kNone) {
    uint32_t victim = kNone;
    uint64_t victim_deadline = 0;
    bool victim_expired = false;
    for (unsigned n = 0; n < kEvictionScan && n < max_flows_; ++n) {
      const uint32_t i = evict_cursor_;
      evict_cursor_ = evict_cursor_ + 1 == max_flows_ ? 0 : evict_cursor_ + 1;
      const Flow& flow = flows_[i];
      if (flow.state == FlowState::kFree) continue;
      if (expired(flow, now_ns)) {
        victim = i;
        victim_expired = true;
        break;
      }
      // Seen at this very time: packets of the current burst may still refer to it.
      if (is_established(flow.state) || flow.last_seen_ns >= now_ns) continue;
      const uint64_t deadline = flow.last_seen_ns + timeouts_.for_state(flow.state);
      if (victim == kNone || deadline < victim_deadline) {
        victim = i;
        victim_deadline = deadline;
      }
    }
    if (victim == kNone) {
      ++counters_.refused;
      return kNone;
    }
    release(victim, victim_expired ? FlowEndReason::kTimeout : FlowEndReason::kEvicted, on_end);
  }
  const uint32_t index = free_head_;
  free_head_ = static_cast<uint32_t>(flows_[index].id);
  return index;
}

CreateResult FlowTable::create(const FlowTuple& original, const FlowTuple& reply, uint64_t now_ns,
                               FlowEndCallback on_end) {
  const uint32_t original_hash = tuple_hash(original);
  const bool same_keys = reply == original;  // a packet to itself: one key, always "original"
  const uint32_t reply_hash = same_keys ? original_hash : tuple_hash(reply);
  // A live flow holding either tuple wins; an expired one is cleared out of the way.
  if (finish_lookup(find(original, original_hash), now_ns, on_end).flow != nullptr ||
      (!same_keys && finish_lookup(find(reply, reply_hash), now_ns, on_end).flow != nullptr)) {
    ++counters_.duplicate;
    return {nullptr, CreateError::kDuplicate};
  }
  const uint32_t index = take_free_flow(now_ns, on_end);
  if (index == kNone) return {nullptr, CreateError::kTableFull};

  Flow& flow = flows_[index];
  flow = Flow{};
  flow.tuple[0] = original;
  flow.tuple[1] = reply;
  flow.state = first_state(original.protocol);
  flow.policy_rule = kNoPolicyRule;
  flow.first_seen_ns = flow.last_seen_ns = now_ns;
  id_sequence_ = (id_sequence_ + 1) & kFlowIdSequenceMask;
  if (id_sequence_ == 0) id_sequence_ = 1;
  flow.id = id_worker_ | id_sequence_;
  insert_key(original_hash, index << 1);
  if (!same_keys) insert_key(reply_hash, index << 1 | 1);
  ++counters_.created;
  ++counters_.size;
  return {&flow, CreateError::kNone};
}

unsigned FlowTable::expire(uint64_t now_ns, unsigned budget, FlowEndCallback on_end) {
  unsigned removed = 0;
  for (unsigned n = 0; n < budget && n < max_flows_; ++n) {
    const uint32_t i = expire_cursor_;
    expire_cursor_ = expire_cursor_ + 1 == max_flows_ ? 0 : expire_cursor_ + 1;
    if (flows_[i].state != FlowState::kFree && expired(flows_[i], now_ns)) {
      release(i, FlowEndReason::kTimeout, on_end);
      ++removed;
    }
  }
  return removed;
}

unsigned FlowTable::end_all(FlowEndCallback on_end) {
  unsigned ended = 0;
  for (uint32_t i = 0; i < max_flows_; ++i) {
    if (flows_[i].state == FlowState::kFree) continue;
    release(i, FlowEndReason::kShutdown, on_end);
    ++ended;
  }
  return ended;
}

}  // namespace torwart::dataplane::conntrack
