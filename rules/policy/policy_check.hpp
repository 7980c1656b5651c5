#pragma once
// What the policy compiler refuses before it builds a classifier (rule count, zone indices, entries per
// rule), free of DPDK: shared by CompiledPolicy::compile, `torwart check` and torwartd's validation.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/config/config.hpp"
#include "rules/policy/expand.hpp"

namespace torwart::policy {

// Maps a zone name to the index the dataplane puts into PolicyQuery::from_zone/to_zone (Snapshot::zones()).
using ZoneIndexLookup = std::function<std::optional<unsigned>(std::string_view zone_name)>;

// The index of each zone in config.zones: how dataplane::Snapshot numbers them.
ZoneIndexLookup zones_in_config_order(const config::Config& config);

// One policy rule's expansion into ACL entries is capped: a group product this large is almost always an
// accident, and it would slow every rebuild.
inline constexpr uint64_t kMaxEntriesPerRule = 4096;
// rte_acl orders rules by priority up to RTE_ACL_MAX_PRIORITY (2^29 - 1); compiled_policy.cpp asserts it.
inline constexpr size_t kMaxPolicyRules = (size_t{1} << 29) - 1;

struct CompileError {
  std::string rule;  // the policy rule's name; empty when the error concerns the whole policy
  std::string reason;
  std::string to_string() const;  // "policy rule 'NAME': REASON"
};

// The rules with zone indices resolved; what cannot be resolved or is too large is appended to `errors`.
std::vector<ZonedRule> zone_rules(const config::Config& config, const ZoneIndexLookup& zone_index,
                                  std::vector<CompileError>& errors);

// Every error zone_rules() finds. Empty: compile() will only fail where rte_acl itself runs out of memory.
std::vector<CompileError> check_policy(const config::Config& config, const ZoneIndexLookup& zone_index);

}  // namespace torwart::policy
