#include "dataplane/ids/header_match.hpp"

#include <netinet/in.h>

#include <algorithm>

namespace torwart::dataplane::ids {
namespace {

// Suricata's semantics: with `any`, everything but the negated entries; otherwise a positive entry must
// contain it and no negated entry may.
bool address_in(const signatures::ResolvedAddresses& set, const config::IpAddress& a) {
  bool positive = set.any;
  for (const auto& e : set.entries) {
    if (!e.prefix.contains(a)) continue;
    if (e.negated) return false;
    positive = true;
  }
  return positive;
}

bool port_in(const signatures::ResolvedPorts& set, uint16_t port) {
  bool positive = set.any;
  for (const auto& e : set.entries) {
    if (port < e.low || port > e.high) continue;
    if (e.negated) return false;
    positive = true;
  }
  return positive;
}

bool transport_protocol(std::string_view p) {
  return p == "ip" || p == "tcp" || p == "udp" || p == "icmp";
}

}  // namespace

HeaderMatcher HeaderMatcher::compile(const signatures::Signature& s, const signatures::Variables& variables) {
  HeaderMatcher m;
  m.protocol_ = s.protocol;
  m.source_ = variables.resolve_addresses(s.source_address);
  m.destination_ = variables.resolve_addresses(s.destination_address);
  m.source_ports_ = variables.resolve_ports(s.source_port);
  m.destination_ports_ = variables.resolve_ports(s.destination_port);
  m.both_ways_ = s.direction == signatures::Direction::both_ways;
  return m;
}

bool HeaderMatcher::matches_one_way(const Endpoint& from, const Endpoint& to) const {
  return address_in(source_, from.address) && address_in(destination_, to.address) &&
         port_in(source_ports_, from.port) && port_in(destination_ports_, to.port);
}

bool HeaderMatcher::matches(uint8_t ip_proto, std::string_view app_proto, const Endpoint& from,
                            const Endpoint& to) const {
  if (protocol_ == "tcp" && ip_proto != IPPROTO_TCP) return false;
  if (protocol_ == "udp" && ip_proto != IPPROTO_UDP) return false;
  if (protocol_ == "icmp" && ip_proto != IPPROTO_ICMP && ip_proto != IPPROTO_ICMPV6) return false;
  if (!transport_protocol(protocol_) && app_proto != protocol_) return false;
  return matches_one_way(from, to) || (both_ways_ && matches_one_way(to, from));
}

}  // namespace torwart::dataplane::ids
