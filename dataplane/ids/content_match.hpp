#pragma once
// Exact verification of a signature's content matches on one buffer, after the pattern set said its fast
// pattern occurs: every content in order, each either anywhere (absolute: offset/depth from the buffer's
// start) or relative to the end of the previous content's match (distance/within), with Suricata's
// backtracking: when a later relative content fails, the earlier one is tried at its next occurrence.
// Negated contents must not occur in their window. No allocation; recursion depth is the content count.
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace torwart::dataplane::ids {

struct ContentSpec {
  std::string bytes;
  bool nocase = false;
  bool negated = false;
  // Absolute window (the first content, or one without distance/within): [offset, offset + depth).
  std::optional<uint32_t> offset;
  std::optional<uint32_t> depth;
  // Relative window: starts `distance` after the previous match's end (may be negative), and the match must
  // end within `within` bytes of that end.
  std::optional<int32_t> distance;
  std::optional<uint32_t> within;
  bool startswith = false;  // at the buffer's start (offset 0, depth = length)
  bool endswith = false;    // ending at the buffer's end

  bool relative() const { return distance.has_value() || within.has_value(); }
};

// True when every content matches as the signature describes. At most 64 contents.
bool match_contents(std::span<const ContentSpec> contents, std::span<const uint8_t> buffer);

}  // namespace torwart::dataplane::ids
