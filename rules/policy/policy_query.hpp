#pragma once
// What the policy is asked about a packet, and what it answers. Kept free of DPDK so that callers and tests
// can build queries without the EAL.
#include <array>
#include <cstdint>
#include <string_view>

#include "rules/config/config.hpp"

namespace torwart::policy {

struct PolicyQuery {
  config::Family family = config::Family::kIpv4;
  uint8_t proto = 0;
  uint8_t from_zone = 0;          // Snapshot zone index of the ingress interface
  uint8_t to_zone = 0;            // zone index of the egress interface
  uint16_t src_port = 0;          // host order; ICMP: echo identifier (never matched)
  uint16_t dst_port = 0;          // host order; ICMP/ICMPv6: type << 8 | code, as PacketMeta::dst_port
  std::array<uint8_t, 16> src{};  // network order; IPv4 uses bytes 0..3
  std::array<uint8_t, 16> dst{};
};

inline constexpr uint32_t kDefaultRule = 0xffffffff;

struct PolicyVerdict {
  uint32_t rule = kDefaultRule;  // index into config.policy.rules, or kDefaultRule
  config::PolicyAction action = config::PolicyAction::kDrop;
  bool log = true;
  // Rules with application matches come before `rule` and match the addresses and service: the flow is let
  // through provisionally and decided again as the application layer learns facts
  // (CompiledPolicy::decide_app).
  bool app_pending = false;
  std::string_view rule_name;  // points into the CompiledPolicy; "default" for the default verdict

  bool is_default() const { return rule == kDefaultRule; }
};

}  // namespace torwart::policy
