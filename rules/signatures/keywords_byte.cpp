// byte_test, byte_jump, byte_extract: reading numbers out of the inspected buffer.
#include <cctype>
#include <limits>
#include <string>
#include <vector>

#include "rules/signatures/parser_state.hpp"

namespace torwart::signatures::detail {
namespace {

constexpr std::int64_t kMaxOffset = 65535;

// The trailing options the three keywords share; each keyword says which of them it accepts.
struct ByteOptions {
  bool relative = false;
  Endian endian = Endian::big;
  bool endian_given = false;
  NumberBase base = NumberBase::binary;
  std::optional<std::uint32_t> multiplier;
  std::optional<std::uint64_t> bitmask;
  std::optional<std::int64_t> post_offset;
  std::optional<std::uint32_t> align_to;
  bool align = false;
  bool from_beginning = false;
  bool from_end = false;
};

std::string_view argument_after(const RawOption& option, const std::string& part, std::string_view name) {
  const std::string_view rest = trim(std::string_view(part).substr(name.size()));
  if (rest.empty())
    ParserState::fail(ErrorKind::missing_required, option, "'" + std::string(name) + "' needs a value");
  return rest;
}

ByteOptions parse_byte_options(const RawOption& option, const std::vector<std::string>& parts,
                               std::size_t first, std::string_view accepted) {
  ByteOptions parsed;
  auto accept = [&](std::string_view name) {
    if (accepted.find(std::string(name) + " ") == std::string_view::npos) {
      ParserState::fail(ErrorKind::malformed_value, option,
                        "'" + std::string(name) + "' is not an argument of this keyword");
    }
  };
  auto set_endian = [&](Endian endian) {
    if (parsed.endian_given) ParserState::fail(ErrorKind::conflict, option, "endianness given twice");
    parsed.endian_given = true;
    parsed.endian = endian;
  };
  for (std::size_t i = first; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    const std::string_view name = std::string_view(part).substr(0, part.find(' '));
    accept(name);
    if (name == "relative") {
      parsed.relative = true;
    } else if (name == "big") {
      set_endian(Endian::big);
    } else if (name == "little") {
      set_endian(Endian::little);
    } else if (name == "dce") {
      set_endian(Endian::dce);
    } else if (name == "string") {
      parsed.base = NumberBase::decimal;
    } else if (name == "hex" || name == "dec" || name == "oct") {
      if (parsed.base == NumberBase::binary) {
        ParserState::fail(ErrorKind::misplaced, option, "'" + std::string(name) + "' must follow 'string'");
      }
      parsed.base = name == "hex" ? NumberBase::hex : name == "dec" ? NumberBase::decimal : NumberBase::octal;
    } else if (name == "multiplier") {
      parsed.multiplier = static_cast<std::uint32_t>(
          parse_integer(option.keyword, argument_after(option, part, name), 1, 65535));
    } else if (name == "bitmask") {
      parsed.bitmask = parse_unsigned_any_base(option.keyword, argument_after(option, part, name));
    } else if (name == "post_offset") {
      parsed.post_offset =
          parse_integer(option.keyword, argument_after(option, part, name), -kMaxOffset, kMaxOffset);
    } else if (name == "align" && part.size() > name.size()) {
      parsed.align_to =
          static_cast<std::uint32_t>(parse_integer(option.keyword, argument_after(option, part, name), 2, 4));
    } else if (name == "align") {
      parsed.align = true;
    } else if (name == "from_beginning") {
      parsed.from_beginning = true;
    } else if (name == "from_end") {
      parsed.from_end = true;
    }
  }
  if (parsed.from_beginning && parsed.from_end)
    ParserState::fail(ErrorKind::conflict, option, "from_beginning and from_end");
  return parsed;
}

// Binary reads take 1..8 bytes; string reads 1..10 digits, and ET Open's byte_test also writes 0 with
// string (as many digits as there are), which Suricata loads.
std::uint32_t byte_count(const RawOption& option, const std::string& text, const ByteOptions& parsed,
                         bool zero_allowed_with_string) {
  const bool string = parsed.base != NumberBase::binary;
  const std::int64_t min = string && zero_allowed_with_string ? 0 : 1;
  return static_cast<std::uint32_t>(parse_integer(option.keyword, text, min, string ? 10 : 8));
}

std::vector<std::string> arguments(const RawOption& option, std::size_t required) {
  auto parts = split_list(ParserState::value_of(option), ',');
  if (parts.size() < required) {
    ParserState::fail(ErrorKind::missing_required, option,
                      "needs at least " + std::to_string(required) + " comma-separated arguments");
  }
  return parts;
}

std::optional<OptionValue> byte_test(ParserState& state, const RawOption& option) {
  const auto parts = arguments(option, 4);
  const auto options =
      parse_byte_options(option, parts, 4, "relative big little dce string hex dec oct bitmask ");
  ByteTest parsed;
  parsed.bytes = byte_count(option, parts[0], options, true);
  std::string_view op = parts[1];
  if (!op.empty() && op.front() == '!') {
    parsed.negated = true;
    op = trim(op.substr(1));
  }
  if (op != "<" && op != ">" && op != "=" && op != "<=" && op != ">=" && op != "&" && op != "^") {
    ParserState::fail(ErrorKind::malformed_value, option, "unknown operator '" + parts[1] + "'");
  }
  parsed.op = std::string(op);
  const bool value_is_number =
      !parts[2].empty() && std::isdigit(static_cast<unsigned char>(parts[2].front()));
  parsed.value =
      value_is_number
          ? NumberOrVariable{static_cast<std::int64_t>(parse_unsigned_any_base(option.keyword, parts[2])), {}}
          : state.number_or_variable(option, parts[2], 0, 0);
  parsed.offset = state.number_or_variable(option, parts[3], -kMaxOffset, kMaxOffset);
  parsed.relative = options.relative;
  parsed.endian = options.endian;
  parsed.base = options.base;
  parsed.bitmask = options.bitmask;
  parsed.buffer = state.current_buffer;
  state.mark_inspected();
  return parsed;
}

std::optional<OptionValue> byte_jump(ParserState& state, const RawOption& option) {
  const auto parts = arguments(option, 2);
  const auto options = parse_byte_options(option, parts, 2,
                                          "relative big little dce string hex dec oct multiplier align "
                                          "from_beginning from_end post_offset bitmask ");
  if (options.align_to) ParserState::fail(ErrorKind::malformed_value, option, "align takes no value here");
  ByteJump parsed;
  parsed.bytes = byte_count(option, parts[0], options, false);
  parsed.offset = state.number_or_variable(option, parts[1], -kMaxOffset, kMaxOffset);
  parsed.relative = options.relative;
  parsed.multiplier = options.multiplier;
  parsed.endian = options.endian;
  parsed.base = options.base;
  parsed.align = options.align;
  parsed.from_beginning = options.from_beginning;
  parsed.from_end = options.from_end;
  parsed.post_offset = options.post_offset;
  parsed.bitmask = options.bitmask;
  parsed.buffer = state.current_buffer;
  state.mark_inspected();
  return parsed;
}

std::optional<OptionValue> byte_extract(ParserState& state, const RawOption& option) {
  const auto parts = arguments(option, 3);
  const auto options = parse_byte_options(
      option, parts, 3, "relative big little dce string hex dec oct multiplier align bitmask ");
  ByteExtract parsed;
  parsed.bytes = byte_count(option, parts[0], options, false);
  parsed.offset = parse_integer(option.keyword, parts[1], -kMaxOffset, kMaxOffset);
  parsed.name = parts[2];
  if (!is_identifier(parsed.name) || std::isdigit(static_cast<unsigned char>(parsed.name.front()))) {
    ParserState::fail(ErrorKind::malformed_value, option, "'" + parsed.name + "' is not a variable name");
  }
  if (!state.byte_extract_names.insert(parsed.name).second) {
    ParserState::fail(ErrorKind::conflict, option, "variable '" + parsed.name + "' defined twice");
  }
  parsed.relative = options.relative;
  parsed.multiplier = options.multiplier;
  parsed.endian = options.endian;
  parsed.base = options.base;
  parsed.align = options.align_to;
  parsed.bitmask = options.bitmask;
  parsed.buffer = state.current_buffer;
  state.mark_inspected();
  return parsed;
}

}  // namespace

void add_byte_keywords(KeywordTable& table) {
  table.emplace("byte_test", byte_test);
  table.emplace("byte_jump", byte_jump);
  table.emplace("byte_extract", byte_extract);
}

}  // namespace torwart::signatures::detail
