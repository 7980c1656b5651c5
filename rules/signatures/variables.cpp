#include "rules/signatures/variables.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "rules/signatures/network_expression.hpp"
#include "rules/signatures/parse_error.hpp"

namespace torwart::signatures {
namespace {

constexpr std::array<std::pair<const char*, const char*>, 15> kDefaultAddressGroups = {{
    {"HOME_NET", "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]"},
    {"EXTERNAL_NET", "!$HOME_NET"},
    {"HTTP_SERVERS", "$HOME_NET"},
    {"SMTP_SERVERS", "$HOME_NET"},
    {"SQL_SERVERS", "$HOME_NET"},
    {"DNS_SERVERS", "$HOME_NET"},
    {"TELNET_SERVERS", "$HOME_NET"},
    {"AIM_SERVERS", "$EXTERNAL_NET"},
    {"DC_SERVERS", "$HOME_NET"},
    {"DNP3_SERVER", "$HOME_NET"},
    {"DNP3_CLIENT", "$HOME_NET"},
    {"MODBUS_CLIENT", "$HOME_NET"},
    {"MODBUS_SERVER", "$HOME_NET"},
    {"ENIP_CLIENT", "$HOME_NET"},
    {"ENIP_SERVER", "$HOME_NET"},
}};

constexpr std::array<std::pair<const char*, const char*>, 11> kDefaultPortGroups = {{
    {"HTTP_PORTS", "80"},
    {"SHELLCODE_PORTS", "!80"},
    {"ORACLE_PORTS", "1521"},
    {"SSH_PORTS", "22"},
    {"DNP3_PORTS", "20000"},
    {"MODBUS_PORTS", "502"},
    {"FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]"},
    {"FTP_PORTS", "21"},
    {"GENEVE_PORTS", "6081"},
    {"VXLAN_PORTS", "4789"},
    {"TEREDO_PORTS", "3544"},
}};

NetworkExpression parse_group(const std::string& name, const std::string& text, ExpressionType type) {
  try {
    return parse_network_expression(text, type, "$" + name);
  } catch (const ParseFailure& failure) {
    throw VariableError(name, failure.what());
  }
}

// Walks an expression, flipping negation through '!' and expanding variables, with the names being
// expanded kept to refuse cycles.
template <typename Entry, typename Literal>
class Flattener {
 public:
  Flattener(const std::map<std::string, NetworkExpression>& groups, Literal literal)
      : groups_(groups), literal_(literal) {}

  void walk(const NetworkExpression& expression, bool negated) {
    const bool effective = negated != expression.negated;
    switch (expression.kind) {
      case NetworkExpression::Kind::any:
        if (effective) throw VariableError(expanding_.empty() ? "?" : expanding_.back(), "negates 'any'");
        any = true;
        return;
      case NetworkExpression::Kind::literal:
        entries.push_back(literal_(expression.text, effective));
        return;
      case NetworkExpression::Kind::list:
        for (const auto& item : expression.items) walk(item, effective);
        return;
      case NetworkExpression::Kind::variable:
        break;
    }
    const auto group = groups_.find(expression.text);
    if (group == groups_.end()) throw VariableError(expression.text, "undefined");
    if (std::find(expanding_.begin(), expanding_.end(), expression.text) != expanding_.end()) {
      throw VariableError(expression.text, "defined in terms of itself");
    }
    expanding_.push_back(expression.text);
    walk(group->second, effective);
    expanding_.pop_back();
  }

  bool any = false;
  std::vector<Entry> entries;

 private:
  const std::map<std::string, NetworkExpression>& groups_;
  Literal literal_;
  std::vector<std::string> expanding_;
};

}  // namespace

Variables Variables::suricata_defaults() {
  Variables variables;
  for (const auto& [name, text] : kDefaultAddressGroups) variables.set_address_group(name, text);
  for (const auto& [name, text] : kDefaultPortGroups) variables.set_port_group(name, text);
  return variables;
}

void Variables::set_address_group(const std::string& name, const std::string& text) {
  address_groups_[name] = parse_group(name, text, ExpressionType::address);
}

void Variables::set_port_group(const std::string& name, const std::string& text) {
  port_groups_[name] = parse_group(name, text, ExpressionType::port);
}

void Variables::apply_overrides(const std::map<std::string, std::string>& address_groups,
                                const std::map<std::string, std::string>& port_groups) {
  for (const auto& [name, text] : address_groups) set_address_group(name, text);
  for (const auto& [name, text] : port_groups) set_port_group(name, text);
}

ResolvedAddresses Variables::resolve_addresses(const NetworkExpression& expression) const {
  auto literal = [](const std::string& text, bool negated) {
    const auto prefix = parse_address_literal(text);
    if (!prefix) throw VariableError("?", "'" + text + "' is not an address");
    return AddressEntry{*prefix, negated};
  };
  Flattener<AddressEntry, decltype(literal)> flattener(address_groups_, literal);
  flattener.walk(expression, false);
  const bool only_negated = std::all_of(flattener.entries.begin(), flattener.entries.end(),
                                        [](const AddressEntry& entry) { return entry.negated; });
  return {flattener.any || only_negated, std::move(flattener.entries)};
}

ResolvedPorts Variables::resolve_ports(const NetworkExpression& expression) const {
  auto literal = [](const std::string& text, bool negated) {
    const auto range = parse_port_range(text);
    if (!range) throw VariableError("?", "'" + text + "' is not a port range");
    return PortEntry{range->first, range->second, negated};
  };
  Flattener<PortEntry, decltype(literal)> flattener(port_groups_, literal);
  flattener.walk(expression, false);
  const bool only_negated = std::all_of(flattener.entries.begin(), flattener.entries.end(),
                                        [](const PortEntry& entry) { return entry.negated; });
  return {flattener.any || only_negated, std::move(flattener.entries)};
}

}  // namespace torwart::signatures
