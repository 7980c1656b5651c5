#pragma once
// A signature's header as a predicate on a packet: protocol (ip, tcp, udp, icmp, or an application protocol
// the flow was identified as), source and destination addresses and ports after variable resolution (lists,
// ranges, negation), and direction (`->`: as written; `<>`: either way). Built in the control path; matching
// allocates nothing. Address lists (ET's reputation rules name hundreds of hosts) are sorted, merged ranges
// searched in O(log n).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rules/config/ip_address.hpp"
#include "rules/signatures/signature.hpp"
#include "rules/signatures/variables.hpp"

namespace torwart::dataplane::ids {

struct Endpoint {
  config::IpAddress address;
  uint16_t port = 0;  // 0 for protocols without ports
};

// Suricata's semantics: with `any`, every address but the negated ones; otherwise one in a positive entry
// and in no negated one.
class AddressSet {
 public:
  template <typename T>
  struct Range {
    T low, high;
  };

  static AddressSet of(const signatures::ResolvedAddresses& resolved);
  bool contains(const config::IpAddress& address) const;

  // For indexing (header_only_index.hpp): `any` (with or without exclusions), and the IPv4 ranges that
  // contain every IPv4 address of the set.
  bool any() const { return any_; }
  const std::vector<Range<uint32_t>>& ipv4_ranges() const { return v4_; }
  uint64_t ipv4_coverage() const;

 private:
  __extension__ typedef unsigned __int128 V6;  // IPv6 addresses as numbers, for ordered ranges
  template <typename T>
  static bool in(const std::vector<Range<T>>& ranges, T value);
  template <typename T>
  static void merge(std::vector<Range<T>>& ranges);

  bool any_ = false;
  std::vector<Range<uint32_t>> v4_, v4_excluded_;
  std::vector<Range<V6>> v6_, v6_excluded_;
};

class HeaderMatcher {
 public:
  // Throws signatures::VariableError (undefined variable, cycle) like the loader would have.
  static HeaderMatcher compile(const signatures::Signature& signature,
                               const signatures::Variables& variables);

  // `app_proto`: the flow's identified application ("" when unknown); `from` sent the packet.
  bool matches(uint8_t ip_proto, std::string_view app_proto, const Endpoint& from, const Endpoint& to) const;

  const AddressSet& source() const { return source_; }
  const AddressSet& destination() const { return destination_; }
  bool both_ways() const { return both_ways_; }

 private:
  enum class Protocol : uint8_t { kIp, kTcp, kUdp, kIcmp, kApplication };
  bool matches_one_way(const Endpoint& from, const Endpoint& to) const;

  std::string application_;  // for kApplication: Suricata's name of the protocol
  AddressSet source_, destination_;
  signatures::ResolvedPorts source_ports_, destination_ports_;
  Protocol protocol_ = Protocol::kIp;
  bool both_ways_ = false;
};

}  // namespace torwart::dataplane::ids
