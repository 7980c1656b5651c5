#pragma once
// Why one rule was refused: where it is, which keyword, and the reason, with a kind the load report
// counts by.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace torwart::signatures {

enum class ErrorKind {
  syntax,            // the rule's shape: header, parentheses, quotes, brackets, separators
  unknown_keyword,   // a keyword Suricata's language does not have (or this parser does not know)
  malformed_value,   // the keyword is known, its value is not in its grammar
  out_of_range,      // a number outside what the keyword allows
  misplaced,         // a modifier without content, a sticky buffer or transform at the wrong place
  conflict,          // keywords or values that contradict each other, or a keyword given twice
  missing_required,  // sid, or a required part of a keyword's value
};

std::string_view to_string(ErrorKind kind);

struct ParseError {
  std::string file;
  std::size_t line = 0;
  std::optional<std::uint32_t> sid;
  ErrorKind kind = ErrorKind::syntax;
  std::string keyword;  // the option keyword, or a header part: action, protocol, source, ...
  std::string reason;

  std::string to_string() const;  // "file:line: sid 123: keyword 'depth': reason"
};

// Thrown inside the parser and turned into a ParseError at its edge; never escapes parse_signature.
struct ParseFailure : std::runtime_error {
  ParseFailure(ErrorKind failure_kind, std::string failed_keyword, const std::string& why)
      : std::runtime_error(why), kind(failure_kind), keyword(std::move(failed_keyword)) {}
  ErrorKind kind;
  std::string keyword;
};

}  // namespace torwart::signatures
