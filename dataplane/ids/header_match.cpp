#include "dataplane/ids/header_match.hpp"

#include <netinet/in.h>

#include <algorithm>

namespace torwart::dataplane::ids {
namespace {

bool port_in(const signatures::ResolvedPorts& set, uint16_t port) {
  bool positive = set.any;
  for (const auto& e : set.entries) {
    if (port < e.low || port > e.high) continue;
    if (e.negated) return false;
    positive = true;
  }
  return positive;
}

__extension__ typedef unsigned __int128 V6Value;

V6Value v6_value(const config::IpAddress& a) {
  V6Value v = 0;
  for (uint8_t b : a.bytes) v = (v << 8) | b;
  return v;
}

}  // namespace

template <typename T>
void AddressSet::merge(std::vector<Range<T>>& ranges) {
  std::sort(ranges.begin(), ranges.end(), [](const Range<T>& a, const Range<T>& b) { return a.low < b.low; });
  std::vector<Range<T>> merged;
  for (const Range<T>& r : ranges) {
    if (!merged.empty() && (r.low <= merged.back().high || r.low - 1 == merged.back().high)) {
      merged.back().high = std::max(merged.back().high, r.high);
    } else {
      merged.push_back(r);
    }
  }
  ranges = std::move(merged);
}

template <typename T>
bool AddressSet::in(const std::vector<Range<T>>& ranges, T value) {
  // The last range starting at or below the value.
  auto it =
      std::upper_bound(ranges.begin(), ranges.end(), value, [](T v, const Range<T>& r) { return v < r.low; });
  return it != ranges.begin() && value <= std::prev(it)->high;
}

AddressSet AddressSet::of(const signatures::ResolvedAddresses& resolved) {
  AddressSet set;
  set.any_ = resolved.any;
  for (const signatures::AddressEntry& e : resolved.entries) {
    const config::IpPrefix& p = e.prefix;
    if (p.address.is_v4()) {
      const uint32_t low = p.address.v4_host_order();
      const uint32_t span = p.length == 0 ? ~uint32_t{0} : (p.length >= 32 ? 0 : (~uint32_t{0} >> p.length));
      (e.negated ? set.v4_excluded_ : set.v4_).push_back({low, low | span});
    } else {
      const V6 low = v6_value(p.address);
      const V6 all = ~V6{0};
      const V6 span = p.length == 0 ? all : (p.length >= 128 ? 0 : (all >> p.length));
      (e.negated ? set.v6_excluded_ : set.v6_).push_back({low, low | span});
    }
  }
  merge(set.v4_);
  merge(set.v4_excluded_);
  merge(set.v6_);
  merge(set.v6_excluded_);
  return set;
}

uint64_t AddressSet::ipv4_coverage() const {
  uint64_t total = 0;
  for (const Range<uint32_t>& r : v4_) total += uint64_t{r.high} - r.low + 1;
  return total;
}

bool AddressSet::contains(const config::IpAddress& a) const {
  if (a.is_v4()) {
    const uint32_t v = a.v4_host_order();
    if (in(v4_excluded_, v)) return false;
    return any_ || in(v4_, v);
  }
  const V6 v = v6_value(a);
  if (in(v6_excluded_, v)) return false;
  return any_ || in(v6_, v);
}

HeaderMatcher HeaderMatcher::compile(const signatures::Signature& s, const signatures::Variables& variables) {
  HeaderMatcher m;
  if (s.protocol == "ip") {
    m.protocol_ = Protocol::kIp;
  } else if (s.protocol == "tcp") {
    m.protocol_ = Protocol::kTcp;
  } else if (s.protocol == "udp") {
    m.protocol_ = Protocol::kUdp;
  } else if (s.protocol == "icmp") {
    m.protocol_ = Protocol::kIcmp;
  } else {
    m.protocol_ = Protocol::kApplication;
    m.application_ = s.protocol == "http1" ? "http" : s.protocol;
  }
  m.source_ = AddressSet::of(variables.resolve_addresses(s.source_address));
  m.destination_ = AddressSet::of(variables.resolve_addresses(s.destination_address));
  m.source_ports_ = variables.resolve_ports(s.source_port);
  m.destination_ports_ = variables.resolve_ports(s.destination_port);
  m.both_ways_ = s.direction == signatures::Direction::both_ways;
  return m;
}

bool HeaderMatcher::matches_one_way(const Endpoint& from, const Endpoint& to) const {
  return port_in(source_ports_, from.port) && port_in(destination_ports_, to.port) &&
         source_.contains(from.address) && destination_.contains(to.address);
}

bool HeaderMatcher::matches(uint8_t ip_proto, std::string_view app_proto, const Endpoint& from,
                            const Endpoint& to) const {
  switch (protocol_) {
    case Protocol::kIp:
      break;
    case Protocol::kTcp:
      if (ip_proto != IPPROTO_TCP) return false;
      break;
    case Protocol::kUdp:
      if (ip_proto != IPPROTO_UDP) return false;
      break;
    case Protocol::kIcmp:
      if (ip_proto != IPPROTO_ICMP && ip_proto != IPPROTO_ICMPV6) return false;
      break;
    case Protocol::kApplication:
      if (app_proto != application_) return false;
      break;
  }
  return matches_one_way(from, to) || (both_ways_ && matches_one_way(to, from));
}

}  // namespace torwart::dataplane::ids
