// flow, flags, flowbits, threshold, detection_filter, app-layer-protocol: conditions on the connection
// and on how often a rule may alert.
#include <algorithm>
#include <array>
#include <limits>
#include <string>

#include "rules/signatures/parser_state.hpp"

namespace torwart::signatures::detail {
namespace {

std::optional<OptionValue> flow(ParserState& state, const RawOption& option) {
  state.once(option);
  constexpr std::array<std::string_view, 11> kKnown = {
      "established", "not_established", "to_server", "to_client", "from_server", "from_client",
      "stateless",   "only_stream",     "no_stream", "only_frag", "no_frag"};
  Flow parsed;
  for (const auto& part : split_list(ParserState::value_of(option), ',')) {
    if (std::find(kKnown.begin(), kKnown.end(), part) == kKnown.end()) {
      ParserState::fail(ErrorKind::malformed_value, option, "unknown flow option '" + part + "'");
    }
    if (!parsed.flags.insert(part).second)
      ParserState::fail(ErrorKind::conflict, option, "'" + part + "' given twice");
  }
  // to_server and from_client mean the same direction, as do to_client and from_server.
  const bool server_bound = parsed.flags.contains("to_server") || parsed.flags.contains("from_client");
  const bool client_bound = parsed.flags.contains("to_client") || parsed.flags.contains("from_server");
  const std::array<std::pair<bool, std::string_view>, 4> conflicts = {{
      {server_bound && client_bound, "both directions"},
      {parsed.flags.contains("established") && parsed.flags.contains("not_established"),
       "established and not_established"},
      {parsed.flags.contains("established") && parsed.flags.contains("stateless"),
       "established and stateless"},
      {parsed.flags.contains("only_stream") && parsed.flags.contains("no_stream"),
       "only_stream and no_stream"},
  }};
  for (const auto& [conflicting, what] : conflicts) {
    if (conflicting)
      ParserState::fail(ErrorKind::conflict, option, "contradicting options: " + std::string(what));
  }
  return parsed;
}

std::optional<OptionValue> flags(ParserState&, const RawOption& option) {
  const auto parts = split_list(ParserState::value_of(option), ',');
  if (parts.size() > 2) ParserState::fail(ErrorKind::malformed_value, option, "expected 'flags[,mask]'");
  constexpr std::string_view kFlagLetters = "FSRPAUCE012";
  auto check_letters = [&option, kFlagLetters](std::string_view letters, std::string_view what) {
    if (letters.empty())
      ParserState::fail(ErrorKind::malformed_value, option, std::string(what) + " is empty");
    for (const char letter : letters) {
      if (kFlagLetters.find(letter) == std::string_view::npos) {
        ParserState::fail(ErrorKind::malformed_value, option,
                          std::string("unknown TCP flag '") + letter + "' in " + std::string(what));
      }
    }
  };
  std::string letters = parts[0];
  std::string modifiers;
  while (!letters.empty() && std::string_view("+*!").find(letters.front()) != std::string_view::npos) {
    modifiers += letters.front();
    letters.erase(0, 1);
  }
  while (!letters.empty() && std::string_view("+*!").find(letters.back()) != std::string_view::npos) {
    modifiers += letters.back();
    letters.pop_back();
  }
  if (modifiers.size() > 1) ParserState::fail(ErrorKind::malformed_value, option, "more than one of + * !");
  check_letters(letters, "flags");
  TcpFlags parsed{modifiers + letters, {}};
  if (parts.size() == 2) {
    check_letters(parts[1], "mask");
    parsed.mask = parts[1];
  }
  return parsed;
}

std::optional<OptionValue> flowbits(ParserState&, const RawOption& option) {
  const auto& value = ParserState::value_of(option);
  const auto comma = value.find(',');
  const std::string command(trim(std::string_view(value).substr(0, comma)));
  Flowbits parsed;
  constexpr std::array<std::pair<std::string_view, Flowbits::Command>, 6> kCommands = {{
      {"set", Flowbits::Command::set},
      {"isset", Flowbits::Command::isset},
      {"isnotset", Flowbits::Command::isnotset},
      {"unset", Flowbits::Command::unset},
      {"toggle", Flowbits::Command::toggle},
      {"noalert", Flowbits::Command::noalert},
  }};
  const auto found =
      std::find_if(kCommands.begin(), kCommands.end(), [&](const auto& c) { return c.first == command; });
  if (found == kCommands.end())
    ParserState::fail(ErrorKind::malformed_value, option, "unknown command '" + command + "'");
  parsed.command = found->second;
  if (parsed.command == Flowbits::Command::noalert) {
    if (comma != std::string::npos)
      ParserState::fail(ErrorKind::malformed_value, option, "noalert takes no name");
    return parsed;
  }
  if (comma == std::string::npos)
    ParserState::fail(ErrorKind::missing_required, option, "'" + command + "' needs a name");
  const std::string names(trim(std::string_view(value).substr(comma + 1)));
  const bool any_of = names.find('|') != std::string::npos;
  const bool all_of = names.find('&') != std::string::npos;
  if (any_of && all_of) ParserState::fail(ErrorKind::malformed_value, option, "'|' and '&' mixed");
  parsed.combinator = any_of ? '|' : all_of ? '&' : 0;
  parsed.names = parsed.combinator ? split_list(names, parsed.combinator) : std::vector<std::string>{names};
  for (const auto& name : parsed.names) {
    if (!is_identifier(name))
      ParserState::fail(ErrorKind::malformed_value, option, "'" + name + "' is not a flowbit name");
  }
  return parsed;
}

Threshold parse_threshold(const RawOption& option, bool with_type) {
  Threshold parsed;
  parsed.keyword = option.keyword;
  std::optional<std::int64_t> count, seconds;
  for (const auto& part : split_list(ParserState::value_of(option), ',')) {
    const auto space = part.find(' ');
    const std::string key = part.substr(0, space);
    const std::string argument = space == std::string::npos ? "" : std::string(trim(part.substr(space + 1)));
    if (key == "type" && with_type) {
      if (argument != "limit" && argument != "threshold" && argument != "both") {
        ParserState::fail(ErrorKind::malformed_value, option, "unknown type '" + argument + "'");
      }
      parsed.type = argument;
    } else if (key == "track") {
      if (argument != "by_src" && argument != "by_dst" && argument != "by_rule" && argument != "by_both" &&
          argument != "by_flow") {
        ParserState::fail(ErrorKind::malformed_value, option, "unknown track '" + argument + "'");
      }
      parsed.track = argument;
    } else if (key == "count") {
      count = parse_integer(option.keyword, argument, 1, std::numeric_limits<std::uint32_t>::max());
    } else if (key == "seconds") {
      seconds = parse_integer(option.keyword, argument, 1, std::numeric_limits<std::uint32_t>::max());
    } else {
      ParserState::fail(ErrorKind::malformed_value, option, "unknown argument '" + part + "'");
    }
  }
  if ((with_type && parsed.type.empty()) || parsed.track.empty() || !count || !seconds) {
    ParserState::fail(ErrorKind::missing_required, option,
                      with_type ? "needs type, track, count and seconds" : "needs track, count and seconds");
  }
  parsed.count = static_cast<std::uint32_t>(*count);
  parsed.seconds = static_cast<std::uint32_t>(*seconds);
  return parsed;
}

std::optional<OptionValue> threshold(ParserState& state, const RawOption& option) {
  state.once(option);
  return parse_threshold(option, true);
}

std::optional<OptionValue> detection_filter(ParserState& state, const RawOption& option) {
  state.once(option);
  return parse_threshold(option, false);
}

std::optional<OptionValue> app_layer_protocol(ParserState&, const RawOption& option) {
  const auto parts = split_list(ParserState::value_of(option), ',');
  AppLayerProtocol parsed;
  std::string_view name = parts[0];
  if (!name.empty() && name.front() == '!') {
    parsed.negated = true;
    name.remove_prefix(1);
  }
  if (!is_identifier(name))
    ParserState::fail(ErrorKind::malformed_value, option, "'" + parts[0] + "' is not a protocol name");
  parsed.protocol = std::string(name);
  return parsed;
}

}  // namespace

void add_flow_keywords(KeywordTable& table) {
  table.emplace("flow", flow);
  table.emplace("flags", flags);
  table.emplace("flowbits", flowbits);
  table.emplace("threshold", threshold);
  table.emplace("detection_filter", detection_filter);
  table.emplace("app-layer-protocol", app_layer_protocol);
}

}  // namespace torwart::signatures::detail
