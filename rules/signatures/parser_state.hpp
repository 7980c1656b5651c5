#pragma once
// What the keyword handlers share while one rule's options are read in order: the rule built so far,
// the active sticky buffer, the content the next modifier applies to, and byte_extract's variables.
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "rules/signatures/option_text.hpp"
#include "rules/signatures/parse_error.hpp"
#include "rules/signatures/signature.hpp"

namespace torwart::signatures::detail {

struct ParserState {
  explicit ParserState(Signature& built) : signature(built) {}

  Signature& signature;
  std::string current_buffer = std::string(kPayloadBuffer);
  std::optional<std::size_t> last_content;  // index into signature.options
  bool buffer_inspected = true;             // false right after a sticky buffer until something inspects it
  bool buffer_switched_since_content = false;
  bool fast_pattern_seen = false;
  std::set<std::string> byte_extract_names;
  std::set<std::string> single_keywords_seen;

  [[noreturn]] static void fail(ErrorKind kind, const RawOption& option, const std::string& reason) {
    throw ParseFailure(kind, option.keyword, reason);
  }
  static const std::string& value_of(const RawOption& option) {
    if (!option.has_value || option.value.empty()) fail(ErrorKind::missing_required, option, "needs a value");
    return option.value;
  }
  static void no_value(const RawOption& option) {
    if (option.has_value) fail(ErrorKind::malformed_value, option, "takes no value");
  }
  void once(const RawOption& option) {
    if (!single_keywords_seen.insert(option.keyword).second) {
      fail(ErrorKind::conflict, option, "given more than once");
    }
  }
  // The content a modifier applies to: the last one, and only if no sticky buffer came after it.
  Content& content_for_modifier(const RawOption& option) {
    if (!last_content) fail(ErrorKind::misplaced, option, "content modifier without a preceding content");
    if (buffer_switched_since_content) {
      fail(ErrorKind::misplaced, option,
           "content modifier after sticky buffer '" + current_buffer + "' that has no content of its own");
    }
    return std::get<Content>(signature.options[*last_content].value);
  }
  void mark_inspected() { buffer_inspected = true; }
  NumberOrVariable number_or_variable(const RawOption& option, std::string_view text, std::int64_t min,
                                      std::int64_t max) const;
};

using KeywordHandler = std::function<std::optional<OptionValue>(ParserState&, const RawOption&)>;
using KeywordTable = std::map<std::string, KeywordHandler, std::less<>>;

void add_meta_keywords(KeywordTable& table);
void add_payload_keywords(KeywordTable& table);
void add_byte_keywords(KeywordTable& table);
void add_flow_keywords(KeywordTable& table);
void add_buffer_keywords(KeywordTable& table);
void add_text_keywords(KeywordTable& table);

}  // namespace torwart::signatures::detail
