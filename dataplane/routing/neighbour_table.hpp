#pragma once
// IP -> MAC for next hops, per (port, VLAN). Workers only read (lock-free rte_hash lookups and one atomic
// load); the control lcore is the only writer, so no worker ever waits for ARP or neighbour discovery.
#include <atomic>
#include <cstdint>
#include <cstring>
#include <vector>

#include <rte_ether.h>
#include <rte_hash.h>

#include "rules/config/ip_address.hpp"

namespace torwart::dataplane {

struct NeighbourKey {
  uint8_t address[16];
  uint16_t port;
  uint16_t vlan_id;
  uint8_t family;  // 4 or 6
  uint8_t pad[3];

  static NeighbourKey make(uint16_t port, uint16_t vlan_id, const config::IpAddress& address) {
    NeighbourKey key{};
    std::memcpy(key.address, address.bytes.data(), 16);
    key.port = port;
    key.vlan_id = vlan_id;
    key.family = static_cast<uint8_t>(address.family);
    return key;
  }
  static NeighbourKey make_v4(uint16_t port, uint16_t vlan_id, uint32_t address_host_order) {
    NeighbourKey key{};
    key.address[0] = static_cast<uint8_t>(address_host_order >> 24);
    key.address[1] = static_cast<uint8_t>(address_host_order >> 16);
    key.address[2] = static_cast<uint8_t>(address_host_order >> 8);
    key.address[3] = static_cast<uint8_t>(address_host_order);
    key.port = port;
    key.vlan_id = vlan_id;
    key.family = 4;
    return key;
  }
  static NeighbourKey make_v6(uint16_t port, uint16_t vlan_id, const uint8_t* address) {
    NeighbourKey key{};
    std::memcpy(key.address, address, 16);
    key.port = port;
    key.vlan_id = vlan_id;
    key.family = 6;
    return key;
  }
  config::IpAddress ip() const {
    config::IpAddress a;
    a.family = family == 4 ? config::Family::kIpv4 : config::Family::kIpv6;
    std::memcpy(a.bytes.data(), address, 16);
    return a;
  }
};
static_assert(sizeof(NeighbourKey) == 24);

// Reachability as Linux keeps it (NUD): a learned neighbour is reachable for a while after it was last
// confirmed (an ARP reply or request, a neighbour advertisement or solicitation from it), then stale; a stale
// neighbour that is still used is probed by unicast and forgotten when it does not answer.
enum class NeighbourState : uint8_t { kIncomplete, kReachable, kStale, kProbe };

class NeighbourTable {
 public:
  struct Entry {
    // MAC in the low 48 bits; kValid once resolved, kStale while unconfirmed. What workers read.
    std::atomic<uint64_t> resolved{0};
    // Raised by a worker that uses a stale entry (one relaxed store while it is clear), so that only
    // neighbours still in use are probed; the slow path lowers it.
    mutable std::atomic<bool> wanted{false};
    // Writer-only bookkeeping.
    NeighbourKey key{};
    bool is_static = false;
    NeighbourState state = NeighbourState::kIncomplete;
    uint8_t probes = 0;
    uint64_t updated_ns = 0;  // last confirmation
    uint64_t probed_ns = 0;   // last unicast probe
  };
  static constexpr uint64_t kValid = 1ull << 48;
  static constexpr uint64_t kStale = 1ull << 49;

  explicit NeighbourTable(uint32_t capacity);
  ~NeighbourTable();
  NeighbourTable(const NeighbourTable&) = delete;
  NeighbourTable& operator=(const NeighbourTable&) = delete;

  // Any lcore.
  bool lookup(const NeighbourKey& key, rte_ether_addr* mac) const {
    void* data = nullptr;
    if (rte_hash_lookup_data(hash_, &key, &data) < 0) return false;
    const uint64_t packed =
        entries_[reinterpret_cast<uintptr_t>(data)].resolved.load(std::memory_order_acquire);
    if ((packed & kValid) == 0) return false;
    const Entry& entry = entries_[reinterpret_cast<uintptr_t>(data)];
    if ((packed & kStale) != 0 && !entry.wanted.load(std::memory_order_relaxed))
      entry.wanted.store(true, std::memory_order_relaxed);
    for (int i = 0; i < 6; ++i) mac->addr_bytes[i] = static_cast<uint8_t>(packed >> (8 * i));
    return true;
  }

  // Control lcore only. Returns nullptr when the table is full.
  Entry* find(const NeighbourKey& key);
  Entry* find_or_create(const NeighbourKey& key);
  // Confirmed: reachable (again), with this MAC.
  void resolve(Entry& entry, const rte_ether_addr& mac, uint64_t now_ns, bool is_static);
  // Unconfirmed for too long: still used with its MAC, probed once a worker uses it.
  void mark_stale(Entry& entry);
  // Probes went unanswered: workers see it unresolved and the slow path asks by broadcast again.
  void forget(Entry& entry);
  // Drops every static entry (a new snapshot brings its own); learned entries stay.
  void clear_static();
  uint32_t size() const { return used_; }
  uint32_t capacity() const { return static_cast<uint32_t>(entries_.size()); }
  template <typename Fn>
  void for_each(Fn&& fn) const {
    for (uint32_t i = 0; i < used_; ++i) fn(entries_[i]);
  }
  template <typename Fn>
  void for_each(Fn&& fn) {
    for (uint32_t i = 0; i < used_; ++i) fn(entries_[i]);
  }

 private:
  rte_hash* hash_ = nullptr;
  std::vector<Entry> entries_;
  uint32_t used_ = 0;
};

}  // namespace torwart::dataplane
