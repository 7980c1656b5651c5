#pragma once
// Shorthands the signature tests share: parse a rule that must (or must not) parse, and find its options.
#include <gtest/gtest.h>

#include <string>

#include "rules/signatures/signature_parser.hpp"

namespace torwart::signatures::testing {

inline std::string rule_with(const std::string& options, const std::string& protocol = "tcp") {
  return "alert " + protocol + " $EXTERNAL_NET any -> $HOME_NET 80 (msg:\"test\"; " + options +
         " sid:1; rev:1;)";
}

inline Signature parse_ok(const std::string& text) {
  auto result = parse_signature(text, "test.rules", 1);
  if (!result.ok()) ADD_FAILURE() << result.error().to_string() << "\n  in: " << text;
  return result.ok() ? result.signature() : Signature{};
}

inline ParseError parse_fails(const std::string& text) {
  auto result = parse_signature(text, "test.rules", 7);
  if (result.ok()) ADD_FAILURE() << "parsed although it should not: " << text;
  return result.ok() ? ParseError{} : result.error();
}

template <typename T>
std::vector<T> options_of(const Signature& signature) {
  std::vector<T> found;
  for (const auto& option : signature.options) {
    if (const auto* value = std::get_if<T>(&option.value)) found.push_back(*value);
  }
  return found;
}

}  // namespace torwart::signatures::testing
