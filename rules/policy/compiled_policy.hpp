#pragma once
// The firewall policy compiled into an immutable rte_acl classifier: one context for IPv4, one for IPv6.
// First match wins (rule order becomes ACL priority); what matches no rule gets the default verdict.
// Needs the DPDK EAL (rte_acl allocates from DPDK memory). classify() may run on many lcores at once.
#include <rte_acl.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "rules/config/config.hpp"
#include "rules/policy/expand.hpp"
#include "rules/policy/policy_check.hpp"
#include "rules/policy/policy_query.hpp"

namespace torwart::policy {

class CompiledPolicy;
using CompileResult = std::variant<std::unique_ptr<CompiledPolicy>, std::vector<CompileError>>;

class CompiledPolicy {
 public:
  static CompileResult compile(const config::Config& config, const ZoneIndexLookup& zone_index);
  // check_policy() (policy_check.hpp): what compile() would refuse before it builds the classifier.
  static std::vector<CompileError> check(const config::Config& config, const ZoneIndexLookup& zone_index);

  ~CompiledPolicy();
  CompiledPolicy(const CompiledPolicy&) = delete;
  CompiledPolicy& operator=(const CompiledPolicy&) = delete;

  // One verdict per query, in order. Queries of both families may be mixed in one burst. Rules with
  // application matches are not in the classifier: the verdict is the first rule without them, flagged
  // app_pending when an application rule before it matches the addresses and service and would turn the
  // outcome around (accept where the verdict refuses, or refuse where it accepts).
  void classify(const PolicyQuery* queries[], PolicyVerdict* out, unsigned n) const;
  PolicyVerdict classify(const PolicyQuery& query) const;

  // What an application rule's matches say about the facts known now.
  enum class AppAnswer : uint8_t { kNo, kYes, kNotYet };
  // The verdict for a flow (asked as its first packet was) once application facts are known: the first
  // application rule before the classifier's verdict that matches addresses, service and `answer` (a callable
  // `AppAnswer(const config::AppMatch&)`), else the classifier's verdict. nullopt: an earlier application
  // rule cannot tell yet, so nothing may be decided (first match wins).
  template <typename Answer>
  std::optional<PolicyVerdict> decide_app(const PolicyQuery& query, Answer&& answer) const {
    const PolicyVerdict fallback = classify(query);
    for (const AppRule& rule : app_rules_) {
      if (rule.index >= fallback.rule) break;  // kDefaultRule is above every index
      if (!matches_addresses(rule, query)) continue;
      const AppAnswer a = answer(*rule.match);
      if (a == AppAnswer::kNotYet) return std::nullopt;
      if (a == AppAnswer::kYes) return verdicts_[rule.index];
    }
    PolicyVerdict decided = fallback;
    decided.app_pending = false;
    return decided;
  }
  size_t app_rule_count() const { return app_rules_.size(); }

  size_t rule_count() const { return verdicts_.size(); }
  size_t acl_entries_v4() const { return entries_v4_; }
  size_t acl_entries_v6() const { return entries_v6_; }
  size_t acl_contexts() const { return v4_.size() + v6_.size(); }

 private:
  CompiledPolicy() = default;
  PolicyVerdict verdict_of(uint32_t acl_userdata) const;

  // A rule with application matches, checked one by one (there are few; they are asked once per flow and
  // application event, not per packet).
  struct AppRule {
    uint32_t index;
    const config::AppMatch* match;  // into rules_, the policy's own copy
    std::vector<FlatMatch> v4;
    std::vector<FlatMatch> v6;
  };
  static bool matches_addresses(const AppRule& rule, const PolicyQuery& query);
  bool app_candidate_before(const PolicyQuery& query, const PolicyVerdict& fallback) const;

  std::vector<config::PolicyRule> rules_;  // the application rules' matches live here
  std::vector<AppRule> app_rules_;

  std::vector<std::string> names_;       // rule names; verdicts point into them
  std::vector<PolicyVerdict> verdicts_;  // per rule
  PolicyVerdict default_verdict_;
  // Usually one context per family, none when no rule has an entry of that family, more when rte_acl could
  // not fit the entries into one (see build_split in the .cpp).
  std::vector<rte_acl_ctx*> v4_;
  std::vector<rte_acl_ctx*> v6_;
  size_t entries_v4_ = 0;
  size_t entries_v6_ = 0;
};

}  // namespace torwart::policy
