#pragma once
// One Suricata rule's text to a Signature, or the ParseError that says where and why it was refused.
#include <set>
#include <string>
#include <string_view>
#include <variant>

#include "rules/signatures/parse_error.hpp"
#include "rules/signatures/signature.hpp"

namespace torwart::signatures {

struct SignatureParseResult {
  std::variant<Signature, ParseError> outcome;

  bool ok() const { return std::holds_alternative<Signature>(outcome); }
  const Signature& signature() const { return std::get<Signature>(outcome); }
  Signature& signature() { return std::get<Signature>(outcome); }
  const ParseError& error() const { return std::get<ParseError>(outcome); }
};

// `text` is one rule; lines continued with a trailing '\' may still be in it. `file` and `line` only
// label the result.
SignatureParseResult parse_signature(std::string_view text, std::string_view file = {}, std::size_t line = 0);

// Every option keyword the parser accepts, and those of them that set an unsupported feature.
const std::set<std::string>& known_keywords();

}  // namespace torwart::signatures
