// msg, sid, rev, gid, classtype, priority, metadata, reference, target: what a rule says about itself.
#include <cstdint>
#include <limits>

#include "rules/signatures/parser_state.hpp"

namespace torwart::signatures::detail {
namespace {

constexpr std::int64_t kMaxU32 = std::numeric_limits<std::uint32_t>::max();

std::optional<OptionValue> msg(ParserState& state, const RawOption& option) {
  state.once(option);
  state.signature.msg =
      unescape(option.keyword, require_quoted(option.keyword, ParserState::value_of(option)));
  return TextOption{state.signature.msg};
}

std::optional<OptionValue> sid(ParserState& state, const RawOption& option) {
  state.once(option);
  state.signature.sid =
      static_cast<std::uint32_t>(parse_integer(option.keyword, ParserState::value_of(option), 1, kMaxU32));
  return TextOption{option.value};
}

std::optional<OptionValue> rev(ParserState& state, const RawOption& option) {
  state.once(option);
  state.signature.rev =
      static_cast<std::uint32_t>(parse_integer(option.keyword, ParserState::value_of(option), 0, kMaxU32));
  return TextOption{option.value};
}

std::optional<OptionValue> gid(ParserState& state, const RawOption& option) {
  state.once(option);
  state.signature.gid =
      static_cast<std::uint32_t>(parse_integer(option.keyword, ParserState::value_of(option), 1, kMaxU32));
  return TextOption{option.value};
}

std::optional<OptionValue> classtype(ParserState& state, const RawOption& option) {
  state.once(option);
  const auto& value = ParserState::value_of(option);
  if (!is_identifier(value))
    ParserState::fail(ErrorKind::malformed_value, option, "'" + value + "' is not a class name");
  state.signature.classtype = value;
  return TextOption{value};
}

std::optional<OptionValue> priority(ParserState& state, const RawOption& option) {
  state.once(option);
  state.signature.priority =
      static_cast<std::uint32_t>(parse_integer(option.keyword, ParserState::value_of(option), 1, 255));
  return TextOption{option.value};
}

std::optional<OptionValue> metadata(ParserState& state, const RawOption& option) {
  for (const auto& entry : split_list(ParserState::value_of(option), ',')) {
    const auto space = entry.find(' ');
    if (entry.empty() || space == std::string::npos) {
      ParserState::fail(ErrorKind::malformed_value, option, "entry '" + entry + "' is not 'key value'");
    }
    state.signature.metadata.emplace_back(entry.substr(0, space), std::string(trim(entry.substr(space + 1))));
  }
  return TextOption{option.value};
}

std::optional<OptionValue> reference(ParserState& state, const RawOption& option) {
  const auto& value = ParserState::value_of(option);
  const auto comma = value.find(',');
  if (comma == std::string::npos)
    ParserState::fail(ErrorKind::malformed_value, option, "expected 'system,id'");
  Reference parsed{std::string(trim(value.substr(0, comma))), std::string(trim(value.substr(comma + 1)))};
  if (parsed.system.empty() || parsed.id.empty() || !is_identifier(parsed.system)) {
    ParserState::fail(ErrorKind::malformed_value, option, "expected 'system,id' with both parts present");
  }
  state.signature.references.push_back(parsed);
  return parsed;
}

std::optional<OptionValue> target(ParserState& state, const RawOption& option) {
  state.once(option);
  const auto& value = ParserState::value_of(option);
  if (value != "src_ip" && value != "dest_ip") {
    ParserState::fail(ErrorKind::malformed_value, option, "'" + value + "' is neither src_ip nor dest_ip");
  }
  state.signature.target = value;
  return TextOption{value};
}

}  // namespace

void add_meta_keywords(KeywordTable& table) {
  table.emplace("msg", msg);
  table.emplace("sid", sid);
  table.emplace("rev", rev);
  table.emplace("gid", gid);
  table.emplace("classtype", classtype);
  table.emplace("priority", priority);
  table.emplace("metadata", metadata);
  table.emplace("reference", reference);
  table.emplace("target", target);
}

}  // namespace torwart::signatures::detail
