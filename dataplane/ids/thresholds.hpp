#pragma once
// Suricata's threshold and detection_filter keywords: how often a matching signature alerts (and, for
// detection_filter, whether it matches at all), counted per tracked entity in windows of `seconds`.
//
// The state is per worker: one ThresholdTable per worker lcore, never shared. Flows are spread over workers
// by flow hash, so a source's (by_src), a destination's (by_dst), an address pair's (by_both) and a rule's
// (by_rule) matches are counted per worker: across N workers a limit of C can alert up to N * C times and
// a threshold of C may need more than C matches in all. by_flow is exact (a flow lives on one worker).
//
// Semantics (Suricata user guide, rules/thresholding.rst, "Thresholding Keywords"):
//   limit            alerts on the first `count` matches of a window, not on later ones;
//   threshold        alerts on the count-th match of a window, then counts again from zero in that window;
//   both             alerts once per window, on the count-th match;
//   detection_filter "alert on every match after an initial threshold has been reached"; the 8.0 guide's
//                    "IMPORTANT NOTES" make the boundary explicit: neither action nor alert apply "at" the
//                    count limit, the action is "applied on every match after Cth". So matches 1..count of
//                    a window do not match, count+1 and every later one in the window do.
// A window opens at the first match of an entity and covers [first, first + seconds); a match exactly
// `seconds` after the first opens the next window and counts as its first match. by_both tracks the
// address pair without regard to direction, as Suricata's global-thresholds page says.
//
// The table has a fixed capacity with bounded probing and allocates nothing after construction. An entity
// whose window is over frees its entry for any other. When no entry can be had (all probed entries hold
// live windows of other entities) allow() returns true for every kind and counts table_full (for threshold
// and both: every match alerts while the table is full): losing the
// state must not hide an attack (an attacker could otherwise fill the table with spoofed sources to silence
// a limit or a detection_filter), and an alert too many is visible where a missed one is not; the counter
// says when the table is too small.
//
// Time is the caller's (now_ns: packet capture time, also in replays); nothing here reads a clock.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rules/config/ip_address.hpp"
#include "rules/signatures/signature.hpp"

namespace torwart::dataplane::ids {

struct ThresholdSpec {
  enum class Kind : uint8_t { limit, threshold, both, detection_filter };
  enum class Track : uint8_t { by_src, by_dst, by_rule, by_both, by_flow };
  Kind kind = Kind::limit;
  Track track = Track::by_src;
  uint32_t count = 1;    // >= 1
  uint32_t seconds = 1;  // >= 1
};

// The parser's text form to the spec; on an unknown keyword, type or track, or a zero count or seconds,
// nullopt and a sentence in `error`. Control path.
std::optional<ThresholdSpec> threshold_spec_of(const signatures::Threshold& threshold, std::string& error);

// What a match is tracked by; allow() uses only the fields the spec's track names.
struct ThresholdKey {
  config::IpAddress source, destination;
  uint64_t flow_id = 0;
};

struct ThresholdCounters {
  uint64_t allowed = 0;     // allow() returned true (table_full included)
  uint64_t suppressed = 0;  // allow() returned false
  uint64_t table_full = 0;  // no entry to be had: allowed without state
};

class ThresholdTable {
 public:
  // Entries for `capacity` entities (rounded up to a power of two, at least kProbeLimit), all allocated
  // here. Throws std::bad_alloc.
  explicit ThresholdTable(uint32_t capacity);

  // One match of signature `signature_index` (the engine's index, so two signatures never share an entry)
  // at `now_ns`: true if it alerts (for detection_filter: if the signature matches at all). Nondecreasing
  // now_ns per worker is assumed; a time before an entry's window start counts as inside the window.
  bool allow(uint32_t signature_index, const ThresholdSpec& spec, const ThresholdKey& key, uint64_t now_ns);

  // Entries probed for one entity: bounds the work per match.
  static constexpr uint32_t kProbeLimit = 8;

  uint32_t capacity() const { return static_cast<uint32_t>(entries_.size()); }
  const ThresholdCounters& counters() const { return counters_; }

 private:
  // The tracked identity, normalised: unused fields zero, by_both's pair in address order.
  struct EntityKey {
    uint64_t flow_id = 0;
    uint32_t signature_index = 0;
    config::IpAddress first, second;
    ThresholdSpec::Kind kind = ThresholdSpec::Kind::limit;
    ThresholdSpec::Track track = ThresholdSpec::Track::by_src;
    bool operator==(const EntityKey&) const = default;
  };
  struct Entry {
    EntityKey key;
    uint64_t window_end_ns = 0;  // 0: never used; an entry with window_end_ns <= now is free for any entity
    uint32_t matches = 0;        // in the current window (type threshold restarts it), saturating
  };
  static_assert(sizeof(Entry) == 64, "one cache line per entry");

  static EntityKey entity_of(uint32_t signature_index, const ThresholdSpec& spec, const ThresholdKey& key);
  static uint64_t hash_of(const EntityKey& key);
  static bool decide(const ThresholdSpec& spec, Entry& entry);

  std::vector<Entry> entries_;
  uint32_t mask_;
  ThresholdCounters counters_;
};

}  // namespace torwart::dataplane::ids
