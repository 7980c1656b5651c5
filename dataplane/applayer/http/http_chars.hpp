#pragma once
// Internal to the HTTP parser: character classes of RFC 9110/9112.
#include <cstdint>

namespace torwart::dataplane::applayer::http::detail {

inline bool is_token_char(uint8_t b) {
  if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')) return true;
  switch (b) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

inline char lower(uint8_t b) {
  return b >= 'A' && b <= 'Z' ? static_cast<char>(b - 'A' + 'a') : static_cast<char>(b);
}

inline bool is_space(uint8_t b) {
  return b == ' ' || b == '\t';
}

inline bool is_control(uint8_t b) {
  return b < 0x20 || b == 0x7f;
}

}  // namespace torwart::dataplane::applayer::http::detail
