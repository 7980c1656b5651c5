#pragma once
// One worker's NAT state: the endpoint-independent mappings (RFC 4787 REQ-1) from an internal (address,
// port or echo identifier, protocol) to a port on an external address, and the NAT record of each flow of the
// worker's flow table. Everything is allocated at construction; no allocation, lock or exception after that.
//
// Mappings: a pool with a free list and two open-addressing indexes (linear probing, backward-shift deletion,
// no tombstones) that store only mapping numbers: one by internal endpoint (to reuse a mapping for every
// remote, EIM), one by external endpoint (to translate replies back). A mapping lives while flows use it:
// each flow that uses it holds one reference, released when the flow table ends the flow.
//
// Ports: one bitmap of 65536 bits per external address and protocol. A worker allocates only from its own
// slice of the address's range (port_slice.hpp), scanning from a rotating cursor, a whole 64-port word at a
// time when the word is full, and skips ports that a forward uses. A full slice is counted per protocol
// (nat_port_exhausted).
#include <array>
#include <cstdint>
#include <vector>

#include "dataplane/nat/nat_rules.hpp"
#include "dataplane/nat/port_slice.hpp"

namespace torwart::dataplane::nat {

struct NatTableConfig {
  uint32_t max_mappings = 1024;
  uint32_t max_flows = 1024;  // the flow table's capacity: one record per flow slot
  unsigned workers = 1;       // how many workers share the port ranges (1 in replay)
};

struct NatCounters {
  uint64_t mappings_active = 0;  // a gauge
  uint64_t mappings_created = 0;
  std::array<uint64_t, kProtoClasses> ports_exhausted{};  // [ProtoClass]
  uint64_t mapping_table_full = 0;
  uint64_t packets_translated = 0;
  uint64_t icmp_errors_translated = 0;
};

struct Mapping {
  uint32_t internal = 0;  // network order
  uint32_t external = 0;
  uint16_t internal_port = 0;  // host order; ICMP: the echo identifier
  uint16_t external_port = 0;
  ProtoClass proto = ProtoClass::kTcp;
  uint32_t flows = 0;  // references; 0: free (then next_free links the free list)
  uint32_t next_free = 0;
};

namespace flow_nat {
inline constexpr uint8_t kSet = 1 << 0;          // the flow's first packet decided (also "no NAT")
inline constexpr uint8_t kSource = 1 << 1;       // originator's source translated through `mapping`
inline constexpr uint8_t kDestination = 1 << 2;  // a forward: the originator addressed public_address:port
}  // namespace flow_nat

// Per flow slot of the flow table; valid while kSet, cleared when the flow ends.
struct FlowNat {
  uint32_t mapping = 0;
  uint32_t public_address = 0;  // network order
  uint16_t public_port = 0;
  uint8_t flags = 0;
};

class NatTable {
 public:
  static constexpr uint32_t kNone = 0xffffffffu;
  static constexpr unsigned kMaxExternalAddresses = 16;

  NatTable(const NatTableConfig& config, unsigned worker_id);

  // The mapping of this internal endpoint on `external`; created with a port from this worker's slice of
  // `range` when there is none. Takes a reference for the caller's flow. kNone when the slice has no free
  // port or the pool is full (both counted).
  uint32_t acquire(ProtoClass proto, uint32_t internal, uint16_t internal_port, uint32_t external,
                   PortRange range, const NatRules& rules);
  // Drops one reference; the last frees the mapping and its port.
  void release(uint32_t mapping);
  // The mapping that owns external:port for `proto` on this worker, or kNone.
  uint32_t find_external(ProtoClass proto, uint32_t external, uint16_t port) const;
  const Mapping& mapping(uint32_t index) const { return mappings_[index]; }

  FlowNat& record(uint32_t flow_slot) { return records_[flow_slot]; }
  const FlowNat& record(uint32_t flow_slot) const { return records_[flow_slot]; }
  // The flow table's end callback: releases the flow's mapping and clears its record.
  void flow_ended(uint32_t flow_slot);

  PortRange slice(PortRange range) const { return slice_of(range, worker_id_, workers_); }
  unsigned worker_id() const { return worker_id_; }
  unsigned workers() const { return workers_; }
  NatCounters& counters() { return counters_; }
  const NatCounters& counters() const { return counters_; }

 private:
  struct AddressPorts {
    uint32_t address = 0;
    bool used = false;
    std::array<uint16_t, kProtoClasses>
        cursor{};  // offset into this worker's slice where the next scan starts
    std::array<std::array<uint64_t, 1024>, kProtoClasses> taken{};
  };

  AddressPorts* ports_of(uint32_t external, bool create);
  bool take_port(AddressPorts& ports, ProtoClass proto, PortRange range, const NatRules& rules,
                 uint16_t& port);

  uint32_t internal_hash(ProtoClass proto, uint32_t internal, uint16_t port, uint32_t external) const;
  uint32_t external_hash(ProtoClass proto, uint32_t external, uint16_t port) const;
  bool same_internal(const Mapping& m, ProtoClass proto, uint32_t internal, uint16_t port,
                     uint32_t external) const;
  uint32_t find_internal(ProtoClass proto, uint32_t internal, uint16_t port, uint32_t external) const;
  void index_insert(std::vector<uint32_t>& index, uint32_t hash, uint32_t mapping);
  void index_erase(std::vector<uint32_t>& index, uint32_t mapping, bool by_internal);
  uint32_t hash_of(const Mapping& m, bool by_internal) const;

  unsigned worker_id_;
  unsigned workers_;
  std::vector<Mapping> mappings_;
  uint32_t free_head_ = kNone;
  std::vector<uint32_t> by_internal_;  // power-of-two sized, kNone when empty
  std::vector<uint32_t> by_external_;
  uint32_t index_mask_ = 0;
  std::vector<AddressPorts> addresses_;
  std::vector<FlowNat> records_;
  NatCounters counters_;
};

}  // namespace torwart::dataplane::nat
