#pragma once
// Turns one policy rule into the flat tuples a packet classifier holds: the cartesian product of its zones,
// source and destination prefixes and service items, for one address family. Free of DPDK.
#include <cstdint>
#include <optional>
#include <vector>

#include "rules/config/config.hpp"

namespace torwart::policy {

// One classifier entry. nullopt means "any".
struct FlatMatch {
  std::optional<uint8_t> protocol;
  std::optional<uint8_t> from_zone;
  std::optional<uint8_t> to_zone;
  std::optional<config::IpPrefix> source;
  std::optional<config::IpPrefix> destination;
  uint16_t first_dst_port = 0;  // ICMP: type << 8 | code
  uint16_t last_dst_port = 0xffff;
};

// A rule with its zone names already turned into indices (empty: any zone).
struct ZonedRule {
  const config::PolicyRule* rule = nullptr;
  std::vector<uint8_t> from_zones;
  std::vector<uint8_t> to_zones;
};

// How many entries expand() would produce, without producing them: the size check must stay cheap for a
// rule that would expand into millions.
uint64_t expansion_size(const ZonedRule& rule, config::Family family);

// Entries for one family. A prefix or ICMP item of the other family never matches there and is left out;
// a rule whose source, destination or service has nothing of this family produces no entries at all.
std::vector<FlatMatch> expand(const ZonedRule& rule, config::Family family);

}  // namespace torwart::policy
