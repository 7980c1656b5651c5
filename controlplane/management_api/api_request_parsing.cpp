#include "controlplane/management_api/api_request_parsing.hpp"

#include <algorithm>
#include <charconv>

namespace torwart::controlplane::api::parsing {

bool nesting_within(std::string_view text, size_t limit) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > limit) return false;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return true;
}

std::optional<uint64_t> whole_number(std::string_view text) {
  uint64_t value = 0;
  if (text.empty() || text.size() > 19) return std::nullopt;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool path_matches(std::string_view pattern, std::string_view path, std::optional<uint64_t>& parameter) {
  const size_t brace = pattern.find('{');
  if (brace == std::string_view::npos) return pattern == path;
  if (path.substr(0, brace) != pattern.substr(0, brace)) return false;
  const std::string_view rest = path.substr(std::min(brace, path.size()));
  if (rest.find('/') != std::string_view::npos) return false;
  parameter = whole_number(rest);
  return true;  // a non-number is the route's own 400, not a 404
}

std::variant<Target, Refusal> split_target(std::string_view target) {
  Target t;
  const size_t question = target.find('?');
  t.path = target.substr(0, question);
  if (question == std::string_view::npos) return t;
  std::string_view rest = target.substr(question + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    const size_t eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    auto plain = [](std::string_view s) {
      return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
               c == '_';
      });
    };
    if (!plain(key) || !plain(value))
      return Refusal{400, "query: '" + std::string(pair.substr(0, 64)) +
                              "' is not a key=value pair of letters and digits"};
    if (!t.query.emplace(key, value).second)
      return Refusal{400, "query: '" + std::string(key) + "' is given twice"};
  }
  return t;
}

std::optional<Refusal> take_query(const Target& target, std::initializer_list<std::string_view> allowed,
                                  std::initializer_list<std::string_view> required, nlohmann::json& request) {
  for (const auto& [key, value] : target.query) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      return Refusal{400, "query: unknown parameter '" + key + "'"};
    const auto number = whole_number(value);
    if (!number) return Refusal{400, "query: " + key + " must be a whole number"};
    request[key] = *number;
  }
  for (const auto key : required)
    if (!request.contains(std::string(key))) return Refusal{400, "query: needs '" + std::string(key) + "'"};
  return std::nullopt;
}

std::variant<nlohmann::json, Refusal> body_fields(const std::string& body,
                                                  std::initializer_list<std::string_view> allowed) {
  if (body.empty()) return nlohmann::json::object();
  if (!nesting_within(body, kMaxJsonDepth))
    return Refusal{400, "request body: nested deeper than " + std::to_string(kMaxJsonDepth) + " levels"};
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) return Refusal{400, "request body: not JSON"};
  if (!j.is_object()) return Refusal{400, "request body: must be a JSON object"};
  for (const auto& [key, value] : j.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      return Refusal{400, "request body: unknown field '" + key + "'"};
  }
  return j;
}

std::optional<uint64_t> if_match_version(std::string_view header, uint64_t current) {
  if (header == "*") return current;
  std::optional<uint64_t> found;
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view tag = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag.rfind("W/", 0) == 0) tag.remove_prefix(2);
    if (tag.size() < 4 || tag.front() != '"' || tag.back() != '"' || tag[1] != 'v') continue;
    const auto v = whole_number(tag.substr(2, tag.size() - 3));
    if (v && (!found || *v == current)) found = v;
  }
  return found;
}

}  // namespace torwart::controlplane::api::parsing
