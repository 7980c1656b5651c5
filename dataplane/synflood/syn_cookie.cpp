#include "dataplane/synflood/syn_cookie.hpp"

#include <cstring>

namespace torwart::dataplane::synflood {
namespace {

constexpr uint32_t kHashMask = (1u << 28) - 1;

uint32_t cookie_hash(const SipKey& key, const conntrack::FlowTuple& tuple, uint32_t client_isn,
                     unsigned mss_index, uint64_t slot) {
  // Packed input; the tuple has no padding (static_assert in flow_tuple.hpp).
  uint8_t input[sizeof(conntrack::FlowTuple) + 8 + 4 + 1];
  std::memcpy(input, &tuple, sizeof tuple);
  std::memcpy(input + sizeof tuple, &slot, 8);
  std::memcpy(input + sizeof tuple + 8, &client_isn, 4);
  input[sizeof input - 1] = static_cast<uint8_t>(mss_index);
  return static_cast<uint32_t>(siphash24(key, input, sizeof input)) & kHashMask;
}

}  // namespace

unsigned cookie_mss_index(uint16_t announced_mss) {
  unsigned index = 0;
  for (unsigned i = 1; i < 4; ++i) {
    if (kCookieMss[i] <= announced_mss) index = i;
  }
  return index;
}

uint32_t make_syn_cookie(const SipKey& key, const conntrack::FlowTuple& tuple, uint32_t client_isn,
                         unsigned mss_index, uint64_t now_ns) {
  const uint64_t slot = now_ns / kCookieSlotNs;
  return static_cast<uint32_t>(slot & 3) << 30 | (mss_index & 3u) << 28 |
         cookie_hash(key, tuple, client_isn, mss_index & 3u, slot);
}

std::optional<uint16_t> check_syn_cookie(const SipKey& key, const conntrack::FlowTuple& tuple,
                                         uint32_t client_isn, uint32_t cookie, uint64_t now_ns) {
  const uint64_t now_slot = now_ns / kCookieSlotNs;
  const unsigned mss_index = cookie >> 28 & 3u;
  for (uint64_t age = 0; age < 2 && age <= now_slot; ++age) {
    const uint64_t slot = now_slot - age;
    if ((slot & 3) != cookie >> 30) continue;
    if (cookie_hash(key, tuple, client_isn, mss_index, slot) == (cookie & kHashMask))
      return kCookieMss[mss_index];
  }
  return std::nullopt;
}

}  // namespace torwart::dataplane::synflood
