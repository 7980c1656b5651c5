#pragma once
// A signature's header as a predicate on a packet: protocol (ip, tcp, udp, icmp, or an application protocol
// the flow was identified as), source and destination addresses and ports after variable resolution (lists,
// ranges, negation), and direction (`->`: as written; `<>`: either way). Built in the control path; matching
// allocates nothing.
#include <cstdint>
#include <string>
#include <string_view>

#include "rules/config/ip_address.hpp"
#include "rules/signatures/signature.hpp"
#include "rules/signatures/variables.hpp"

namespace torwart::dataplane::ids {

struct Endpoint {
  config::IpAddress address;
  uint16_t port = 0;  // 0 for protocols without ports
};

class HeaderMatcher {
 public:
  // Throws signatures::VariableError (undefined variable, cycle) like the loader would have.
  static HeaderMatcher compile(const signatures::Signature& signature,
                               const signatures::Variables& variables);

  // `app_proto`: the flow's identified application ("" when unknown); `from` sent the packet.
  bool matches(uint8_t ip_proto, std::string_view app_proto, const Endpoint& from, const Endpoint& to) const;

 private:
  bool matches_one_way(const Endpoint& from, const Endpoint& to) const;

  std::string protocol_;
  signatures::ResolvedAddresses source_, destination_;
  signatures::ResolvedPorts source_ports_, destination_ports_;
  bool both_ways_ = false;
};

}  // namespace torwart::dataplane::ids
