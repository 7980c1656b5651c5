#include "dataplane/nat/nat_table.hpp"

#include <nmmintrin.h>

#include <algorithm>
#include <bit>

namespace torwart::dataplane::nat {
namespace {

uint32_t finish_hash(uint32_t crc) {
  return static_cast<uint32_t>((static_cast<uint64_t>(crc) * 0x9e3779b97f4a7c15ull) >> 32);
}

}  // namespace

NatTable::NatTable(const NatTableConfig& config, unsigned worker_id)
    : worker_id_(worker_id),
      workers_(std::max(config.workers, 1u)),
      mappings_(std::max<uint32_t>(config.max_mappings, 1)),
      addresses_(kMaxExternalAddresses),
      records_(std::max<uint32_t>(config.max_flows, 1)) {
  // At most half full: short probe sequences.
  const uint32_t slots = std::bit_ceil(static_cast<uint32_t>(mappings_.size()) * 2);
  by_internal_.assign(slots, kNone);
  by_external_.assign(slots, kNone);
  index_mask_ = slots - 1;
  for (uint32_t i = static_cast<uint32_t>(mappings_.size()); i-- > 0;) {
    mappings_[i].next_free = free_head_;
    free_head_ = i;
  }
}

uint32_t NatTable::internal_hash(ProtoClass proto, uint32_t internal, uint16_t port,
                                 uint32_t external) const {
  uint32_t crc = _mm_crc32_u32(0x4e415431u, internal);
  crc = _mm_crc32_u32(crc, external);
  crc = _mm_crc32_u32(crc, static_cast<uint32_t>(port) << 8 | static_cast<uint32_t>(proto));
  return finish_hash(crc);
}

uint32_t NatTable::external_hash(ProtoClass proto, uint32_t external, uint16_t port) const {
  uint32_t crc = _mm_crc32_u32(0x4e415432u, external);
  crc = _mm_crc32_u32(crc, static_cast<uint32_t>(port) << 8 | static_cast<uint32_t>(proto));
  return finish_hash(crc);
}

uint32_t NatTable::hash_of(const Mapping& m, bool by_internal) const {
  return by_internal ? internal_hash(m.proto, m.internal, m.internal_port, m.external)
                     : external_hash(m.proto, m.external, m.external_port);
}

bool NatTable::same_internal(const Mapping& m, ProtoClass proto, uint32_t internal, uint16_t port,
                             uint32_t external) const {
  return m.proto == proto && m.internal == internal && m.internal_port == port && m.external == external;
}

uint32_t NatTable::find_internal(ProtoClass proto, uint32_t internal, uint16_t port,
                                 uint32_t external) const {
  for (uint32_t slot = internal_hash(proto, internal, port, external) & index_mask_;;
       slot = (slot + 1) & index_mask_) {
    const uint32_t index = by_internal_[slot];
    if (index == kNone) return kNone;
    if (same_internal(mappings_[index], proto, internal, port, external)) return index;
  }
}

uint32_t NatTable::find_external(ProtoClass proto, uint32_t external, uint16_t port) const {
  for (uint32_t slot = external_hash(proto, external, port) & index_mask_;; slot = (slot + 1) & index_mask_) {
    const uint32_t index = by_external_[slot];
    if (index == kNone) return kNone;
    const Mapping& m = mappings_[index];
    if (m.proto == proto && m.external == external && m.external_port == port) return index;
  }
}

void NatTable::index_insert(std::vector<uint32_t>& index, uint32_t hash, uint32_t mapping) {
  // Terminates: the index has twice as many slots as there are mappings.
  uint32_t slot = hash & index_mask_;
  while (index[slot] != kNone) slot = (slot + 1) & index_mask_;
  index[slot] = mapping;
}

// Backward-shift deletion: entries after the hole that may live there (their home is not between the hole and
// themselves) move up, so that every probe sequence stays unbroken without tombstones.
void NatTable::index_erase(std::vector<uint32_t>& index, uint32_t mapping, bool by_internal) {
  uint32_t hole = hash_of(mappings_[mapping], by_internal) & index_mask_;
  while (index[hole] != mapping) hole = (hole + 1) & index_mask_;
  for (uint32_t next = (hole + 1) & index_mask_;; next = (next + 1) & index_mask_) {
    const uint32_t entry = index[next];
    if (entry == kNone) break;
    const uint32_t home = hash_of(mappings_[entry], by_internal) & index_mask_;
    // May `entry` move to `hole`? Only if its home is not in the cyclic interval (hole, next].
    const bool home_after_hole = ((next - home) & index_mask_) < ((next - hole) & index_mask_);
    if (home_after_hole) continue;
    index[hole] = entry;
    hole = next;
  }
  index[hole] = kNone;
}

NatTable::AddressPorts* NatTable::ports_of(uint32_t external, bool create) {
  AddressPorts* free_slot = nullptr;
  for (auto& a : addresses_) {
    if (a.used && a.address == external) return &a;
    if (!a.used && free_slot == nullptr) free_slot = &a;
  }
  if (!create || free_slot == nullptr) return nullptr;
  free_slot->used = true;
  free_slot->address = external;
  return free_slot;
}

bool NatTable::take_port(AddressPorts& ports, ProtoClass proto, PortRange range, const NatRules& rules,
                         uint16_t& port) {
  // A context outside the worker set (the control lcore's) owns no slice.
  if (worker_id_ >= workers_) return false;
  const PortRange mine = slice(range);
  if (mine.first > mine.last) return false;
  const uint32_t n = mine.size();
  auto& taken = ports.taken[static_cast<unsigned>(proto)];
  uint32_t offset = ports.cursor[static_cast<unsigned>(proto)] % n;
  uint8_t ip_proto = proto == ProtoClass::kTcp ? config::kProtoTcp : config::kProtoUdp;
  for (uint32_t tried = 0; tried < n;) {
    const uint32_t candidate = mine.first + offset;
    const uint64_t word = taken[candidate >> 6];
    if (word == ~0ull) {  // 64 taken ports at once
      const uint32_t step = 64 - (candidate & 63);
      tried += step;
      offset = (offset + step) % n;
      continue;
    }
    const bool forwarded =
        proto != ProtoClass::kIcmp &&
        rules.forward_to(ports.address, ip_proto, static_cast<uint16_t>(candidate)) != nullptr;
    if ((word & (1ull << (candidate & 63))) == 0 && !forwarded) {
      taken[candidate >> 6] = word | (1ull << (candidate & 63));
      ports.cursor[static_cast<unsigned>(proto)] = static_cast<uint16_t>((offset + 1) % n);
      port = static_cast<uint16_t>(candidate);
      return true;
    }
    ++tried;
    offset = offset + 1 == n ? 0 : offset + 1;
  }
  return false;
}

uint32_t NatTable::acquire(ProtoClass proto, uint32_t internal, uint16_t internal_port, uint32_t external,
                           PortRange range, const NatRules& rules) {
  const uint32_t found = find_internal(proto, internal, internal_port, external);
  if (found != kNone) {  // endpoint-independent: the same external port for every remote
    ++mappings_[found].flows;
    return found;
  }
  AddressPorts* ports = ports_of(external, true);
  if (free_head_ == kNone || ports == nullptr) {
    ++counters_.mapping_table_full;
    return kNone;
  }
  uint16_t port = 0;
  if (!take_port(*ports, proto, range, rules, port)) {
    ++counters_.ports_exhausted[static_cast<unsigned>(proto)];
    return kNone;
  }
  const uint32_t index = free_head_;
  Mapping& m = mappings_[index];
  free_head_ = m.next_free;
  m = Mapping{internal, external, internal_port, port, proto, 1, kNone};
  index_insert(by_internal_, internal_hash(proto, internal, internal_port, external), index);
  index_insert(by_external_, external_hash(proto, external, port), index);
  ++counters_.mappings_created;
  ++counters_.mappings_active;
  return index;
}

void NatTable::release(uint32_t index) {
  Mapping& m = mappings_[index];
  if (m.flows == 0 || --m.flows > 0) return;
  index_erase(by_internal_, index, true);
  index_erase(by_external_, index, false);
  if (AddressPorts* ports = ports_of(m.external, false)) {
    ports->taken[static_cast<unsigned>(m.proto)][m.external_port >> 6] &= ~(1ull << (m.external_port & 63));
  }
  m.next_free = free_head_;
  free_head_ = index;
  --counters_.mappings_active;
}

void NatTable::flow_ended(uint32_t flow_slot) {
  if (flow_slot >= records_.size()) return;
  FlowNat& record = records_[flow_slot];
  if (record.flags & flow_nat::kSource) release(record.mapping);
  record = FlowNat{};
}

}  // namespace torwart::dataplane::nat
