#include "rules/signatures/parse_error.hpp"

namespace torwart::signatures {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::syntax:
      return "syntax";
    case ErrorKind::unknown_keyword:
      return "unknown_keyword";
    case ErrorKind::malformed_value:
      return "malformed_value";
    case ErrorKind::out_of_range:
      return "out_of_range";
    case ErrorKind::misplaced:
      return "misplaced";
    case ErrorKind::conflict:
      return "conflict";
    case ErrorKind::missing_required:
      return "missing_required";
  }
  return "unknown";
}

std::string ParseError::to_string() const {
  std::string text = file.empty() ? std::string("<text>") : file;
  text += ":" + std::to_string(line) + ": ";
  if (sid) text += "sid " + std::to_string(*sid) + ": ";
  if (!keyword.empty()) text += "keyword '" + keyword + "': ";
  text += std::string(signatures::to_string(kind)) + ": " + reason;
  return text;
}

}  // namespace torwart::signatures
