#include "rules/policy/expand.hpp"

namespace torwart::policy {
namespace {

// The options of one dimension in this family: the given ones that fit, or {any} when the rule omits it.
std::vector<std::optional<config::IpPrefix>> prefixes_of(const std::vector<config::IpPrefix>& given,
                                                         config::Family family) {
  if (given.empty()) return {std::nullopt};
  std::vector<std::optional<config::IpPrefix>> out;
  for (const auto& p : given) {
    if (p.address.family == family) out.emplace_back(p);
  }
  return out;
}

std::vector<std::optional<config::ServiceItem>> services_of(const std::vector<config::ServiceItem>& given,
                                                            config::Family family) {
  if (given.empty()) return {std::nullopt};
  std::vector<std::optional<config::ServiceItem>> out;
  for (const auto& s : given) {
    if (!s.family || *s.family == family) out.emplace_back(s);
  }
  return out;
}

std::vector<std::optional<uint8_t>> zones_of(const std::vector<uint8_t>& given) {
  if (given.empty()) return {std::nullopt};
  return {given.begin(), given.end()};
}

}  // namespace

uint64_t expansion_size(const ZonedRule& rule, config::Family family) {
  const config::PolicyRule& r = *rule.rule;
  return uint64_t{zones_of(rule.from_zones).size()} * zones_of(rule.to_zones).size() *
         prefixes_of(r.source, family).size() * prefixes_of(r.destination, family).size() *
         services_of(r.service, family).size();
}

std::vector<FlatMatch> expand(const ZonedRule& rule, config::Family family) {
  const config::PolicyRule& r = *rule.rule;
  const auto from = zones_of(rule.from_zones);
  const auto to = zones_of(rule.to_zones);
  const auto sources = prefixes_of(r.source, family);
  const auto destinations = prefixes_of(r.destination, family);
  const auto services = services_of(r.service, family);
  std::vector<FlatMatch> out;
  out.reserve(from.size() * to.size() * sources.size() * destinations.size() * services.size());
  for (const auto& f : from) {
    for (const auto& t : to) {
      for (const auto& s : sources) {
        for (const auto& d : destinations) {
          for (const auto& service : services) {
            FlatMatch m{std::nullopt, f, t, s, d, 0, 0xffff};
            if (service) {
              m.protocol = service->protocol;
              m.first_dst_port = service->first_port;
              m.last_dst_port = service->last_port;
            }
            out.push_back(m);
          }
        }
      }
    }
  }
  return out;
}

}  // namespace torwart::policy
