// content and its modifiers, pcre, isdataat and the size checks: what a rule looks for in a buffer.
#include <cctype>
#include <limits>
#include <string>

#include "rules/signatures/buffer_names.hpp"
#include "rules/signatures/parser_state.hpp"

namespace torwart::signatures::detail {

NumberOrVariable ParserState::number_or_variable(const RawOption& option, std::string_view text,
                                                 std::int64_t min, std::int64_t max) const {
  text = trim(text);
  const bool looks_numeric =
      !text.empty() && (text.front() == '-' || std::isdigit(static_cast<unsigned char>(text.front())));
  if (looks_numeric) return NumberOrVariable{parse_integer(option.keyword, text, min, max), {}};
  if (!byte_extract_names.contains(std::string(text))) {
    fail(ErrorKind::malformed_value, option,
         "'" + std::string(text) + "' is neither a number nor a byte_extract variable defined before");
  }
  return NumberOrVariable{0, std::string(text)};
}

namespace {

constexpr std::int64_t kMaxOffset = 65535;

std::optional<OptionValue> content(ParserState& state, const RawOption& option) {
  std::string_view value = ParserState::value_of(option);
  Content parsed;
  if (value.front() == '!') {
    parsed.negated = true;
    value = trim(value.substr(1));
  }
  parsed.bytes = decode_content(option.keyword, require_quoted(option.keyword, value));
  parsed.buffer = state.current_buffer;
  state.last_content = state.signature.options.size();
  state.buffer_switched_since_content = false;
  state.mark_inspected();
  return parsed;
}

void check_not_set(const RawOption& option, bool already) {
  if (already) ParserState::fail(ErrorKind::conflict, option, "given twice for the same content");
}

void check_absolute_relative_mix(const RawOption& option, const Content& content) {
  const bool absolute = content.depth || content.offset;
  const bool relative = content.distance || content.within;
  if (absolute && relative) {
    ParserState::fail(ErrorKind::conflict, option,
                      "depth/offset (absolute) and distance/within (relative) on the same content");
  }
  if (content.startswith && (absolute || relative)) {
    ParserState::fail(ErrorKind::conflict, option,
                      "startswith cannot be combined with depth, offset, distance or within");
  }
}

void check_covers_pattern(const RawOption& option, const Content& content, const NumberOrVariable& bound) {
  if (!bound.is_variable() && bound.number < static_cast<std::int64_t>(content.bytes.size())) {
    ParserState::fail(ErrorKind::out_of_range, option,
                      std::to_string(bound.number) + " is shorter than the pattern (" +
                          std::to_string(content.bytes.size()) + " bytes)");
  }
}

std::optional<OptionValue> flag_modifier(ParserState& state, const RawOption& option) {
  ParserState::no_value(option);
  Content& target = state.content_for_modifier(option);
  bool* flag = option.keyword == "nocase"       ? &target.nocase
               : option.keyword == "rawbytes"   ? &target.rawbytes
               : option.keyword == "startswith" ? &target.startswith
                                                : &target.endswith;
  check_not_set(option, *flag);
  *flag = true;
  check_absolute_relative_mix(option, target);
  return std::nullopt;
}

std::optional<OptionValue> depth(ParserState& state, const RawOption& option) {
  Content& target = state.content_for_modifier(option);
  check_not_set(option, target.depth.has_value());
  target.depth = state.number_or_variable(option, ParserState::value_of(option), 1, kMaxOffset);
  check_covers_pattern(option, target, *target.depth);
  check_absolute_relative_mix(option, target);
  return std::nullopt;
}

std::optional<OptionValue> offset(ParserState& state, const RawOption& option) {
  Content& target = state.content_for_modifier(option);
  check_not_set(option, target.offset.has_value());
  target.offset = state.number_or_variable(option, ParserState::value_of(option), 0, kMaxOffset);
  check_absolute_relative_mix(option, target);
  return std::nullopt;
}

std::optional<OptionValue> distance(ParserState& state, const RawOption& option) {
  Content& target = state.content_for_modifier(option);
  check_not_set(option, target.distance.has_value());
  target.distance = state.number_or_variable(option, ParserState::value_of(option), -kMaxOffset, kMaxOffset);
  check_absolute_relative_mix(option, target);
  return std::nullopt;
}

std::optional<OptionValue> within(ParserState& state, const RawOption& option) {
  Content& target = state.content_for_modifier(option);
  check_not_set(option, target.within.has_value());
  target.within = state.number_or_variable(option, ParserState::value_of(option), -kMaxOffset, kMaxOffset);
  check_covers_pattern(option, target, *target.within);
  check_absolute_relative_mix(option, target);
  return std::nullopt;
}

std::optional<OptionValue> fast_pattern(ParserState& state, const RawOption& option) {
  Content& target = state.content_for_modifier(option);
  if (state.fast_pattern_seen)
    ParserState::fail(ErrorKind::conflict, option, "only one content may be the fast pattern");
  state.fast_pattern_seen = true;
  FastPattern parsed;
  if (option.has_value) {
    if (option.value == "only") {
      parsed.only = true;
    } else {
      const auto parts = split_list(option.value, ',');
      if (parts.size() != 2)
        ParserState::fail(ErrorKind::malformed_value, option, "expected 'only' or 'offset,length'");
      const auto at = static_cast<std::uint32_t>(parse_integer(option.keyword, parts[0], 0, kMaxOffset));
      const auto length = static_cast<std::uint32_t>(parse_integer(option.keyword, parts[1], 1, kMaxOffset));
      if (at + length > target.bytes.size()) {
        ParserState::fail(ErrorKind::out_of_range, option, "offset,length reaches past the pattern's end");
      }
      parsed.offset_length = std::pair{at, length};
    }
  }
  target.fast_pattern = parsed;
  return std::nullopt;
}

std::optional<OptionValue> legacy_content_modifier(ParserState& state, const RawOption& option) {
  ParserState::no_value(option);
  const auto buffer = find_legacy_content_modifier(option.keyword);
  if (state.current_buffer != kPayloadBuffer) {
    ParserState::fail(ErrorKind::misplaced, option,
                      "cannot follow sticky buffer '" + state.current_buffer + "'");
  }
  Content& target = state.content_for_modifier(option);
  if (target.buffer != kPayloadBuffer) {
    ParserState::fail(ErrorKind::conflict, option, "content is already in buffer '" + target.buffer + "'");
  }
  target.buffer = std::string(buffer->canonical);
  return std::nullopt;
}

std::optional<OptionValue> pcre(ParserState& state, const RawOption& option) {
  std::string_view value = ParserState::value_of(option);
  Pcre parsed;
  if (value.front() == '!') {
    parsed.negated = true;
    value = trim(value.substr(1));
  }
  const std::string inner = require_quoted(option.keyword, value);
  const auto last_slash = inner.rfind('/');
  if (inner.empty() || inner.front() != '/' || last_slash == 0) {
    ParserState::fail(ErrorKind::malformed_value, option, "expected \"/pattern/flags\"");
  }
  parsed.pattern = inner.substr(1, last_slash - 1);
  parsed.flags = inner.substr(last_slash + 1);
  if (parsed.pattern.empty()) ParserState::fail(ErrorKind::malformed_value, option, "empty pattern");
  constexpr std::string_view kKnownFlags = "ismxAEGRUIPQHDMCSYVWZBO";
  parsed.buffer = state.current_buffer;
  bool buffer_flag_seen = false;
  for (std::size_t i = 0; i < parsed.flags.size(); ++i) {
    const char flag = parsed.flags[i];
    if (kKnownFlags.find(flag) == std::string_view::npos) {
      ParserState::fail(ErrorKind::malformed_value, option, std::string("unknown flag '") + flag + "'");
    }
    if (parsed.flags.find(flag, i + 1) != std::string::npos) {
      ParserState::fail(ErrorKind::conflict, option, std::string("flag '") + flag + "' given twice");
    }
    if (flag == 'R') parsed.relative = true;
    if (const auto buffer = find_pcre_buffer_flag(flag)) {
      if (buffer_flag_seen) ParserState::fail(ErrorKind::conflict, option, "more than one buffer flag");
      // Q names the response body, which file.data also covers for HTTP.
      const bool same_buffer =
          state.current_buffer == buffer->canonical || (flag == 'Q' && state.current_buffer == "file.data");
      if (state.current_buffer != kPayloadBuffer && !same_buffer) {
        ParserState::fail(
            ErrorKind::conflict, option,
            std::string("buffer flag '") + flag + "' inside sticky buffer '" + state.current_buffer + "'");
      }
      buffer_flag_seen = true;
      if (!same_buffer) parsed.buffer = std::string(buffer->canonical);
    }
  }
  state.mark_inspected();
  return parsed;
}

std::optional<OptionValue> isdataat(ParserState& state, const RawOption& option) {
  const auto parts = split_list(ParserState::value_of(option), ',');
  IsDataAt parsed;
  std::string_view position = parts[0];
  if (!position.empty() && position.front() == '!') {
    parsed.negated = true;
    position.remove_prefix(1);
  }
  parsed.position = state.number_or_variable(option, position, 0, kMaxOffset);
  for (std::size_t i = 1; i < parts.size(); ++i) {
    if (parts[i] == "relative") {
      parsed.relative = true;
    } else if (parts[i] == "rawbytes") {
      parsed.rawbytes = true;
    } else {
      ParserState::fail(ErrorKind::malformed_value, option, "unknown argument '" + parts[i] + "'");
    }
  }
  parsed.buffer = state.current_buffer;
  state.mark_inspected();
  return parsed;
}

NumericCondition parse_condition(const RawOption& option, std::string_view text) {
  constexpr std::int64_t kMax = std::numeric_limits<std::uint32_t>::max();
  text = trim(text);
  NumericCondition condition;
  for (const std::string_view separator : {"<>", "-"}) {
    const auto at = text.find(separator);
    if (at != std::string_view::npos && at > 0) {
      condition.op = NumericCondition::Op::between;
      condition.value =
          static_cast<std::uint64_t>(parse_integer(option.keyword, text.substr(0, at), 0, kMax));
      condition.upper = static_cast<std::uint64_t>(
          parse_integer(option.keyword, text.substr(at + separator.size()), 0, kMax));
      if (condition.upper <= condition.value) {
        ParserState::fail(ErrorKind::out_of_range, option,
                          "range's upper bound is not above its lower bound");
      }
      return condition;
    }
  }
  struct Prefix {
    std::string_view text;
    NumericCondition::Op op;
  };
  for (const Prefix prefix :
       {Prefix{"<=", NumericCondition::Op::less_equal}, Prefix{">=", NumericCondition::Op::greater_equal},
        Prefix{"<", NumericCondition::Op::less}, Prefix{">", NumericCondition::Op::greater},
        Prefix{"!", NumericCondition::Op::not_equal}, Prefix{"=", NumericCondition::Op::equal}}) {
    if (text.starts_with(prefix.text)) {
      condition.op = prefix.op;
      text.remove_prefix(prefix.text.size());
      break;
    }
  }
  condition.value = static_cast<std::uint64_t>(parse_integer(option.keyword, text, 0, kMax));
  return condition;
}

std::optional<OptionValue> bsize(ParserState& state, const RawOption& option) {
  if (state.current_buffer == kPayloadBuffer) {
    ParserState::fail(ErrorKind::misplaced, option, "needs a sticky buffer before it");
  }
  state.mark_inspected();
  return SizeCheck{option.keyword, parse_condition(option, ParserState::value_of(option)),
                   state.current_buffer};
}

std::optional<OptionValue> dsize(ParserState&, const RawOption& option) {
  return SizeCheck{option.keyword, parse_condition(option, ParserState::value_of(option)),
                   std::string(kPayloadBuffer)};
}

std::optional<OptionValue> urilen(ParserState&, const RawOption& option) {
  const auto parts = split_list(ParserState::value_of(option), ',');
  if (parts.size() > 2 || (parts.size() == 2 && parts[1] != "norm" && parts[1] != "raw")) {
    ParserState::fail(ErrorKind::malformed_value, option,
                      "expected a size with an optional ',norm' or ',raw'");
  }
  const bool raw = parts.size() == 2 && parts[1] == "raw";
  return SizeCheck{option.keyword, parse_condition(option, parts[0]), raw ? "http.uri.raw" : "http.uri"};
}

}  // namespace

void add_payload_keywords(KeywordTable& table) {
  table.emplace("content", content);
  for (const char* name : {"nocase", "rawbytes", "startswith", "endswith"})
    table.emplace(name, flag_modifier);
  table.emplace("depth", depth);
  table.emplace("offset", offset);
  table.emplace("distance", distance);
  table.emplace("within", within);
  table.emplace("fast_pattern", fast_pattern);
  for (const char* name : {"http_uri", "http_raw_uri", "http_method", "http_header", "http_raw_header",
                           "http_cookie", "http_client_body", "http_server_body", "http_stat_code",
                           "http_stat_msg", "http_user_agent", "http_host", "http_raw_host"}) {
    table.emplace(name, legacy_content_modifier);
  }
  table.emplace("pcre", pcre);
  table.emplace("isdataat", isdataat);
  table.emplace("bsize", bsize);
  table.emplace("dsize", dsize);
  table.emplace("urilen", urilen);
}

}  // namespace torwart::signatures::detail
