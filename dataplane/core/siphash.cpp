#include "dataplane/core/siphash.hpp"

#include <cstring>

#include <rte_byteorder.h>

namespace torwart::dataplane::synflood {
namespace {

// SipHash reads its input as little-endian words: one load on x86, a byte swap elsewhere.
uint64_t load_le64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return rte_le_to_cpu_64(v);
}

uint64_t rotl(uint64_t x, int b) {
  return x << b | x >> (64 - b);
}

struct State {
  uint64_t v0, v1, v2, v3;

  void round() {
    v0 += v1;
    v1 = rotl(v1, 13);
    v1 ^= v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = rotl(v1, 17);
    v1 ^= v2;
    v2 = rotl(v2, 32);
  }
  void absorb(uint64_t m) {
    v3 ^= m;
    round();  // c = 2 compression rounds
    round();
    v0 ^= m;
  }
};

}  // namespace

uint64_t siphash24(const SipKey& key, const void* data, std::size_t length) {
  const uint64_t k0 = load_le64(key.data());
  const uint64_t k1 = load_le64(key.data() + 8);
  State s{k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull, k0 ^ 0x6c7967656e657261ull,
          k1 ^ 0x7465646279746573ull};
  const auto* bytes = static_cast<const uint8_t*>(data);
  const std::size_t whole = length - length % 8;
  for (std::size_t i = 0; i < whole; i += 8) s.absorb(load_le64(bytes + i));
  // Last block: the remaining bytes, zero-padded, with the length's low byte on top.
  uint8_t last[8] = {};
  // memcpy's source must be valid even for no bytes: an empty message may come as a null pointer.
  if (length % 8 != 0) std::memcpy(last, bytes + whole, length % 8);
  last[7] = static_cast<uint8_t>(length);
  s.absorb(load_le64(last));
  s.v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) s.round();  // d = 4 finalization rounds
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace torwart::dataplane::synflood
