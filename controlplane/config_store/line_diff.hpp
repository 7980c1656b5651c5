#pragma once
// A unified line diff (as `diff -u`) between two texts, for configuration versions.
#include <cstddef>
#include <string>
#include <string_view>

namespace torwart::controlplane {

struct DiffSummary {
  size_t added = 0;    // lines only in the new text
  size_t removed = 0;  // lines only in the old text
};

struct LineDiff {
  std::string unified;  // empty when the texts are equal
  DiffSummary summary;
};

// `context` unchanged lines around each change. Minimal (longest common subsequence) once the common head
// and tail are cut off, as long as the changed middle is at most kMaxLcsCells lines x lines; beyond that
// the middle is shown as removed and added whole (still exact, not minimal).
LineDiff unified_diff(std::string_view old_text, std::string_view new_text, std::string_view old_name,
                      std::string_view new_name, size_t context = 3);

inline constexpr size_t kMaxLcsCells = size_t{16} << 20;

}  // namespace torwart::controlplane
