#include "dataplane/ids/header_only_index.hpp"

#include <algorithm>

namespace torwart::dataplane::ids {
namespace {

constexpr uint64_t kWide = uint64_t{1} << 24;

using Entry = std::pair<AddressSet::Range<uint32_t>, uint32_t>;

// The side to file a signature under: the one that names fewer IPv4 addresses, if it is narrow at all.
const AddressSet* narrower(const HeaderMatcher& h) {
  const AddressSet* best = nullptr;
  uint64_t best_coverage = kWide;
  for (const AddressSet* side : {&h.source(), &h.destination()}) {
    if (side->any()) continue;
    const uint64_t coverage = side->ipv4_coverage();
    if (coverage <= best_coverage) {
      best = side;
      best_coverage = coverage;
    }
  }
  return best;
}

}  // namespace

HeaderOnlyIndex::Intervals HeaderOnlyIndex::file(const std::vector<Entry>& entries) {
  Intervals index;
  std::vector<uint64_t> bounds;
  for (const auto& [range, id] : entries) {
    bounds.push_back(range.low);
    bounds.push_back(uint64_t{range.high} + 1);
  }
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
  if (!bounds.empty() && bounds.back() > UINT32_MAX) bounds.pop_back();  // 2^32: the end of the space
  std::vector<std::vector<uint32_t>> members(bounds.size());
  for (const auto& [range, id] : entries) {
    auto at = std::lower_bound(bounds.begin(), bounds.end(), uint64_t{range.low});
    for (; at != bounds.end() && *at <= range.high; ++at)
      members[static_cast<size_t>(at - bounds.begin())].push_back(id);
  }
  for (size_t i = 0; i < bounds.size(); ++i) {
    index.starts.push_back(static_cast<uint32_t>(bounds[i]));
    index.first.push_back(static_cast<uint32_t>(index.ids.size()));
    index.ids.insert(index.ids.end(), members[i].begin(), members[i].end());
  }
  index.first.push_back(static_cast<uint32_t>(index.ids.size()));
  return index;
}

std::span<const uint32_t> HeaderOnlyIndex::lookup(const Intervals& index, uint32_t address) {
  auto it = std::upper_bound(index.starts.begin(), index.starts.end(), address);
  if (it == index.starts.begin()) return {};
  const size_t i = static_cast<size_t>(it - index.starts.begin()) - 1;
  return {index.ids.data() + index.first[i], index.first[i + 1] - index.first[i]};
}

HeaderOnlyIndex HeaderOnlyIndex::build(const std::vector<CompiledSignature>& signatures,
                                       const std::vector<uint32_t>& header_only) {
  HeaderOnlyIndex index;
  index.all_ = header_only;
  std::vector<Entry> by_source, by_destination;
  for (uint32_t id : header_only) {
    const HeaderMatcher& h = signatures[id].header;
    const AddressSet* side = narrower(h);
    if (side == nullptr) {
      index.unindexed_.push_back(id);
      continue;
    }
    // Forward, the filed side is matched by the sender (source side) or the receiver; `<>` both ways.
    const bool source_side = side == &h.source();
    for (const auto& range : side->ipv4_ranges()) {
      (source_side ? by_source : by_destination).push_back({range, id});
      if (h.both_ways()) (source_side ? by_destination : by_source).push_back({range, id});
    }
  }
  index.by_source_ = file(by_source);
  index.by_destination_ = file(by_destination);
  return index;
}

}  // namespace torwart::dataplane::ids
