#include "dataplane/ids/flowbits.hpp"

#include <cassert>
#include <limits>
#include <stdexcept>

namespace torwart::dataplane::ids {

uint16_t FlowbitNames::id_of(std::string_view name) {
  if (const auto known = find(name)) return *known;
  if (ids_.size() > std::numeric_limits<uint16_t>::max()) {
    throw std::length_error("more than 65536 flowbit names");
  }
  const auto id = static_cast<uint16_t>(ids_.size());
  ids_.emplace(std::string(name), id);
  return id;
}

std::optional<uint16_t> FlowbitNames::find(std::string_view name) const {
  const auto found = ids_.find(name);
  if (found == ids_.end()) return std::nullopt;
  return found->second;
}

FlowbitTable::FlowbitTable(uint32_t flow_slots) : records_(flow_slots) {}

const FlowbitTable::Record* FlowbitTable::owned(uint32_t slot, uint64_t flow_id) const {
  assert(slot < records_.size());
  const Record& record = records_[slot];
  return record.flow_id == flow_id ? &record : nullptr;
}

FlowbitTable::Record& FlowbitTable::owned_for_write(uint32_t slot, uint64_t flow_id) {
  assert(slot < records_.size());
  Record& record = records_[slot];
  if (record.flow_id != flow_id) {  // the slot's earlier flow ended without clear(): its bits are not ours
    record.flow_id = flow_id;
    record.count = 0;
  }
  return record;
}

int FlowbitTable::position_of(const Record& record, uint16_t bit) {
  for (int i = 0; i < record.count; ++i) {
    if (record.bits[static_cast<size_t>(i)] == bit) return i;
  }
  return -1;
}

void FlowbitTable::add(Record& record, uint16_t bit) {
  if (record.count == kFlowbitsPerFlow) {
    ++counters_.full;
    return;
  }
  record.bits[record.count++] = bit;
}

void FlowbitTable::remove_at(Record& record, int position) {
  // Order does not matter: the last bit fills the hole.
  record.bits[static_cast<size_t>(position)] = record.bits[--record.count];
}

bool FlowbitTable::isset(uint32_t slot, uint64_t flow_id, uint16_t bit) const {
  const Record* record = owned(slot, flow_id);
  return record != nullptr && position_of(*record, bit) >= 0;
}

bool FlowbitTable::any_set(uint32_t slot, uint64_t flow_id, std::span<const uint16_t> bits) const {
  const Record* record = owned(slot, flow_id);
  if (record == nullptr) return false;
  for (const uint16_t bit : bits) {
    if (position_of(*record, bit) >= 0) return true;
  }
  return false;
}

bool FlowbitTable::all_set(uint32_t slot, uint64_t flow_id, std::span<const uint16_t> bits) const {
  const Record* record = owned(slot, flow_id);
  if (record == nullptr) return bits.empty();
  for (const uint16_t bit : bits) {
    if (position_of(*record, bit) < 0) return false;
  }
  return true;
}

void FlowbitTable::set(uint32_t slot, uint64_t flow_id, uint16_t bit) {
  Record& record = owned_for_write(slot, flow_id);
  if (position_of(record, bit) < 0) add(record, bit);
}

void FlowbitTable::unset(uint32_t slot, uint64_t flow_id, uint16_t bit) {
  Record& record = owned_for_write(slot, flow_id);
  const int position = position_of(record, bit);
  if (position >= 0) remove_at(record, position);
}

void FlowbitTable::toggle(uint32_t slot, uint64_t flow_id, uint16_t bit) {
  Record& record = owned_for_write(slot, flow_id);
  const int position = position_of(record, bit);
  if (position >= 0) {
    remove_at(record, position);
  } else {
    add(record, bit);
  }
}

void FlowbitTable::clear(uint32_t slot) {
  assert(slot < records_.size());
  records_[slot].count = 0;
}

size_t FlowbitTable::count(uint32_t slot, uint64_t flow_id) const {
  const Record* record = owned(slot, flow_id);
  return record == nullptr ? 0 : record->count;
}

}  // namespace torwart::dataplane::ids
