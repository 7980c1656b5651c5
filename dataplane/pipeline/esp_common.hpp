#pragma once
// What stage_esp_in and stage_esp_out share: dataplane/ipsec's results as drop reasons, and the tunnels'
// selector checks on a packet's addresses.
#include <cstdint>
#include <cstring>
#include <vector>

#include "dataplane/core/drop_reason.hpp"
#include "dataplane/ipsec/esp_result.hpp"
#include "rules/config/ip_address.hpp"

namespace torwart::dataplane {

inline DropReason esp_drop_reason(ipsec::EspResult result) {
  using ipsec::EspResult;
  switch (result) {
    case EspResult::kOk:
      return DropReason::kNone;
    case EspResult::kUnknownSpi:
      return DropReason::kEspUnknownSpi;
    case EspResult::kReplayed:
      return DropReason::kEspReplayed;
    case EspResult::kOutsideWindow:
      return DropReason::kEspOutsideWindow;
    case EspResult::kAuthFailed:
      return DropReason::kEspAuthFailed;
    case EspResult::kWrongInnerProtocol:
      return DropReason::kEspWrongInnerProtocol;
    case EspResult::kFragment:
      return DropReason::kEspFragment;
    case EspResult::kSaExpiredHard:
      return DropReason::kEspSaExpired;
    case EspResult::kSequenceExhausted:
      return DropReason::kEspSequenceExhausted;
    case EspResult::kNoBufferRoom:
      return DropReason::kEspNoBufferRoom;
    case EspResult::kSaSuperseded:
      return DropReason::kEspSaSuperseded;
    case EspResult::kTruncated:
    case EspResult::kMalformed:
    case EspResult::kBadPadding:
    case EspResult::kNotEsp:
    case EspResult::kCount:
      break;
  }
  return DropReason::kEspMalformed;
}

// Whether the IP header at `l3` has its source (or destination) address in one of `prefixes` of its family.
inline bool in_prefixes(const std::vector<config::IpPrefix>& prefixes, const uint8_t* l3, bool ipv6,
                        bool destination) {
  config::IpAddress address;
  if (ipv6) {
    address.family = config::Family::kIpv6;
    std::memcpy(address.bytes.data(), l3 + (destination ? 24 : 8), 16);
  } else {
    std::memcpy(address.bytes.data(), l3 + (destination ? 16 : 12), 4);
  }
  for (const config::IpPrefix& prefix : prefixes) {
    if (prefix.address.family == address.family && prefix.contains(address)) return true;
  }
  return false;
}

}  // namespace torwart::dataplane
