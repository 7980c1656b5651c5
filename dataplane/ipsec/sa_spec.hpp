#pragma once
// What the control socket hands the fast path for one IPsec SA: plain data, filled by a parser from what
// charon installs, checked by validate() before anything is built from it. Tunnel mode ESP only (RFC 4303),
// AES-GCM with a 16-byte ICV (RFC 4106), optionally in UDP (RFC 3948).
#include <array>
#include <cstdint>
#include <string>

namespace torwart::dataplane::ipsec {

enum class Direction : uint8_t { kInbound, kOutbound };
enum class Cipher : uint8_t { kAesGcm128, kAesGcm256 };
enum class Family : uint8_t { kIpv4, kIpv6 };

// An outer tunnel address. For IPv4 only the first 4 bytes count (network order).
struct Address {
  Family family = Family::kIpv4;
  std::array<uint8_t, 16> bytes{};

  bool operator==(const Address&) const = default;
};

// Limits of one SA's life (RFC 4301 4.4.2.1). 0 = no limit. The fast path only flags the soft limits (charon
// rekeys); at a hard limit it drops the SA's packets until charon removes it.
struct Lifetime {
  uint64_t soft_bytes = 0;
  uint64_t hard_bytes = 0;
  uint64_t soft_packets = 0;
  uint64_t hard_packets = 0;
};

struct SaSpec {
  uint32_t spi = 0;  // host order; 1..255 are reserved (RFC 4303 2.1), 0 is never sent
  // charon's request id: the CHILD_SA configuration, and so the tunnel, the SA belongs to (0: none given).
  uint32_t reqid = 0;
  Direction direction = Direction::kInbound;
  Cipher cipher = Cipher::kAesGcm256;
  // IKEv2 delivers KEYMAT per SA as key || 4-byte salt (RFC 4106 8.1); the parser splits it.
  std::array<uint8_t, 32> key{};  // the first 16 (AES-GCM-128) or 32 (AES-GCM-256) bytes are the key
  uint8_t key_length = 0;         // 16 or 32: must agree with cipher
  std::array<uint8_t, 4> salt{};
  // The tunnel's outer addresses from the box's point of view: outbound packets go local -> remote, inbound
  // ones arrive remote -> local (and are looked up by SPI and local).
  Address local;
  Address remote;
  // rte_ipsec fixes an SA's inner IP version (the ESP trailer's next header); a child SA whose traffic
  // selectors cover both families needs two SAs.
  Family inner_family = Family::kIpv4;
  bool udp_encapsulation = false;  // RFC 3948 NAT traversal
  uint16_t udp_source_port = 0;    // host order; our port for outbound, the peer's for inbound (not checked)
  uint16_t udp_destination_port = 0;
  bool extended_sequence_numbers = false;
  uint32_t replay_window = 0;  // inbound only: 0 = off, else 64..4096 packets
  Lifetime lifetime;
  // The sequence number the SA starts after (outbound: the first packet gets initial_sequence + 1, inbound:
  // the replay window sits there). IKE always installs 0; tests set it to reach the 2^32 boundary.
  uint64_t initial_sequence = 0;
};

// Empty when the spec can be built; otherwise one sentence naming the field and the reason.
std::string validate(const SaSpec& spec);

const char* direction_name(Direction direction);

}  // namespace torwart::dataplane::ipsec
