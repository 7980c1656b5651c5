#pragma once
// Address and port variables ($HOME_NET, $HTTP_PORTS, ...) with Suricata's documented defaults, and the
// resolution of a rule's header expressions into flat lists of prefixes and port ranges.
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "rules/config/ip_address.hpp"
#include "rules/signatures/signature.hpp"

namespace torwart::signatures {

struct AddressEntry {
  config::IpPrefix prefix;
  bool negated = false;
  auto operator<=>(const AddressEntry&) const = default;
};

// any: the expression matches every address except the negated entries; otherwise the positive entries
// minus the negated ones.
struct ResolvedAddresses {
  bool any = false;
  std::vector<AddressEntry> entries;
};

struct PortEntry {
  std::uint16_t low = 0;
  std::uint16_t high = 65535;
  bool negated = false;
  auto operator<=>(const PortEntry&) const = default;
};

struct ResolvedPorts {
  bool any = false;
  std::vector<PortEntry> entries;
};

struct VariableError : std::runtime_error {
  VariableError(std::string variable_name, const std::string& reason)
      : std::runtime_error("variable $" + variable_name + ": " + reason),
        variable(std::move(variable_name)) {}
  std::string variable;
};

class Variables {
 public:
  // Values as Suricata's default suricata.yaml ships them.
  static Variables suricata_defaults();

  // Replaces or adds one group; the text is an expression as in a rule header ("[10.0.0.0/8,!10.1.0.0/16]").
  // Throws VariableError when the text is not an address (port) expression.
  void set_address_group(const std::string& name, const std::string& text);
  void set_port_group(const std::string& name, const std::string& text);
  void apply_overrides(const std::map<std::string, std::string>& address_groups,
                       const std::map<std::string, std::string>& port_groups);

  // Throws VariableError for an undefined variable, a cycle, or '!any' after expansion.
  ResolvedAddresses resolve_addresses(const NetworkExpression& expression) const;
  ResolvedPorts resolve_ports(const NetworkExpression& expression) const;

  const std::map<std::string, NetworkExpression>& address_groups() const { return address_groups_; }
  const std::map<std::string, NetworkExpression>& port_groups() const { return port_groups_; }

 private:
  std::map<std::string, NetworkExpression> address_groups_;
  std::map<std::string, NetworkExpression> port_groups_;
};

}  // namespace torwart::signatures
