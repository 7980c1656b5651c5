#include "dataplane/nat/nat_rules.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace torwart::dataplane::nat {
namespace {

uint16_t interface_index(const std::vector<NatInterface>& interfaces, const std::string& name) {
  for (size_t i = 0; i < interfaces.size(); ++i) {
    if (interfaces[i].name == name) return static_cast<uint16_t>(i);
  }
  // The loader checked every name; a mismatch is a bug, not bad input.
  throw std::logic_error("nat: interface '" + name + "' is not in the snapshot");
}

uint32_t network_order(const config::IpAddress& address) {
  uint32_t be;
  std::memcpy(&be, address.bytes.data(), 4);
  return be;
}

}  // namespace

bool proto_class_of(uint8_t ip_proto, ProtoClass& out) {
  switch (ip_proto) {
    case config::kProtoTcp:
      out = ProtoClass::kTcp;
      return true;
    case config::kProtoUdp:
      out = ProtoClass::kUdp;
      return true;
    case config::kProtoIcmp:
      out = ProtoClass::kIcmp;
      return true;
    default:
      return false;
  }
}

NatRules NatRules::compile(const config::Nat& nat, const std::vector<NatInterface>& interfaces,
                           const std::vector<std::string>& zone_names) {
  NatRules rules;
  rules.inside_.assign(zone_names.size(), false);
  for (const auto& iface : interfaces) rules.interface_v4_.push_back(iface.first_v4);
  for (const auto& rule : nat.source) {
    SourceRule compiled;
    compiled.name = rule.name;
    compiled.out_iface = interface_index(interfaces, rule.out_interface);
    compiled.external = interfaces[compiled.out_iface].first_v4;
    compiled.ports = PortRange{rule.first_port, rule.last_port};
    for (const auto& zone : rule.from_zones) {
      const auto at = std::find(zone_names.begin(), zone_names.end(), zone);
      if (at == zone_names.end()) throw std::logic_error("nat: zone '" + zone + "' is not in the snapshot");
      compiled.from_zones.push_back(static_cast<uint16_t>(at - zone_names.begin()));
      rules.inside_[compiled.from_zones.back()] = true;
    }
    if (compiled.from_zones.empty()) {
      std::fill(rules.inside_.begin(), rules.inside_.end(), true);
      const uint16_t outside = interfaces[compiled.out_iface].zone;
      if (outside < rules.inside_.size()) rules.inside_[outside] = false;
    }
    rules.externals_.push_back(compiled.external);
    rules.source_.push_back(std::move(compiled));
  }
  for (const auto& forward : nat.forwards) {
    Forward compiled;
    compiled.name = forward.name;
    compiled.in_iface = interface_index(interfaces, forward.in_interface);
    compiled.public_address = interfaces[compiled.in_iface].first_v4;
    compiled.protocol = forward.protocol;
    compiled.port = forward.port;
    compiled.server = network_order(forward.to);
    compiled.server_port = forward.to_port;
    rules.externals_.push_back(compiled.public_address);
    rules.forwards_.push_back(std::move(compiled));
  }
  return rules;
}

const SourceRule* NatRules::source_rule(uint16_t from_zone, uint16_t out_iface) const {
  for (const auto& rule : source_) {
    if (rule.out_iface != out_iface) continue;
    if (rule.from_zones.empty() ||
        std::find(rule.from_zones.begin(), rule.from_zones.end(), from_zone) != rule.from_zones.end()) {
      return &rule;
    }
  }
  return nullptr;
}

const Forward* NatRules::forward_from(uint32_t server, uint8_t protocol, uint16_t port) const {
  for (const auto& forward : forwards_) {
    if (forward.server == server && forward.protocol == protocol && forward.server_port == port)
      return &forward;
  }
  return nullptr;
}

const Forward* NatRules::forward_to(uint32_t address, uint8_t protocol, uint16_t port) const {
  for (const auto& forward : forwards_) {
    if (forward.public_address == address && forward.protocol == protocol && forward.port == port)
      return &forward;
  }
  return nullptr;
}

bool NatRules::is_external(uint32_t address) const {
  return std::find(externals_.begin(), externals_.end(), address) != externals_.end();
}

PortRange NatRules::range_of(uint32_t address) const {
  for (const auto& rule : source_) {
    if (rule.external == address) return rule.ports;
  }
  return PortRange{config::kNatDefaultFirstPort, config::kNatDefaultLastPort};
}

}  // namespace torwart::dataplane::nat
