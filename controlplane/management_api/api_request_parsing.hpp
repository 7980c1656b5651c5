#pragma once
// Reading a management API request's parts: the path against a route's pattern, the query, If-Match and the
// JSON body. Pure functions on untrusted text (fuzzed by fuzz.api_request with the HTTP parser before them).
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

namespace torwart::controlplane::api::parsing {

inline constexpr size_t kMaxJsonDepth =
    64;  // the JSON parser recurses: a deep nesting must not exhaust the stack

// An answer the API gives itself (not the service's): status and one sentence.
struct Refusal {
  unsigned status;
  std::string error;
};

// Brackets and braces outside strings nest at most `limit` deep.
bool nesting_within(std::string_view text, size_t limit);
// Decimal digits only, at most 19 of them.
std::optional<uint64_t> whole_number(std::string_view text);
// `pattern` with "{version}" against `path`; the parameter when there is one and it is a number.
bool path_matches(std::string_view pattern, std::string_view path, std::optional<uint64_t>& parameter);

struct Target {
  std::string_view path;
  std::map<std::string, std::string> query;
};
// Only plain `key=value` pairs of letters, digits, '-' and '_': nothing this API takes needs escaping.
std::variant<Target, Refusal> split_target(std::string_view target);
// Copies the query's numbers into `request`; anything else in the query is refused by name.
std::optional<Refusal> take_query(const Target& target, std::initializer_list<std::string_view> allowed,
                                  std::initializer_list<std::string_view> required, nlohmann::json& request);
// The body's JSON object with only the fields named (an unknown one is a typo the caller must hear about).
std::variant<nlohmann::json, Refusal> body_fields(const std::string& body,
                                                  std::initializer_list<std::string_view> allowed);
// `"v12"`, `W/"v12"` or a list of them (RFC 9110); `*` matches the current version.
std::optional<uint64_t> if_match_version(std::string_view header, uint64_t current);

}  // namespace torwart::controlplane::api::parsing
