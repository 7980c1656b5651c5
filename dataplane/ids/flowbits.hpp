#pragma once
// Suricata's flowbits: named boolean marks a signature sets on a flow and later signatures test, on any
// later packet of that flow in either direction.
//
// The state is per worker: one FlowbitTable per worker lcore, never shared. A flow lives on one worker
// (flows are spread over workers by flow hash), so a flow's bits are exact.
//
// Names are compiled to small ids when the rule set is built (FlowbitNames, control path); the fast path
// deals in ids only. A flow holds at most kFlowbitsPerFlow ids at once: the bits live in a fixed record per
// flow-table slot so that nothing is allocated after construction. A set that would need more is refused
// and counted (counters().full); the signature's other effects are the caller's.
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace torwart::dataplane::ids {

// Distinct flowbit names of one rule set, numbered from 0 in the order first seen. Control path.
class FlowbitNames {
 public:
  // The id of `name`, assigning the next one for a new name. Throws std::length_error past 65536 names
  // (ids are 16 bits), std::bad_alloc when memory runs out.
  uint16_t id_of(std::string_view name);
  std::optional<uint16_t> find(std::string_view name) const;
  size_t size() const { return ids_.size(); }

 private:
  std::map<std::string, uint16_t, std::less<>> ids_;
};

// 7 ids + their count + the owner's flow id make 24 bytes per slot, paid for every slot of the flow table
// whether the flow carries bits or not. A rule set whose flows need more shows in counters().full.
inline constexpr size_t kFlowbitsPerFlow = 7;

struct FlowbitCounters {
  uint64_t full = 0;  // sets refused because the flow already held kFlowbitsPerFlow bits
};

class FlowbitTable {
 public:
  // One record per slot of the worker's flow table, all allocated here. Throws std::bad_alloc.
  explicit FlowbitTable(uint32_t flow_slots);

  // `slot` < flow_slots (the caller's flow-table index); `flow_id` tells the flow now in the slot from an
  // earlier one: a record owned by another flow id reads as empty and is reset on the first write.
  bool isset(uint32_t slot, uint64_t flow_id, uint16_t bit) const;
  // isset a|b: any of `bits` set (false for none given); isset a&b: all of them (true for none given).
  bool any_set(uint32_t slot, uint64_t flow_id, std::span<const uint16_t> bits) const;
  bool all_set(uint32_t slot, uint64_t flow_id, std::span<const uint16_t> bits) const;

  void set(uint32_t slot, uint64_t flow_id, uint16_t bit);  // refused and counted when the flow is full
  void unset(uint32_t slot, uint64_t flow_id, uint16_t bit);
  void toggle(uint32_t slot, uint64_t flow_id, uint16_t bit);  // setting by toggle may be refused as set
  void clear(uint32_t slot);                                   // the flow in `slot` ended

  // How many bits the flow in `slot` holds (0 for another flow id).
  size_t count(uint32_t slot, uint64_t flow_id) const;
  uint32_t flow_slots() const { return static_cast<uint32_t>(records_.size()); }
  const FlowbitCounters& counters() const { return counters_; }

 private:
  struct Record {
    uint64_t flow_id = 0;
    std::array<uint16_t, kFlowbitsPerFlow> bits{};  // the first `count` are set, in no order
    uint16_t count = 0;
  };
  static_assert(sizeof(Record) == 24);

  const Record* owned(uint32_t slot, uint64_t flow_id) const;
  Record& owned_for_write(uint32_t slot, uint64_t flow_id);
  static int position_of(const Record& record, uint16_t bit);
  void add(Record& record, uint16_t bit);
  static void remove_at(Record& record, int position);

  std::vector<Record> records_;
  FlowbitCounters counters_;
};

}  // namespace torwart::dataplane::ids
