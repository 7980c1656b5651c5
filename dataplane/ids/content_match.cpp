#include "dataplane/ids/content_match.hpp"

#include <algorithm>

namespace torwart::dataplane::ids {
namespace {

constexpr size_t kMaxContents = 64;

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equal_at(const ContentSpec& c, std::span<const uint8_t> buffer, size_t at) {
  for (size_t i = 0; i < c.bytes.size(); ++i) {
    const char have = static_cast<char>(buffer[at + i]);
    const char want = c.bytes[i];
    if (c.nocase ? lower(have) != lower(want) : have != want) return false;
  }
  return true;
}

// The window [begin, end) the content's match must lie in, given where the previous match ended.
bool window_of(const ContentSpec& c, size_t previous_end, size_t size, size_t& begin, size_t& end) {
  int64_t b = 0;
  int64_t e = static_cast<int64_t>(size);
  if (c.relative()) {
    b = static_cast<int64_t>(previous_end) + c.distance.value_or(0);
    if (c.within)
      e = std::min<int64_t>(e, static_cast<int64_t>(previous_end) + c.distance.value_or(0) + *c.within);
    b = std::max<int64_t>(b, 0);
  }
  if (c.offset) b = std::max<int64_t>(b, *c.offset);
  if (c.depth) e = std::min<int64_t>(e, static_cast<int64_t>(c.offset.value_or(0)) + *c.depth);
  if (c.startswith) {
    b = 0;
    e = std::min<int64_t>(e, static_cast<int64_t>(c.bytes.size()));
  }
  if (b > e) return false;
  begin = static_cast<size_t>(b);
  end = static_cast<size_t>(e);
  return true;
}

bool match_from(std::span<const ContentSpec> contents, size_t index, std::span<const uint8_t> buffer,
                size_t previous_end) {
  if (index == contents.size()) return true;
  const ContentSpec& c = contents[index];
  size_t begin = 0, end = 0;
  const bool has_window = window_of(c, previous_end, buffer.size(), begin, end);
  const size_t n = c.bytes.size();
  if (c.negated) {
    // Nothing in the window may match; the next content is relative to the same point.
    if (has_window && n <= end - begin) {
      for (size_t at = begin; at + n <= end; ++at) {
        if (equal_at(c, buffer, at) && (!c.endswith || at + n == buffer.size())) return false;
      }
    }
    return match_from(contents, index + 1, buffer, previous_end);
  }
  if (!has_window || n > end - begin) return false;
  for (size_t at = begin; at + n <= end; ++at) {
    if (!equal_at(c, buffer, at)) continue;
    if (c.endswith && at + n != buffer.size()) continue;
    // Later contents that fail send us on to this content's next occurrence (backtracking).
    if (match_from(contents, index + 1, buffer, at + n)) return true;
  }
  return false;
}

}  // namespace

bool match_contents(std::span<const ContentSpec> contents, std::span<const uint8_t> buffer) {
  if (contents.size() > kMaxContents) return false;
  return match_from(contents, 0, buffer, 0);
}

}  // namespace torwart::dataplane::ids
