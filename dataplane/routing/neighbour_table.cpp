#include "dataplane/routing/neighbour_table.hpp"

#include <atomic>
#include <stdexcept>
#include <string>

#include <rte_errno.h>
#include <rte_hash_crc.h>

namespace torwart::dataplane {

NeighbourTable::NeighbourTable(uint32_t capacity) : entries_(capacity) {
  static std::atomic<unsigned> counter{0};
  const std::string name = "neigh_" + std::to_string(counter.fetch_add(1));
  rte_hash_parameters params{};
  params.name = name.c_str();
  params.entries = capacity < 8 ? 8 : capacity;
  params.key_len = sizeof(NeighbourKey);
  params.hash_func = rte_hash_crc;
  params.socket_id = SOCKET_ID_ANY;
  // Entries are never deleted (only re-resolved), so lock-free readers need no RCU on this table.
  params.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF;
  hash_ = rte_hash_create(&params);
  if (hash_ == nullptr)
    throw std::runtime_error("cannot create the neighbour table: " + std::string(rte_strerror(rte_errno)));
}

NeighbourTable::~NeighbourTable() {
  rte_hash_free(hash_);
}

NeighbourTable::Entry* NeighbourTable::find(const NeighbourKey& key) {
  void* data = nullptr;
  if (rte_hash_lookup_data(hash_, &key, &data) < 0) return nullptr;
  return &entries_[reinterpret_cast<uintptr_t>(data)];
}

NeighbourTable::Entry* NeighbourTable::find_or_create(const NeighbourKey& key) {
  if (Entry* existing = find(key)) return existing;
  if (used_ == entries_.size()) return nullptr;
  Entry& entry = entries_[used_];
  entry.key = key;
  entry.resolved.store(0, std::memory_order_relaxed);
  if (rte_hash_add_key_data(hash_, &key, reinterpret_cast<void*>(static_cast<uintptr_t>(used_))) < 0)
    return nullptr;
  ++used_;
  return &entry;
}

void NeighbourTable::resolve(Entry& entry, const rte_ether_addr& mac, uint64_t now_ns, bool is_static) {
  if (entry.is_static && !is_static) return;  // a configured neighbour is never overridden by the wire
  uint64_t packed = kValid;
  for (int i = 0; i < 6; ++i) packed |= uint64_t{mac.addr_bytes[i]} << (8 * i);
  entry.resolved.store(packed, std::memory_order_release);
  entry.wanted.store(false, std::memory_order_relaxed);
  entry.is_static = is_static;
  entry.state = NeighbourState::kReachable;
  entry.probes = 0;
  entry.updated_ns = now_ns;
}

void NeighbourTable::mark_stale(Entry& entry) {
  entry.wanted.store(false, std::memory_order_relaxed);
  entry.resolved.fetch_or(kStale, std::memory_order_release);
  entry.state = NeighbourState::kStale;
}

void NeighbourTable::forget(Entry& entry) {
  entry.resolved.store(0, std::memory_order_release);
  entry.wanted.store(false, std::memory_order_relaxed);
  entry.state = NeighbourState::kIncomplete;
  entry.probes = 0;
}

void NeighbourTable::clear_static() {
  for (uint32_t i = 0; i < used_; ++i) {
    if (entries_[i].is_static) {
      entries_[i].is_static = false;
      entries_[i].resolved.store(0, std::memory_order_release);
      entries_[i].state = NeighbourState::kIncomplete;
    }
  }
}

}  // namespace torwart::dataplane
