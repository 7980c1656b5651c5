#pragma once
// What every application-layer parser shares: the direction a byte travels in, the answer of a content probe,
// and a fixed-capacity text field. Parsers are DPDK-free, keep all their state in a trivially copyable struct
// that lives in a per-flow slot (no allocation after start-up), accept their input split at any byte, and
// never trust a length field further than the bytes they hold.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace torwart::dataplane::applayer {

// The client is the side that opened the connection (sent the SYN, or the first UDP datagram).
enum class Direction : uint8_t { kToServer = 0, kToClient = 1 };

inline Direction opposite(Direction d) {
  return d == Direction::kToServer ? Direction::kToClient : Direction::kToServer;
}

// A content probe's answer on the first bytes of a direction.
enum class ProbeResult : uint8_t {
  kMatch,     // this protocol, certainly enough to parse it
  kNoMatch,   // not this protocol
  kNeedMore,  // too few bytes to tell; ask again with more
};

// Text of at most N bytes, kept inline. Longer input is cut at N and marked truncated, never overflows.
template <size_t N>
struct FixedString {
  static_assert(N > 0 && N < 65536);
  uint16_t length = 0;
  bool truncated = false;
  char data[N];

  void clear() {
    length = 0;
    truncated = false;
  }
  // Appends what fits; the rest is dropped and remembered as truncation.
  void append(std::string_view text) {
    const size_t room = N - length;
    const size_t n = std::min(room, text.size());
    std::copy_n(text.data(), n, data + length);
    length = static_cast<uint16_t>(length + n);
    if (n < text.size()) truncated = true;
  }
  void assign(std::string_view text) {
    clear();
    append(text);
  }
  std::string_view view() const { return {data, length}; }
  bool empty() const { return length == 0; }
};

inline std::string_view as_text(std::span<const uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace torwart::dataplane::applayer
