#pragma once
// Header-only signatures (ET's reputation lists: hundreds of rules naming thousands of hosts) selected by
// address: each signature is filed under the IPv4 ranges of its narrower side, so that a new flow direction
// costs two lookups instead of a check of every such signature. The lookup gives a superset; the detector
// verifies each candidate's whole header. Signatures wide on both sides (more than 2^24 addresses, `any`)
// are candidates always, and IPv6 packets get every signature. Built in the control path.
#include <cstdint>
#include <vector>

#include "dataplane/ids/compiled_signature.hpp"

namespace torwart::dataplane::ids {

class HeaderOnlyIndex {
 public:
  static HeaderOnlyIndex build(const std::vector<CompiledSignature>& signatures,
                               const std::vector<uint32_t>& header_only);

  // add(signature index) for every candidate of a packet from -> to; an index may come twice (a `<>` rule).
  template <typename Add>
  void candidates(const Endpoint& from, const Endpoint& to, Add&& add) const {
    if (!from.address.is_v4() || !to.address.is_v4()) {
      for (uint32_t index : all_) add(index);
      return;
    }
    for (uint32_t index : unindexed_) add(index);
    for (uint32_t index : lookup(by_source_, from.address.v4_host_order())) add(index);
    for (uint32_t index : lookup(by_destination_, to.address.v4_host_order())) add(index);
  }

  size_t indexed() const { return all_.size() - unindexed_.size(); }
  size_t intervals() const { return by_source_.starts.size() + by_destination_.starts.size(); }

 private:
  struct Intervals {
    std::vector<uint32_t> starts;  // elementary intervals, sorted: [starts[i], starts[i + 1])
    std::vector<uint32_t> first;   // their signatures: ids[first[i], first[i + 1])
    std::vector<uint32_t> ids;
  };
  static Intervals file(const std::vector<std::pair<AddressSet::Range<uint32_t>, uint32_t>>& entries);
  static std::span<const uint32_t> lookup(const Intervals& index, uint32_t address);

  std::vector<uint32_t> all_;
  std::vector<uint32_t> unindexed_;
  Intervals by_source_, by_destination_;
};

}  // namespace torwart::dataplane::ids
