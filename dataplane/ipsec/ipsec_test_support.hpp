#pragma once
// Shared by the IPsec tests (one executable: EAL, the aesni_gcm cryptodev and an mbuf pool started once),
// and an ESP packet builder on OpenSSL that knows nothing of rte_ipsec: the independent side of the
// known-answer tests.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <rte_mbuf.h>

#include "dataplane/ipsec/sa_spec.hpp"
#include "dataplane/ipsec/sa_table.hpp"

namespace torwart::dataplane::ipsec::testing_support {

using Bytes = std::vector<uint8_t>;

rte_mempool* pool();
CryptoDevice& device();
inline constexpr uint32_t kWorkers = 4;

Address ipv4(const std::string& text);
Address ipv6(const std::string& text);

// An inner IPv4 or IPv6/UDP packet of exactly `size` bytes (>= 28 / 48) with a patterned payload.
Bytes inner_packet(Family family, size_t size, uint8_t seed = 0);

rte_mbuf* to_mbuf(const Bytes& bytes);  // single segment, default headroom; fails the test when none
Bytes to_bytes(const rte_mbuf* m);
void free_all(rte_mbuf** mbufs, size_t n);

// A matching outbound/inbound pair: the outbound one from local to remote, the inbound one its mirror (as
// the peer would install it), same SPI, key and salt.
struct SaPair {
  SaSpec outbound;
  SaSpec inbound;
};
SaPair sa_pair(uint32_t spi, Cipher cipher, Family outer, Family inner, bool udp = false, bool esn = false,
               uint32_t window = 64);

// RFC 4303/4106 by hand with OpenSSL EVP: what an ESP tunnel packet with these fields must be.
struct EspFields {
  uint32_t spi = 0;
  uint64_t sequence = 0;  // full; the low half goes on the wire, the high half into the AAD with ESN
  bool esn = false;
  Bytes iv;     // 8 bytes
  Bytes key;    // 16 or 32
  Bytes salt;   // 4
  Bytes inner;  // the inner packet
  uint8_t next_header = 4;
  int pad_length = -1;          // -1: the least that aligns to 4, bytes 1, 2, 3, ...
  bool corrupt_pad = false;     // pad bytes that are not 1, 2, 3, ... (still authentic)
  int claimed_pad_length = -1;  // >= 0: the pad length octet says this instead
};
// ESP header, IV, ciphertext and ICV.
Bytes esp_payload(const EspFields& fields);
// Decrypts an ESP payload (from the ESP header) and returns the plaintext, or empty when the ICV is wrong.
Bytes esp_open(const EspFields& fields, const Bytes& payload);

// The outer IPv4 header (+ UDP) around an ESP payload; checksum filled, UDP checksum 0.
Bytes outer_ipv4(const Address& source, const Address& destination, const Bytes& esp_payload, uint16_t id = 0,
                 bool udp = false, uint16_t source_port = 4500, uint16_t destination_port = 4500);

// A table with its own lifetime for one test.
std::unique_ptr<SaTable> make_table(uint32_t capacity = 64);

}  // namespace torwart::dataplane::ipsec::testing_support
