#include "dataplane/ipsec/sa_spec.hpp"

#include <string>

namespace torwart::dataplane::ipsec {
namespace {

bool all_zero(const Address& address) {
  const size_t length = address.family == Family::kIpv4 ? 4 : 16;
  for (size_t i = 0; i < length; ++i) {
    if (address.bytes[i] != 0) return false;
  }
  return true;
}

}  // namespace

const char* direction_name(Direction direction) {
  return direction == Direction::kInbound ? "inbound" : "outbound";
}

std::string validate(const SaSpec& spec) {
  if (spec.spi < 256) {
    return "spi: " + std::to_string(spec.spi) + " is reserved (RFC 4303 2.1: 1..255 reserved, 0 never sent)";
  }
  if (spec.direction != Direction::kInbound && spec.direction != Direction::kOutbound) {
    return "direction: neither inbound nor outbound";
  }
  if (spec.cipher == Cipher::kAesGcm128) {
    if (spec.key_length != 16) {
      return "key_length: AES-GCM-128 needs a 16-byte key, got " + std::to_string(spec.key_length);
    }
  } else if (spec.cipher == Cipher::kAesGcm256) {
    if (spec.key_length != 32) {
      return "key_length: AES-GCM-256 needs a 32-byte key, got " + std::to_string(spec.key_length);
    }
  } else {
    return "cipher: only AES-GCM-128 and AES-GCM-256 (16-byte ICV) are supported";
  }
  for (const Address* address : {&spec.local, &spec.remote}) {
    const char* name = address == &spec.local ? "local" : "remote";
    if (address->family != Family::kIpv4 && address->family != Family::kIpv6) {
      return std::string(name) + ": address family is neither IPv4 nor IPv6";
    }
    if (all_zero(*address)) return std::string(name) + ": the unspecified address cannot be a tunnel end";
  }
  if (spec.local.family != spec.remote.family) {
    return "remote: outer addresses must be of one family (local and remote differ)";
  }
  if (spec.inner_family != Family::kIpv4 && spec.inner_family != Family::kIpv6) {
    return "inner_family: neither IPv4 nor IPv6";
  }
  if (spec.udp_encapsulation) {
    if (spec.udp_source_port == 0) return "udp_source_port: 0 with UDP encapsulation";
    if (spec.udp_destination_port == 0) return "udp_destination_port: 0 with UDP encapsulation";
  } else if (spec.udp_source_port != 0 || spec.udp_destination_port != 0) {
    return "udp_source_port: ports given but udp_encapsulation is off";
  }
  if (spec.direction == Direction::kOutbound && spec.replay_window != 0) {
    return "replay_window: only an inbound SA has a replay window";
  }
  if (spec.replay_window != 0 && (spec.replay_window < 64 || spec.replay_window > 4096)) {
    return "replay_window: " + std::to_string(spec.replay_window) + " is outside 64..4096 (0 turns it off)";
  }
  if (spec.direction == Direction::kInbound && spec.extended_sequence_numbers && spec.replay_window == 0) {
    // Without a window the receiver cannot infer the high 32 bits (RFC 4303 A.2 needs one).
    return "replay_window: extended sequence numbers need a replay window on an inbound SA";
  }
  const Lifetime& life = spec.lifetime;
  if (life.soft_bytes != 0 && life.hard_bytes != 0 && life.soft_bytes > life.hard_bytes) {
    return "lifetime.soft_bytes: above lifetime.hard_bytes";
  }
  if (life.soft_packets != 0 && life.hard_packets != 0 && life.soft_packets > life.hard_packets) {
    return "lifetime.soft_packets: above lifetime.hard_packets";
  }
  const uint64_t last = spec.extended_sequence_numbers ? UINT64_MAX : UINT32_MAX;
  if (spec.initial_sequence >= last) {
    return "initial_sequence: leaves no sequence number to send or receive";
  }
  return {};
}

}  // namespace torwart::dataplane::ipsec
