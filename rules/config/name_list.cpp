#include <algorithm>
#include <array>

#include "rules/config/config.hpp"

namespace torwart::config {
namespace {

constexpr size_t kMaxName = 255;

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool contains(const std::vector<std::string>& sorted, std::string_view key) {
  return std::binary_search(sorted.begin(), sorted.end(), key, std::less<>{});
}

}  // namespace

bool NameList::matches(std::string_view name) const {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > kMaxName) return false;
  std::array<char, kMaxName> buffer;
  for (size_t i = 0; i < name.size(); ++i) buffer[i] = lower(name[i]);
  const std::string_view lowered(buffer.data(), name.size());
  if (contains(exact, lowered)) return true;
  // Every proper suffix that starts at a label boundary: ".b.c" and ".c" of "a.b.c".
  for (size_t dot = lowered.find('.'); dot != std::string_view::npos; dot = lowered.find('.', dot + 1)) {
    if (contains(suffixes, lowered.substr(dot))) return true;
  }
  return false;
}

void NameList::add(const NameList& other) {
  exact.insert(exact.end(), other.exact.begin(), other.exact.end());
  suffixes.insert(suffixes.end(), other.suffixes.begin(), other.suffixes.end());
}

void NameList::normalise() {
  for (auto* list : {&exact, &suffixes}) {
    std::sort(list->begin(), list->end());
    list->erase(std::unique(list->begin(), list->end()), list->end());
  }
}

}  // namespace torwart::config
