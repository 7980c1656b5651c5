#include "rules/signatures/option_text.hpp"

#include <cctype>
#include <charconv>

#include "rules/signatures/parse_error.hpp"

namespace torwart::signatures::detail {

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

std::vector<std::string> split_list(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == separator) {
      parts.emplace_back(trim(text.substr(start, i - start)));
      start = i + 1;
    }
  }
  return parts;
}

std::vector<RawOption> split_options(std::string_view body) {
  std::vector<RawOption> options;
  std::string current;
  bool escaped = false;
  auto finish = [&options](std::string_view text) {
    const std::string_view option = trim(text);
    if (option.empty()) throw ParseFailure(ErrorKind::syntax, "", "empty option (two ';' in a row)");
    RawOption raw;
    const auto colon = option.find(':');
    raw.keyword = std::string(trim(option.substr(0, colon)));
    if (colon != std::string_view::npos) {
      raw.value = std::string(trim(option.substr(colon + 1)));
      raw.has_value = true;
    }
    if (raw.keyword.empty()) throw ParseFailure(ErrorKind::syntax, "", "option without a keyword");
    options.push_back(std::move(raw));
  };
  for (const char c : body) {
    if (escaped) {
      current += c;
      escaped = false;
      continue;
    }
    if (c == '\\') {
      escaped = true;
      current += c;
      continue;
    }
    // Like Suricata, only an escape protects ';': quotes do not, so a pcre may hold a bare '"'.
    if (c == ';') {
      finish(current);
      current.clear();
      continue;
    }
    current += c;
  }
  if (!trim(current).empty()) {
    const std::string keyword(trim(std::string_view(current).substr(0, current.find(':'))));
    throw ParseFailure(ErrorKind::syntax, keyword, "last option is not terminated by ';'");
  }
  return options;
}

std::string require_quoted(const std::string& keyword, std::string_view value) {
  std::size_t backslashes_before_end = 0;
  while (value.size() >= 2 + backslashes_before_end &&
         value[value.size() - 2 - backslashes_before_end] == '\\') {
    ++backslashes_before_end;
  }
  if (value.size() < 2 || value.front() != '"' || value.back() != '"' || backslashes_before_end % 2 == 1) {
    throw ParseFailure(ErrorKind::syntax, keyword,
                       "unbalanced quotes: value must be one double-quoted string");
  }
  return std::string(value.substr(1, value.size() - 2));
}

namespace {
char resolve_escape(const std::string& keyword, char escaped) {
  if (escaped == '"' || escaped == ';' || escaped == '\\' || escaped == ':') return escaped;
  throw ParseFailure(ErrorKind::malformed_value, keyword,
                     std::string("unknown escape '\\") + escaped + "' (only \\\" \\; \\\\ \\: are allowed)");
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string unescape(const std::string& keyword, std::string_view quoted_inner) {
  std::string text;
  for (std::size_t i = 0; i < quoted_inner.size(); ++i) {
    const char c = quoted_inner[i];
    if (c == '\\') {
      if (i + 1 == quoted_inner.size())
        throw ParseFailure(ErrorKind::malformed_value, keyword, "trailing '\\'");
      const char escaped = quoted_inner[++i];
      // Free text such as msg keeps an escape it does not know, as Suricata loads ET Open's "\d" in msg.
      if (escaped != '"' && escaped != ';' && escaped != '\\' && escaped != ':') text += '\\';
      text += escaped;
    } else if (c == '"') {
      throw ParseFailure(ErrorKind::malformed_value, keyword, "unescaped '\"' inside the quoted value");
    } else {
      text += c;
    }
  }
  return text;
}

std::string decode_content(const std::string& keyword, std::string_view quoted_inner) {
  std::string bytes;
  bool in_hex = false;
  int pending_nibble = -1;
  for (std::size_t i = 0; i < quoted_inner.size(); ++i) {
    const char c = quoted_inner[i];
    if (c == '|') {
      if (in_hex && pending_nibble >= 0) {
        throw ParseFailure(ErrorKind::malformed_value, keyword, "odd number of hex digits between '|'");
      }
      in_hex = !in_hex;
      continue;
    }
    if (in_hex) {
      if (c == ' ') continue;
      const int digit = hex_digit(c);
      if (digit < 0) {
        throw ParseFailure(ErrorKind::malformed_value, keyword,
                           std::string("'") + c + "' is not a hex digit");
      }
      if (pending_nibble < 0) {
        pending_nibble = digit;
      } else {
        bytes += static_cast<char>(pending_nibble * 16 + digit);
        pending_nibble = -1;
      }
      continue;
    }
    if (c == '\\') {
      if (i + 1 == quoted_inner.size())
        throw ParseFailure(ErrorKind::malformed_value, keyword, "trailing '\\'");
      bytes += resolve_escape(keyword, quoted_inner[++i]);
    } else if (c == '"') {
      throw ParseFailure(ErrorKind::malformed_value, keyword, "unescaped '\"' inside the pattern");
    } else {
      bytes += c;
    }
  }
  if (in_hex) throw ParseFailure(ErrorKind::malformed_value, keyword, "hex run not closed by '|'");
  if (bytes.empty()) throw ParseFailure(ErrorKind::malformed_value, keyword, "empty pattern");
  return bytes;
}

std::int64_t parse_integer(const std::string& keyword, std::string_view text, std::int64_t min,
                           std::int64_t max) {
  text = trim(text);
  std::int64_t value = 0;
  const auto* const end = text.data() + text.size();
  const auto result = std::from_chars(text.data(), end, value);
  if (text.empty() || result.ec == std::errc::invalid_argument || result.ptr != end) {
    throw ParseFailure(ErrorKind::malformed_value, keyword, "'" + std::string(text) + "' is not an integer");
  }
  if (result.ec == std::errc::result_out_of_range || value < min || value > max) {
    throw ParseFailure(ErrorKind::out_of_range, keyword,
                       std::string(text) + " is outside " + std::to_string(min) + ".." + std::to_string(max));
  }
  return value;
}

std::uint64_t parse_unsigned_any_base(const std::string& keyword, std::string_view text) {
  text = trim(text);
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
    base = 16;
  }
  std::uint64_t value = 0;
  const auto* const end = text.data() + text.size();
  const auto result = std::from_chars(text.data(), end, value, base);
  if (text.empty() || result.ec == std::errc::invalid_argument || result.ptr != end) {
    throw ParseFailure(ErrorKind::malformed_value, keyword, "'" + std::string(text) + "' is not a number");
  }
  if (result.ec == std::errc::result_out_of_range) {
    throw ParseFailure(ErrorKind::out_of_range, keyword, std::string(text) + " does not fit 64 bits");
  }
  return value;
}

bool is_identifier(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') return false;
  }
  return true;
}

}  // namespace torwart::signatures::detail
