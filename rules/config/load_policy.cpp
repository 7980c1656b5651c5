#include "rules/config/load_policy.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <vector>

#include "rules/config/load_app_match.hpp"
#include "rules/config/service_item.hpp"

namespace torwart::config::detail {
namespace {

// Priorities of the compiled classifier are 29-bit; far below that, a policy this long is a mistake.
constexpr size_t kMaxPolicyRules = 100000;
constexpr size_t kMaxObjectNameLength = 63;

}  // namespace

bool valid_object_name(const std::string& name) {
  if (name.empty() || name.size() > kMaxObjectNameLength) return false;
  if (!(name[0] >= 'a' && name[0] <= 'z')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

namespace {
constexpr const char* kNameRule = "names are 1-63 of a-z, 0-9, '-', '_', '.', starting with a letter";

template <typename Value>
void append_unique(std::vector<Value>& out, const std::vector<Value>& values) {
  for (const auto& v : values) {
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
}

// One list entry: either a literal value or the name of another object, resolved later.
template <typename Value>
struct Member {
  YAML::Node node;
  std::string path;
  std::string text;
  std::optional<Value> literal;
};

// Parses a list entry. nullopt: malformed (already reported). A member without literal names an object.
using AddressMember = Member<IpPrefix>;
using ServiceMember = Member<ServiceItem>;

std::optional<AddressMember> address_member(Reader& r, const YAML::Node& node, const std::string& path) {
  auto text = r.string(node, path);
  if (!text) return std::nullopt;
  if (auto prefix = IpPrefix::parse(*text)) return AddressMember{node, path, *text, *prefix};
  // Object names never contain ':' or '/' nor start with a digit; such text was meant as an address.
  const bool looks_like_address = text->find_first_of(":/") != std::string::npos ||
                                  (!text->empty() && (*text)[0] >= '0' && (*text)[0] <= '9');
  if (looks_like_address) {
    r.error(node, path,
            "'" + *text +
                "' is not an address or prefix with host bits clear (e.g. 10.20.0.0/24, 2001:db8::/64)");
    return std::nullopt;
  }
  return AddressMember{node, path, *text, std::nullopt};
}

std::optional<ServiceMember> service_member(Reader& r, const YAML::Node& node, const std::string& path) {
  auto text = r.string(node, path);
  if (!text) return std::nullopt;
  if (auto parsed = parse_service_item(*text)) {
    if (!parsed->item) {
      r.error(node, path, parsed->error);
      return std::nullopt;
    }
    return ServiceMember{node, path, *text, *parsed->item};
  }
  if (text->find('/') != std::string::npos) {
    r.error(node, path,
            "'" + *text + "' is not a service (tcp/PORT[-PORT], udp/…, icmp/TYPE[/CODE], icmpv6/…, proto/N)");
    return std::nullopt;
  }
  return ServiceMember{node, path, *text, std::nullopt};
}

// Named objects of one kind (addresses or services), flattened on demand with cycle detection.
template <typename Value>
class ObjectTable {
 public:
  struct Definition {
    std::string name;
    std::vector<Member<Value>> members;
  };

  ObjectTable(Reader& reader, std::string kind) : r_(reader), kind_(std::move(kind)) {}

  // False (and reported) when the name is taken.
  bool declare(const YAML::Node& name_node, const std::string& path, Definition definition) {
    if (!index_.emplace(definition.name, definitions_.size()).second) {
      r_.error(name_node, path, kind_ + " object '" + definition.name + "' is declared twice");
      return false;
    }
    definitions_.push_back(std::move(definition));
    state_.push_back(State::kNew);
    values_.emplace_back();
    return true;
  }

  size_t size() const { return definitions_.size(); }
  const std::string& name(size_t i) const { return definitions_[i].name; }

  // The flattened values of object i. Errors (unknown names, cycles) are reported once, at the entry.
  const std::vector<Value>& resolve(size_t i) {
    if (state_[i] != State::kNew) return values_[i];
    state_[i] = State::kActive;
    chain_.push_back(definitions_[i].name);
    for (const auto& member : definitions_[i].members) {
      if (member.literal) {
        append_unique(values_[i], std::vector<Value>{*member.literal});
        continue;
      }
      auto found = index_.find(member.text);
      if (found == index_.end()) {
        r_.error(member.node, member.path, unknown(member.text));
      } else if (state_[found->second] == State::kActive) {
        std::string cycle;
        for (auto it = std::find(chain_.begin(), chain_.end(), member.text); it != chain_.end(); ++it) {
          cycle += *it + " -> ";
        }
        r_.error(member.node, member.path, kind_ + " objects form a cycle: " + cycle + member.text);
      } else {
        append_unique(values_[i], resolve(found->second));
      }
    }
    chain_.pop_back();
    state_[i] = State::kDone;
    return values_[i];
  }

  // A rule's entry: the literal itself or the named object's values; nullopt when unknown (reported).
  std::optional<std::vector<Value>> lookup(const Member<Value>& member) {
    if (member.literal) return std::vector<Value>{*member.literal};
    auto found = index_.find(member.text);
    if (found == index_.end()) {
      r_.error(member.node, member.path, unknown(member.text));
      return std::nullopt;
    }
    return resolve(found->second);
  }

 private:
  enum class State { kNew, kActive, kDone };
  std::string unknown(const std::string& name) const {
    return "'" + name + "' is neither a literal nor a declared " + kind_ + " object";
  }

  Reader& r_;
  std::string kind_;
  std::map<std::string, size_t, std::less<>> index_;
  std::vector<Definition> definitions_;
  std::vector<State> state_;
  std::vector<std::vector<Value>> values_;
  std::vector<std::string> chain_;  // objects being resolved, outermost first: names the cycle
};

class PolicyBuilder {
 public:
  PolicyBuilder(Reader& reader, const std::set<std::string, std::less<>>& zones)
      : r_(reader),
        zones_(zones),
        addresses_(reader, "address"),
        services_(reader, "service"),
        app_(reader) {}

  void read_objects(const YAML::Node& node) {
    if (!r_.expect_map(node, "objects", {"addresses", "services", "names"})) return;
    if (node["names"]) app_.read_name_objects(node["names"], "objects.names");
    if (node["addresses"]) {
      r_.sequence(node["addresses"], "objects.addresses", [&](const YAML::Node& n, const std::string& p) {
        read_object<IpPrefix>(n, p, addresses_, address_member);
      });
    }
    if (node["services"]) {
      r_.sequence(node["services"], "objects.services", [&](const YAML::Node& n, const std::string& p) {
        read_object<ServiceItem>(n, p, services_, service_member);
      });
    }
  }

  // Every object is flattened, used or not, so that a broken one is reported before anyone uses it.
  void resolve_objects(Objects& out) {
    for (size_t i = 0; i < addresses_.size(); ++i)
      out.addresses.push_back({addresses_.name(i), addresses_.resolve(i)});
    for (size_t i = 0; i < services_.size(); ++i)
      out.services.push_back({services_.name(i), services_.resolve(i)});
    out.names = app_.name_objects();
  }

  void read_policy(const YAML::Node& node, Policy& policy) {
    if (!r_.expect_map(node, "policy", {"default", "rules"})) return;
    if (node["default"]) read_default(node["default"], policy);
    if (node["rules"]) {
      r_.sequence(node["rules"], "policy.rules", [&](const YAML::Node& n, const std::string& p) {
        if (auto rule = read_rule(n, p)) policy.rules.push_back(std::move(*rule));
      });
      if (node["rules"].IsSequence() && node["rules"].size() > kMaxPolicyRules) {
        r_.error(node["rules"], "policy.rules",
                 std::to_string(node["rules"].size()) + " rules; at most " + std::to_string(kMaxPolicyRules));
      }
    }
  }

 private:
  template <typename Value, typename ParseMember>
  void read_object(const YAML::Node& node, const std::string& path, ObjectTable<Value>& table,
                   ParseMember parse_member) {
    if (!r_.expect_map(node, path, {"name", "members"})) return;
    typename ObjectTable<Value>::Definition definition;
    bool named = false;
    if (!node["name"]) {
      r_.error(node, path + ".name", "an object needs a name");
    } else if (auto v = r_.string(node["name"], path + ".name")) {
      definition.name = *v;
      if (!valid_object_name(*v)) {
        r_.error(node["name"], path + ".name", kNameRule);
      } else if (is_service_keyword(*v)) {
        r_.error(node["name"], path + ".name", "'" + *v + "' is a protocol keyword; choose another name");
      } else {
        named = true;
      }
    }
    if (!node["members"]) {
      r_.error(node, path + ".members", "an object needs members");
    } else {
      r_.sequence(node["members"], path + ".members", [&](const YAML::Node& n, const std::string& p) {
        if (auto member = parse_member(r_, n, p)) definition.members.push_back(std::move(*member));
      });
      if (node["members"].IsSequence() && node["members"].size() == 0) {
        r_.error(node["members"], path + ".members", "an empty object matches nothing; give it members");
      }
    }
    if (named) table.declare(node["name"], path + ".name", std::move(definition));
  }

  static std::optional<PolicyAction> action_of(const std::string& text) {
    if (text == "accept") return PolicyAction::kAccept;
    if (text == "drop") return PolicyAction::kDrop;
    if (text == "reject") return PolicyAction::kReject;
    return std::nullopt;
  }

  void read_default(const YAML::Node& node, Policy& policy) {
    const std::string path = "policy.default";
    if (!r_.expect_map(node, path, {"action", "log"})) return;
    if (node["action"]) {
      if (auto v = r_.string(node["action"], path + ".action")) {
        const auto action = action_of(*v);
        if (!action) {
          r_.error(node["action"], path + ".action", "expected drop or reject");
        } else if (*action == PolicyAction::kAccept) {
          r_.error(node["action"], path + ".action",
                   "the default must be drop or reject: only connections declared beforehand may pass");
        } else {
          policy.default_action = *action;
        }
      }
    }
    if (node["log"]) {
      if (auto v = r_.boolean(node["log"], path + ".log")) policy.default_log = *v;
    }
  }

  void read_zones(const YAML::Node& node, const std::string& path, std::vector<std::string>& out) {
    r_.nonempty_sequence(node, path, [&](const YAML::Node& n, const std::string& p) {
      auto zone = r_.string(n, p);
      if (!zone) return;
      if (!zones_.contains(*zone) && *zone != kLocalZone) {
        r_.error(n, p, "zone '" + *zone + "' is not declared under zones (`local` names the box itself)");
      } else if (std::find(out.begin(), out.end(), *zone) == out.end()) {
        out.push_back(*zone);
      }
    });
  }

  std::optional<PolicyRule> read_rule(const YAML::Node& node, const std::string& path) {
    if (!r_.expect_map(node, path,
                       {"name", "from", "to", "source", "destination", "service", "app", "tls_sni",
                        "http_host", "http_content_type", "dns_name", "action", "log"})) {
      return std::nullopt;
    }
    PolicyRule rule;
    if (!node["name"]) {
      r_.error(node, path + ".name", "a rule needs a name (it is shown in the logs)");
    } else if (auto v = r_.string(node["name"], path + ".name")) {
      rule.name = *v;
      if (!valid_object_name(*v)) {
        r_.error(node["name"], path + ".name", kNameRule);
      } else if (!rule_names_.insert(*v).second) {
        r_.error(node["name"], path + ".name", "rule '" + *v + "' is declared twice");
      }
    }
    if (node["from"]) read_zones(node["from"], path + ".from", rule.from_zones);
    if (node["to"]) read_zones(node["to"], path + ".to", rule.to_zones);
    if (node["source"])
      read_entries(node["source"], path + ".source", addresses_, address_member, rule.source);
    if (node["destination"]) {
      read_entries(node["destination"], path + ".destination", addresses_, address_member, rule.destination);
    }
    if (node["service"])
      read_entries(node["service"], path + ".service", services_, service_member, rule.service);
    for (const char* key : {"app", "tls_sni", "http_host", "http_content_type", "dns_name"}) {
      if (node[key]) app_.read_rule_key(key, node[key], Reader::join(path, key), rule.app);
    }
    if (!node["action"]) {
      r_.error(node, path + ".action", "a rule needs an action (accept, drop or reject)");
    } else if (auto v = r_.string(node["action"], path + ".action")) {
      if (auto action = action_of(*v))
        rule.action = *action;
      else
        r_.error(node["action"], path + ".action", "expected accept, drop or reject");
    }
    // Refused traffic is logged unless said otherwise (BSI R12); accepted traffic only on request.
    rule.log = rule.action != PolicyAction::kAccept;
    if (node["log"]) {
      if (auto v = r_.boolean(node["log"], path + ".log")) rule.log = *v;
    }
    return rule;
  }

  template <typename Value, typename ParseMember>
  void read_entries(const YAML::Node& node, const std::string& path, ObjectTable<Value>& table,
                    ParseMember parse_member, std::vector<Value>& out) {
    r_.nonempty_sequence(node, path, [&](const YAML::Node& n, const std::string& p) {
      auto member = parse_member(r_, n, p);
      if (!member) return;
      if (auto values = table.lookup(*member)) append_unique(out, *values);
    });
  }

  Reader& r_;
  const std::set<std::string, std::less<>>& zones_;
  ObjectTable<IpPrefix> addresses_;
  ObjectTable<ServiceItem> services_;
  std::set<std::string, std::less<>> rule_names_;
  AppMatchReader app_;
};

}  // namespace

void read_objects_and_policy(Reader& reader, const YAML::Node& root,
                             const std::set<std::string, std::less<>>& zones, Config& config) {
  PolicyBuilder builder(reader, zones);
  if (root["objects"]) builder.read_objects(root["objects"]);
  builder.resolve_objects(config.objects);
  if (root["policy"]) builder.read_policy(root["policy"], config.policy);
}

}  // namespace torwart::config::detail
