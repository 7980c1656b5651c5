#include "rules/policy/compiled_policy.hpp"

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_memory.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>

#include "rules/policy/acl_layout.hpp"
#include "rules/policy/expand.hpp"
#include "rules/policy/policy_check.hpp"

namespace torwart::policy {
namespace {

constexpr std::string_view kDefaultName = "default";
// ACL rule priorities: higher wins. Rule 0 gets the highest so that the first match wins.
constexpr int32_t kTopPriority = RTE_ACL_MAX_PRIORITY;
static_assert(kMaxPolicyRules == static_cast<size_t>(kTopPriority), "policy_check.hpp must match rte_acl");
// Userdata 0 means "no match" to rte_acl, so rule i is stored as i + 1.
constexpr uint32_t userdata_of(size_t rule_index) {
  return static_cast<uint32_t>(rule_index + 1);
}
// Queries are packed into ACL keys on the stack in chunks of this many.
constexpr unsigned kChunk = 64;

std::atomic<uint64_t> g_context_counter{0};

uint32_t word_at(const std::array<uint8_t, 16>& bytes, unsigned word) {
  uint32_t be;
  std::memcpy(&be, bytes.data() + size_t{4} * word, 4);
  return rte_be_to_cpu_32(be);
}

// The share of a prefix length that falls into 32-bit word `word` of the address.
uint32_t word_length(unsigned length, unsigned word) {
  const int rest = static_cast<int>(length) - static_cast<int>(32 * word);
  return static_cast<uint32_t>(std::clamp(rest, 0, 32));
}

template <typename Rule>
void fill_common(Rule& rule, const FlatMatch& m, int32_t priority, uint32_t userdata) {
  rule.data.category_mask = 1;
  rule.data.priority = priority;
  rule.data.userdata = userdata;
  rule.field[acl::kProto].value.u8 = m.protocol.value_or(0);
  rule.field[acl::kProto].mask_range.u8 = m.protocol ? 0xff : 0;
  // A rule without from/to matches every declared zone (high bit clear), never the box itself.
  rule.field[acl::kFromZone].value.u8 = m.from_zone.value_or(0);
  rule.field[acl::kFromZone].mask_range.u8 = m.from_zone ? 0xff : config::kLocalZoneIndex;
  rule.field[acl::kToZone].value.u8 = m.to_zone.value_or(0);
  rule.field[acl::kToZone].mask_range.u8 = m.to_zone ? 0xff : config::kLocalZoneIndex;
  rule.field[acl::kPadding].value.u16 = 0;
  rule.field[acl::kPadding].mask_range.u16 = 0;
}

template <typename Rule>
void fill_address(Rule& rule, unsigned first_field, unsigned words,
                  const std::optional<config::IpPrefix>& p) {
  for (unsigned w = 0; w < words; ++w) {
    auto& field = rule.field[first_field + w];
    field.value.u32 = p ? word_at(p->address.bytes, w) : 0;
    field.mask_range.u32 = p ? word_length(p->length, w) : 0;
  }
}

template <typename Rule>
void fill_ports(Rule& rule, unsigned src_port_field, const FlatMatch& m) {
  rule.field[src_port_field].value.u16 = 0;  // source ports are never part of a policy rule
  rule.field[src_port_field].mask_range.u16 = 0xffff;
  rule.field[src_port_field + 1].value.u16 = m.first_dst_port;
  rule.field[src_port_field + 1].mask_range.u16 = m.last_dst_port;
}

acl::RuleV4 encode_v4(const FlatMatch& m, int32_t priority, uint32_t userdata) {
  acl::RuleV4 rule{};
  fill_common(rule, m, priority, userdata);
  fill_address(rule, acl::kFirstAddressField, 1, m.source);
  fill_address(rule, acl::kFirstAddressField + 1, 1, m.destination);
  fill_ports(rule, acl::kSrcPortFieldV4, m);
  return rule;
}

acl::RuleV6 encode_v6(const FlatMatch& m, int32_t priority, uint32_t userdata) {
  acl::RuleV6 rule{};
  fill_common(rule, m, priority, userdata);
  fill_address(rule, acl::kFirstAddressField, 4, m.source);
  fill_address(rule, acl::kFirstAddressField + 4, 4, m.destination);
  fill_ports(rule, acl::kSrcPortFieldV6, m);
  return rule;
}

// Creates, fills and builds one context from entries [begin, end). Returns the rte_acl error code (0: ok).
template <typename Rule, size_t kFields>
int build_one(const char* family, const Rule* begin, const Rule* end,
              const std::array<rte_acl_field_def, kFields>& defs, rte_acl_ctx*& out, std::string& error) {
  // Names must be unique among live contexts: a reload compiles the new policy while the old one still runs.
  const std::string name = "twpol" + std::string(family) + "_" + std::to_string(g_context_counter++);
  rte_acl_param param{};
  param.name = name.c_str();
  param.socket_id = SOCKET_ID_ANY;
  param.rule_size = RTE_ACL_RULE_SZ(kFields);
  param.max_rule_num = static_cast<uint32_t>(end - begin);
  rte_acl_ctx* ctx = rte_acl_create(&param);
  if (ctx == nullptr) {
    error = std::string("cannot create an IPv") + family + " classifier: " + rte_strerror(rte_errno);
    return -rte_errno;
  }
  int rc = rte_acl_add_rules(ctx, reinterpret_cast<const rte_acl_rule*>(begin),
                             static_cast<uint32_t>(end - begin));
  if (rc == 0) {
    rte_acl_config cfg{};
    cfg.num_categories = 1;
    cfg.num_fields = kFields;
    std::copy(defs.begin(), defs.end(), cfg.defs);
    cfg.max_size = 0;  // no limit on the run-time structures
    rc = rte_acl_build(ctx, &cfg);
  }
  if (rc != 0) {
    error = std::string("cannot build an IPv") + family + " classifier of " + std::to_string(end - begin) +
            " entries: " + rte_strerror(-rc);
    rte_acl_free(ctx);
    return rc;
  }
  out = ctx;
  return 0;
}

// rte_acl refuses (-ENOMEM, "Exceeded max number of tries") a set of entries too diverse for its eight
// tries. Then the entries are split in halves, each its own context; classify() takes the best match over
// all contexts. Entries keep their priorities and userdata, so the split never changes a verdict.
constexpr size_t kSmallestSplit = 256;

template <typename Rule, size_t kFields>
bool build_split(const char* family, const Rule* begin, const Rule* end,
                 const std::array<rte_acl_field_def, kFields>& defs, std::vector<rte_acl_ctx*>& out,
                 std::string& error) {
  rte_acl_ctx* ctx = nullptr;
  const int rc = build_one(family, begin, end, defs, ctx, error);
  if (rc == 0) {
    out.push_back(ctx);
    return true;
  }
  if (rc != -ENOMEM || static_cast<size_t>(end - begin) <= kSmallestSplit) return false;
  error.clear();
  const Rule* middle = begin + (end - begin) / 2;
  return build_split(family, begin, middle, defs, out, error) &&
         build_split(family, middle, end, defs, out, error);
}

template <typename Rule, size_t kFields>
bool build_contexts(const char* family, const std::vector<Rule>& rules,
                    const std::array<rte_acl_field_def, kFields>& defs, std::vector<rte_acl_ctx*>& out,
                    std::string& error) {
  if (rules.empty()) return true;  // no context: every query of this family gets the default
  return build_split(family, rules.data(), rules.data() + rules.size(), defs, out, error);
}

void pack(const PolicyQuery& q, acl::KeyV4& key) {
  key = {};
  key.proto = q.proto;
  key.from_zone = q.from_zone;
  key.to_zone = q.to_zone;
  std::memcpy(key.src, q.src.data(), 4);
  std::memcpy(key.dst, q.dst.data(), 4);
  key.src_port_be = rte_cpu_to_be_16(q.src_port);
  key.dst_port_be = rte_cpu_to_be_16(q.dst_port);
}

void pack(const PolicyQuery& q, acl::KeyV6& key) {
  key = {};
  key.proto = q.proto;
  key.from_zone = q.from_zone;
  key.to_zone = q.to_zone;
  std::memcpy(key.src, q.src.data(), 16);
  std::memcpy(key.dst, q.dst.data(), 16);
  key.src_port_be = rte_cpu_to_be_16(q.src_port);
  key.dst_port_be = rte_cpu_to_be_16(q.dst_port);
}

}  // namespace

std::vector<CompileError> CompiledPolicy::check(const config::Config& config,
                                                const ZoneIndexLookup& zone_index) {
  return check_policy(config, zone_index);
}

CompileResult CompiledPolicy::compile(const config::Config& config, const ZoneIndexLookup& zone_index) {
  const auto& rules = config.policy.rules;
  std::vector<CompileError> errors;
  const std::vector<ZonedRule> zoned = zone_rules(config, zone_index, errors);
  if (!errors.empty()) return errors;

  std::unique_ptr<CompiledPolicy> policy(new CompiledPolicy);
  policy->rules_ = rules;
  std::vector<acl::RuleV4> v4;
  std::vector<acl::RuleV6> v6;
  for (size_t i = 0; i < zoned.size(); ++i) {
    if (rules[i].app.any()) {
      policy->app_rules_.push_back({static_cast<uint32_t>(i), &policy->rules_[i].app,
                                    expand(zoned[i], config::Family::kIpv4),
                                    expand(zoned[i], config::Family::kIpv6)});
      continue;
    }
    const int32_t priority = kTopPriority - static_cast<int32_t>(i);
    for (const auto& m : expand(zoned[i], config::Family::kIpv4))
      v4.push_back(encode_v4(m, priority, userdata_of(i)));
    for (const auto& m : expand(zoned[i], config::Family::kIpv6))
      v6.push_back(encode_v6(m, priority, userdata_of(i)));
  }

  policy->names_.reserve(rules.size());
  for (const auto& rule : rules) policy->names_.push_back(rule.name);
  for (size_t i = 0; i < rules.size(); ++i) {
    policy->verdicts_.push_back(
        {static_cast<uint32_t>(i), rules[i].action, rules[i].log, false, policy->names_[i]});
  }
  policy->default_verdict_ = {kDefaultRule, config.policy.default_action, config.policy.default_log, false,
                              kDefaultName};
  policy->entries_v4_ = v4.size();
  policy->entries_v6_ = v6.size();

  std::string error;
  if (!build_contexts("4", v4, acl::field_defs<acl::KeyV4, acl::kFieldsV4, 1>(), policy->v4_, error) ||
      !build_contexts("6", v6, acl::field_defs<acl::KeyV6, acl::kFieldsV6, 4>(), policy->v6_, error)) {
    return std::vector<CompileError>{{"", error}};  // the destructor frees what was built
  }
  return policy;
}

CompiledPolicy::~CompiledPolicy() {
  for (rte_acl_ctx* ctx : v4_) rte_acl_free(ctx);
  for (rte_acl_ctx* ctx : v6_) rte_acl_free(ctx);
}

bool CompiledPolicy::matches_addresses(const AppRule& rule, const PolicyQuery& q) {
  config::IpAddress src, dst;
  src.family = dst.family = q.family;
  src.bytes = q.src;
  dst.bytes = q.dst;
  for (const FlatMatch& m : q.family == config::Family::kIpv4 ? rule.v4 : rule.v6) {
    if (m.protocol && *m.protocol != q.proto) continue;
    if (m.from_zone ? *m.from_zone != q.from_zone : q.from_zone == config::kLocalZoneIndex) continue;
    if (m.to_zone ? *m.to_zone != q.to_zone : q.to_zone == config::kLocalZoneIndex) continue;
    if (m.source && !m.source->contains(src)) continue;
    if (m.destination && !m.destination->contains(dst)) continue;
    if (q.dst_port < m.first_dst_port || q.dst_port > m.last_dst_port) continue;
    return true;
  }
  return false;
}

bool CompiledPolicy::app_candidate_before(const PolicyQuery& query, const PolicyVerdict& fallback) const {
  // Only worth waiting for when the facts could change the outcome between pass and refuse: when either the
  // fallback or a matching application rule accepts. A refusal either way is decided now, by the fallback.
  const bool fallback_accepts = fallback.action == config::PolicyAction::kAccept;
  for (const AppRule& rule : app_rules_) {
    if (rule.index >= fallback.rule) return false;
    const bool rule_accepts = verdicts_[rule.index].action == config::PolicyAction::kAccept;
    if (fallback_accepts == rule_accepts) continue;
    if (matches_addresses(rule, query)) return true;
  }
  return false;
}

PolicyVerdict CompiledPolicy::verdict_of(uint32_t acl_userdata) const {
  return acl_userdata == 0 ? default_verdict_ : verdicts_[acl_userdata - 1];
}

void CompiledPolicy::classify(const PolicyQuery* queries[], PolicyVerdict* out, unsigned n) const {
  acl::KeyV4 keys_v4[kChunk];
  acl::KeyV6 keys_v6[kChunk];
  const uint8_t* data_v4[kChunk];
  const uint8_t* data_v6[kChunk];
  unsigned slot_v4[kChunk];  // which query of the chunk each key belongs to
  unsigned slot_v6[kChunk];
  uint32_t results[kChunk];
  uint32_t best[kChunk];
  for (unsigned base = 0; base < n; base += kChunk) {
    const unsigned count = std::min(kChunk, n - base);
    unsigned n4 = 0;
    unsigned n6 = 0;
    for (unsigned i = 0; i < count; ++i) {
      const PolicyQuery& q = *queries[base + i];
      if (q.family == config::Family::kIpv4) {
        pack(q, keys_v4[n4]);
        data_v4[n4] = reinterpret_cast<const uint8_t*>(&keys_v4[n4]);
        slot_v4[n4++] = base + i;
      } else {
        pack(q, keys_v6[n6]);
        data_v6[n6] = reinterpret_cast<const uint8_t*>(&keys_v6[n6]);
        slot_v6[n6++] = base + i;
      }
    }
    // The best (lowest) rule over all contexts of the family; userdata 0 is "no match".
    auto run = [&](const std::vector<rte_acl_ctx*>& contexts, const uint8_t** data, const unsigned* slots,
                   unsigned k) {
      if (k == 0) return;
      std::fill(best, best + k, 0u);
      for (size_t c = 0; c < contexts.size(); ++c) {
        rte_acl_classify(contexts[c], data, c == 0 ? best : results, k, 1);
        if (c == 0) continue;
        for (unsigned j = 0; j < k; ++j) {
          if (results[j] != 0 && (best[j] == 0 || results[j] < best[j])) best[j] = results[j];
        }
      }
      for (unsigned j = 0; j < k; ++j) {
        out[slots[j]] = verdict_of(best[j]);
        if (!app_rules_.empty())
          out[slots[j]].app_pending = app_candidate_before(*queries[slots[j]], out[slots[j]]);
      }
    };
    run(v4_, data_v4, slot_v4, n4);
    run(v6_, data_v6, slot_v6, n6);
  }
}

PolicyVerdict CompiledPolicy::classify(const PolicyQuery& query) const {
  const PolicyQuery* one[] = {&query};
  PolicyVerdict verdict;
  classify(one, &verdict, 1);
  return verdict;
}

}  // namespace torwart::policy
