#include "controlplane/management_filter/ruleset.hpp"

#include <stdexcept>

namespace torwart::controlplane::management_filter {
namespace {

std::string elements(const std::vector<config::IpPrefix>& prefixes, bool v4) {
  std::string out;
  for (const auto& p : prefixes) {
    if (p.address.is_v4() != v4) continue;
    out += (out.empty() ? "" : ", ") + p.to_string();
  }
  return out;
}

void check_interface(const std::string& name) {
  if (name.empty() || name.size() > 15)
    throw std::invalid_argument("management interface '" + name + "': not an interface name");
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '-' || c == '_' || c == '@';
    if (!ok) throw std::invalid_argument("management interface '" + name + "': unexpected character");
  }
}

}  // namespace

std::string removal_ruleset() {
  return std::string("table inet ") + kTable + "\ndelete table inet " + kTable + "\n";
}

std::string management_ruleset(const FilterInputs& in) {
  check_interface(in.interface);
  const std::string v4 = elements(in.provider, true);
  const std::string v6 = elements(in.provider, false);
  const std::string iif = "iifname \"" + in.interface + "\" ";
  std::string t = removal_ruleset();
  t += std::string("table inet ") + kTable + " {\n";
  t += "  counter dropped { }\n  counter api_admitted { }\n";
  if (!v4.empty()) t += "  set provider_v4 { type ipv4_addr; flags interval; elements = { " + v4 + " } }\n";
  if (!v6.empty()) t += "  set provider_v6 { type ipv6_addr; flags interval; elements = { " + v6 + " } }\n";
  t += "  chain input {\n";
  // Before the distributions' own filters, so that none of them can open the interface wider.
  t += "    type filter hook input priority filter - 10; policy accept;\n";
  t += "    iifname != \"" + in.interface + "\" accept\n";
  t += "    ct state established,related accept\n";
  t += "    " + iif + "ct state invalid counter name dropped drop\n";
  // What the link itself needs: neighbour discovery (and router adverts) for IPv6, a DHCP client's answers.
  t += "    " + iif + "icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert } accept\n";
  t += "    " + iif + "udp sport 67 udp dport 68 accept\n";
  t += "    " + iif + "udp sport 547 udp dport 546 accept\n";
  const bool open = in.provider.empty();
  // What the provider's networks (or, without any, everyone on the interface) may reach, per family.
  auto admit = [&](const std::string& for_v4, const std::string& for_v6) {
    if (open) {
      t += "    " + iif + for_v4 + " accept\n";
      t += "    " + iif + for_v6 + " accept\n";
      return;
    }
    if (!v4.empty()) t += "    " + iif + "ip saddr @provider_v4 " + for_v4 + " accept\n";
    if (!v6.empty()) t += "    " + iif + "ip6 saddr @provider_v6 " + for_v6 + " accept\n";
  };
  admit("icmp type echo-request limit rate 10/second", "icmpv6 type echo-request limit rate 10/second");
  if (in.api_port) {
    const std::string api = "tcp dport " + std::to_string(*in.api_port) + " counter name api_admitted";
    admit("meta nfproto ipv4 " + api, "meta nfproto ipv6 " + api);
  }
  // Logged at a bounded rate (a flood must not flood the log too), counted and dropped all the same.
  t += "    " + iif + "limit rate 5/second burst 10 packets log prefix \"" + kLogPrefix +
       "\" level warn counter name dropped drop\n";
  t += "    " + iif + "counter name dropped drop\n";
  t += "  }\n}\n";
  return t;
}

}  // namespace torwart::controlplane::management_filter
