#include "controlplane/torwartctl/duration.hpp"

#include <cctype>

namespace torwart::controlplane {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  long long total_s = 0;
  size_t i = 0;
  char last_unit = 0;
  while (i < text.size()) {
    long long n = 0;
    const size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      n = n * 10 + (text[i] - '0');
      if (n > 86400) return std::nullopt;
      ++i;
    }
    if (i == start) return std::nullopt;
    const char unit = i < text.size() ? text[i++] : 's';
    long long factor = 0;
    switch (unit) {
      case 'h':
        factor = 3600;
        break;
      case 'm':
        factor = 60;
        break;
      case 's':
        factor = 1;
        break;
      default:
        return std::nullopt;
    }
    // Units in falling order, each once: "1h30m", not "30m1h" or "5m5m".
    if (last_unit != 0 && !((last_unit == 'h' && unit != 'h') || (last_unit == 'm' && unit == 's')))
      return std::nullopt;
    last_unit = unit;
    total_s += n * factor;
  }
  if (total_s < 1 || total_s > 86400) return std::nullopt;
  return std::chrono::seconds(total_s);
}

}  // namespace torwart::controlplane
