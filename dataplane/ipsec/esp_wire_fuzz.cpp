// libFuzzer target: the pre-validation every arriving ESP packet passes (DPDK cannot start inside a fuzz
// target built with clang and the sanitizers; rte_ipsec itself is not fuzzed here). Checks that parse_esp
// stays inside the buffer and that what it accepts is self-consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "dataplane/ipsec/esp_wire.hpp"

using namespace torwart::dataplane::ipsec;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  EspPacket p;
  const EspResult r = parse_esp(data, size, p);
  if (r == EspResult::kOk) {
    // What rte_ipsec is later handed must lie inside the packet and hold a whole GCM ESP packet.
    if (p.packet_length > size || p.header_length > p.packet_length) std::abort();
    const size_t esp = p.packet_length - p.header_length;
    if (esp < kEspMinLength || (esp - kEspHeaderLength - kEspIvLength - kEspIcvLength) % kEspPadAlign != 0) {
      std::abort();
    }
    if (p.outer_version != 4 && p.outer_version != 6) std::abort();
    if (size >= 8) {
      const uint64_t highest = uint64_t{data[0]} << 32 | uint64_t{data[1]} << 8 | data[2];
      const uint32_t window = 64u << (data[3] % 7);
      const uint64_t s = reconstruct_sequence(highest, p.sequence, window);
      if (static_cast<uint32_t>(s) != p.sequence) std::abort();
      (void)replay_reason(highest, s, window);
    }
  } else if (r == EspResult::kCount) {
    std::abort();
  }
  return 0;
}
