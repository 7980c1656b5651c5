#pragma once
// The lexical layer of a rule's option list: splitting at unescaped ';', quotes, escapes, hex in content,
// and numbers. Every failure is a ParseFailure naming the keyword.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace torwart::signatures::detail {

struct RawOption {
  std::string keyword;
  std::string value;
  bool has_value = false;  // "nocase;" versus "depth:4;"
};

// The text between the rule's outer parentheses.
std::vector<RawOption> split_options(std::string_view body);

std::string_view trim(std::string_view text);
std::vector<std::string> split_list(std::string_view text, char separator);

// A value that must be a double-quoted string; returns the text between the quotes, escapes untouched.
std::string require_quoted(const std::string& keyword, std::string_view value);
// Resolves \" \; \\ \: in quoted free text such as msg; other escapes stay as written.
std::string unescape(const std::string& keyword, std::string_view quoted_inner);
// content's own syntax: escapes plus |41 42| hex runs.
std::string decode_content(const std::string& keyword, std::string_view quoted_inner);

std::int64_t parse_integer(const std::string& keyword, std::string_view text, std::int64_t min,
                           std::int64_t max);
// Decimal or 0x-prefixed hexadecimal, as byte_test values and bitmasks allow.
std::uint64_t parse_unsigned_any_base(const std::string& keyword, std::string_view text);
bool is_identifier(std::string_view text);

}  // namespace torwart::signatures::detail
