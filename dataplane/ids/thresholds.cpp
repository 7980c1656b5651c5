#include "dataplane/ids/thresholds.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

namespace torwart::dataplane::ids {

namespace {

constexpr uint64_t kNanosecondsPerSecond = 1'000'000'000;

std::optional<ThresholdSpec::Kind> kind_of(const signatures::Threshold& threshold, std::string& error) {
  using Kind = ThresholdSpec::Kind;
  if (threshold.keyword == "detection_filter") {
    if (!threshold.type.empty()) {
      error = "detection_filter takes no type (got '" + threshold.type + "')";
      return std::nullopt;
    }
    return Kind::detection_filter;
  }
  if (threshold.keyword != "threshold") {
    error = "'" + threshold.keyword + "' is neither threshold nor detection_filter";
    return std::nullopt;
  }
  if (threshold.type == "limit") return Kind::limit;
  if (threshold.type == "threshold") return Kind::threshold;
  if (threshold.type == "both") return Kind::both;
  error = "threshold type '" + threshold.type + "' is not one of limit, threshold, both";
  return std::nullopt;
}

std::optional<ThresholdSpec::Track> track_of(const signatures::Threshold& threshold, std::string& error) {
  using Track = ThresholdSpec::Track;
  if (threshold.track == "by_src") return Track::by_src;
  if (threshold.track == "by_dst") return Track::by_dst;
  if (threshold.track == "by_rule") return Track::by_rule;
  if (threshold.track == "by_both") return Track::by_both;
  if (threshold.track == "by_flow") return Track::by_flow;
  error = threshold.keyword + " track '" + threshold.track +
          "' is not one of by_src, by_dst, by_rule, by_both, by_flow";
  return std::nullopt;
}

uint64_t mix(uint64_t hash, uint64_t word) {
  hash ^= word;
  hash *= 0x9e3779b97f4a7c15ULL;
  return hash ^ (hash >> 29);
}

uint64_t words_mixed(uint64_t hash, const config::IpAddress& address) {
  uint64_t high = 0;
  uint64_t low = 0;
  std::memcpy(&high, address.bytes.data(), sizeof high);
  std::memcpy(&low, address.bytes.data() + sizeof high, sizeof low);
  return mix(mix(hash, high), low);
}

// Any fixed order will do for by_both's pair; family first, then the bytes.
bool address_before(const config::IpAddress& a, const config::IpAddress& b) {
  if (a.family != b.family) return a.family < b.family;
  return std::memcmp(a.bytes.data(), b.bytes.data(), a.bytes.size()) < 0;
}

uint64_t saturating_add(uint64_t a, uint64_t b) {
  return a > std::numeric_limits<uint64_t>::max() - b ? std::numeric_limits<uint64_t>::max() : a + b;
}

}  // namespace

std::optional<ThresholdSpec> threshold_spec_of(const signatures::Threshold& threshold, std::string& error) {
  const auto kind = kind_of(threshold, error);
  if (!kind) return std::nullopt;
  const auto track = track_of(threshold, error);
  if (!track) return std::nullopt;
  if (threshold.count == 0 || threshold.seconds == 0) {
    error = threshold.keyword + " needs a count and seconds of at least 1";
    return std::nullopt;
  }
  return ThresholdSpec{*kind, *track, threshold.count, threshold.seconds};
}

ThresholdTable::ThresholdTable(uint32_t capacity)
    : entries_(std::bit_ceil(std::max(capacity, kProbeLimit))),
      mask_(static_cast<uint32_t>(entries_.size() - 1)) {}

ThresholdTable::EntityKey ThresholdTable::entity_of(uint32_t signature_index, const ThresholdSpec& spec,
                                                    const ThresholdKey& key) {
  EntityKey entity;
  entity.signature_index = signature_index;
  entity.kind = spec.kind;
  entity.track = spec.track;
  switch (spec.track) {
    case ThresholdSpec::Track::by_src:
      entity.first = key.source;
      break;
    case ThresholdSpec::Track::by_dst:
      entity.first = key.destination;
      break;
    case ThresholdSpec::Track::by_both:  // either direction between the two addresses is the same pair
      entity.first = address_before(key.destination, key.source) ? key.destination : key.source;
      entity.second = address_before(key.destination, key.source) ? key.source : key.destination;
      break;
    case ThresholdSpec::Track::by_flow:
      entity.flow_id = key.flow_id;
      break;
    case ThresholdSpec::Track::by_rule:
      break;
  }
  return entity;
}

uint64_t ThresholdTable::hash_of(const EntityKey& key) {
  uint64_t hash = mix(0, key.flow_id);
  hash = mix(hash, uint64_t{key.signature_index} << 32 | uint64_t{static_cast<uint8_t>(key.kind)} << 24 |
                       uint64_t{static_cast<uint8_t>(key.track)} << 16 |
                       uint64_t{static_cast<uint8_t>(key.first.family)} << 8 |
                       uint64_t{static_cast<uint8_t>(key.second.family)});
  hash = words_mixed(hash, key.first);
  hash = words_mixed(hash, key.second);
  return hash;
}

bool ThresholdTable::decide(const ThresholdSpec& spec, Entry& entry) {
  switch (spec.kind) {
    case ThresholdSpec::Kind::limit:
      return entry.matches <= spec.count;
    case ThresholdSpec::Kind::threshold:
      if (entry.matches < spec.count) return false;
      entry.matches = 0;  // every count-th match of the window alerts
      return true;
    case ThresholdSpec::Kind::both:
      return entry.matches == spec.count;
    case ThresholdSpec::Kind::detection_filter:
      return entry.matches > spec.count;
  }
  return true;
}

bool ThresholdTable::allow(uint32_t signature_index, const ThresholdSpec& spec, const ThresholdKey& key,
                           uint64_t now_ns) {
  const EntityKey entity = entity_of(signature_index, spec, key);
  const uint64_t hash = hash_of(entity);
  Entry* found = nullptr;
  Entry* free_entry = nullptr;
  for (uint32_t probe = 0; probe < kProbeLimit; ++probe) {
    Entry& entry = entries_[(hash + probe) & mask_];
    if (entry.key == entity) {
      found = &entry;
      break;
    }
    if (free_entry == nullptr && entry.window_end_ns <= now_ns) free_entry = &entry;
  }
  if (found == nullptr && free_entry != nullptr) {
    found = free_entry;
    found->key = entity;
    found->window_end_ns = 0;  // whatever the entry held, its window is over for the new entity
  }
  if (found == nullptr) {
    ++counters_.table_full;
    ++counters_.allowed;
    return true;
  }
  if (found->window_end_ns <= now_ns) {
    found->window_end_ns = saturating_add(now_ns, uint64_t{spec.seconds} * kNanosecondsPerSecond);
    found->matches = 1;
  } else if (found->matches < std::numeric_limits<uint32_t>::max()) {
    ++found->matches;
  }
  const bool allowed = decide(spec, *found);
  ++(allowed ? counters_.allowed : counters_.suppressed);
  return allowed;
}

}  // namespace torwart::dataplane::ids
