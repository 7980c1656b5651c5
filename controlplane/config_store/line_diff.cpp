#include "controlplane/config_store/line_diff.hpp"

#include <algorithm>
#include <vector>

namespace torwart::controlplane {
namespace {

// Lines keep their '\n', so that a missing newline at the end is a difference too.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, end - start + 1));
    start = end + 1;
  }
  return lines;
}

enum class Op { kEqual, kRemove, kAdd };
struct Edit {
  Op op;
  size_t old_index;  // the line's index in its text (old for kEqual/kRemove, new for kAdd)
  size_t new_index;
};

// Edits turning a[lo_a, hi_a) into b[lo_b, hi_b).
void middle_edits(const std::vector<std::string_view>& a, size_t lo_a, size_t hi_a,
                  const std::vector<std::string_view>& b, size_t lo_b, size_t hi_b, std::vector<Edit>& out) {
  const size_t n = hi_a - lo_a, m = hi_b - lo_b;
  if ((n + 1) * (m + 1) > kMaxLcsCells) {
    for (size_t i = lo_a; i < hi_a; ++i) out.push_back({Op::kRemove, i, lo_b});
    for (size_t j = lo_b; j < hi_b; ++j) out.push_back({Op::kAdd, hi_a, j});
    return;
  }
  // lcs[i][j]: longest common subsequence of a[lo_a+i..hi_a) and b[lo_b+j..hi_b).
  std::vector<uint32_t> lcs((n + 1) * (m + 1), 0);
  auto at = [&](size_t i, size_t j) -> uint32_t& { return lcs[i * (m + 1) + j]; };
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m; j-- > 0;) {
      at(i, j) = a[lo_a + i] == b[lo_b + j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
    }
  }
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[lo_a + i] == b[lo_b + j]) {
      out.push_back({Op::kEqual, lo_a + i, lo_b + j});
      ++i, ++j;
    } else if (i < n && (j == m || at(i + 1, j) >= at(i, j + 1))) {  // removals before additions
      out.push_back({Op::kRemove, lo_a + i, lo_b + j});
      ++i;
    } else {
      out.push_back({Op::kAdd, lo_a + i, lo_b + j});
      ++j;
    }
  }
}

void append_line(std::string& out, char mark, std::string_view line) {
  out += mark;
  out.append(line);
  if (line.empty() || line.back() != '\n') out += "\n\\ No newline at end of file\n";
}

std::string range(size_t start, size_t count) {
  // diff -u: a range of zero lines is named by the line before it.
  const size_t first = count == 0 ? start : start + 1;
  return std::to_string(first) + (count == 1 ? "" : "," + std::to_string(count));
}

}  // namespace

LineDiff unified_diff(std::string_view old_text, std::string_view new_text, std::string_view old_name,
                      std::string_view new_name, size_t context) {
  LineDiff result;
  if (old_text == new_text) return result;
  const auto a = split_lines(old_text);
  const auto b = split_lines(new_text);
  size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
  size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head && a[a.size() - 1 - tail] == b[b.size() - 1 - tail])
    ++tail;

  std::vector<Edit> edits;
  for (size_t i = 0; i < head; ++i) edits.push_back({Op::kEqual, i, i});
  middle_edits(a, head, a.size() - tail, b, head, b.size() - tail, edits);
  for (size_t k = tail; k-- > 0;) edits.push_back({Op::kEqual, a.size() - 1 - k, b.size() - 1 - k});

  result.unified = "--- " + std::string(old_name) + "\n+++ " + std::string(new_name) + "\n";
  size_t k = 0;
  while (k < edits.size()) {
    while (k < edits.size() && edits[k].op == Op::kEqual) ++k;
    if (k == edits.size()) break;
    // A hunk: from `context` lines before this change to `context` lines after the last change that is
    // at most 2 * context equal lines away from the next.
    const size_t begin = k >= context ? k - context : 0;
    size_t end = k;
    for (size_t equal_run = 0; end < edits.size(); ++end) {
      if (edits[end].op == Op::kEqual) {
        if (++equal_run > 2 * context) break;
      } else {
        equal_run = 0;
      }
    }
    while (end > k && edits[end - 1].op == Op::kEqual) --end;
    end = std::min(edits.size(), end + context);

    size_t old_count = 0, new_count = 0;
    for (size_t e = begin; e < end; ++e) {
      if (edits[e].op != Op::kAdd) ++old_count;
      if (edits[e].op != Op::kRemove) ++new_count;
    }
    const Edit& first = edits[begin];
    const size_t old_start = first.old_index;
    const size_t new_start = first.new_index;
    result.unified += "@@ -" + range(old_start, old_count) + " +" + range(new_start, new_count) + " @@\n";
    for (size_t e = begin; e < end; ++e) {
      switch (edits[e].op) {
        case Op::kEqual:
          append_line(result.unified, ' ', a[edits[e].old_index]);
          break;
        case Op::kRemove:
          append_line(result.unified, '-', a[edits[e].old_index]);
          ++result.summary.removed;
          break;
        case Op::kAdd:
          append_line(result.unified, '+', b[edits[e].new_index]);
          ++result.summary.added;
          break;
      }
    }
    k = end;
  }
  return result;
}

}  // namespace torwart::controlplane
