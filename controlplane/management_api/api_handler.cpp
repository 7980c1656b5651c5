#include "controlplane/management_api/api_handler.hpp"

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "controlplane/management_api/config_sections.hpp"
#include "controlplane/torwartd/request_handler.hpp"

namespace torwart::controlplane::api {
namespace {

constexpr size_t kMaxJsonDepth = 64;  // the JSON parser recurses: a deep nesting must not exhaust the stack

// An answer the API gives itself (not the service's): status and one sentence.
struct Refusal {
  unsigned status;
  std::string error;
};

ApiResponse json_answer(unsigned status, const nlohmann::json& body) {
  ApiResponse r;
  r.status = status;
  r.body = body.dump();
  return r;
}

ApiResponse error_answer(unsigned status, std::string_view kind, const std::string& error,
                         const nlohmann::json& details = nlohmann::json::array()) {
  return json_answer(status, {{"kind", kind}, {"error", error}, {"details", details}});
}

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

// `pattern` with "{version}" against `path`: the parameter when it matches.
bool path_matches(std::string_view pattern, std::string_view path, std::optional<uint64_t>& parameter) {
  const size_t brace = pattern.find('{');
  if (brace == std::string_view::npos) return pattern == path;
  if (path.substr(0, brace) != pattern.substr(0, brace)) return false;
  const std::string_view rest = path.substr(std::min(brace, path.size()));
  if (rest.find('/') != std::string_view::npos) return false;
  parameter = whole_number(rest);
  return true;  // a non-number is the route's own 400, not a 404
}

struct Target {
  std::string_view path;
  std::map<std::string, std::string> query;
};

// Only plain `key=value` pairs of letters, digits, '-' and '_': nothing this API takes needs escaping.
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

// Copies the query's numbers into the request; anything else in the query is refused by name.
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

// The request body's fields, only those named (an unknown one is a typo the caller must hear about).
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

// `"v12"`, `W/"v12"` or a list of them (RFC 9110); `*` matches any existing version.
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

unsigned status_of(const std::string& kind) {
  if (kind == "bad_input") return 400;
  if (kind == "conflict") return 409;
  return 503;  // failure: the fast path or the disk; the caller may retry
}

std::string sections_list(const std::set<std::string>& sections) {
  std::string out;
  for (const auto& s : sections) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "none" : out;
}

}  // namespace

std::string etag_of(uint64_t version) {
  return "\"v" + std::to_string(version) + "\"";
}

Author author_of(const ClientIdentity& identity) {
  Author a;
  a.name = identity.common_name;
  a.via = "api";
  a.role = identity.role ? std::string(to_string(*identity.role)) : "none";
  a.certificate = identity.subject + " (serial " + identity.serial + ", issuer " + identity.issuer + ")";
  return a;
}

ApiHandler::ApiHandler(ControlService& service, std::string openapi_document)
    : service_(service), openapi_document_(std::move(openapi_document)) {}

ApiResponse ApiHandler::handle(const ApiRequest& request, const ClientIdentity& identity) {
  ApiResponse response;
  try {
    response = dispatch(request, identity);
  } catch (const ServiceError& e) {
    response = error_answer(status_of(to_string(e.kind)), to_string(e.kind), e.what(), e.details);
  } catch (const std::exception& e) {
    response = error_answer(500, "failure", e.what());
  }
  ++answers_[response.status];
  return response;
}

ApiResponse ApiHandler::refuse(const Author& who, const std::string& action, const std::string& reason) {
  ++refusals_;
  service_.audit_refusal(who, action, reason);
  return error_answer(403, "forbidden", reason);
}

ApiResponse ApiHandler::dispatch(const ApiRequest& request, const ClientIdentity& identity) {
  auto split = split_target(request.target);
  if (auto* refusal = std::get_if<Refusal>(&split))
    return error_answer(refusal->status, "bad_input", refusal->error);
  const Target target = std::get<Target>(split);

  const Route* route = nullptr;
  std::optional<uint64_t> path_version;
  std::string allow;
  for (const auto& candidate : kRoutes) {
    std::optional<uint64_t> parameter;
    if (!path_matches(candidate.path, target.path, parameter)) continue;
    if (candidate.method == request.method) {
      route = &candidate;
      path_version = parameter;
      break;
    }
    allow += (allow.empty() ? "" : ", ") + std::string(candidate.method);
  }
  if (route == nullptr && !allow.empty()) {
    ApiResponse r =
        error_answer(405, "bad_input", request.method + " is not allowed on this path (" + allow + ")");
    r.allow = allow;
    return r;
  }
  if (route == nullptr)
    return error_answer(404, "not_found", "no such resource: " + std::string(target.path.substr(0, 200)));

  const Author who = author_of(identity);
  const std::string action = "api " + std::string(route->method) + " " + std::string(route->path);
  if (!identity.role) return refuse(who, action, identity.role_problem);
  const Role role = *identity.role;
  if (!holds(role, route->permission)) {
    return refuse(who, action,
                  "role " + std::string(to_string(role)) + " lacks the permission " +
                      std::string(to_string(route->permission)) + " that " + std::string(route->method) +
                      " " + std::string(route->path) + " needs");
  }

  const std::string command(route->command);
  nlohmann::json call = {{"command", command}};
  std::optional<Refusal> refusal;
  auto take_body = [&](std::initializer_list<std::string_view> allowed) {
    auto fields = body_fields(request.body, allowed);
    if (auto* r = std::get_if<Refusal>(&fields)) {
      refusal = *r;
      return;
    }
    for (const auto& [key, value] : std::get<nlohmann::json>(fields).items()) call[key] = value;
  };
  if (command == "flows")
    refusal = take_query(target, {"limit"}, {}, call);
  else if (command == "audit")
    refusal = take_query(target, {"after", "limit"}, {}, call);
  else if (command == "diff")
    refusal = take_query(target, {"from", "to"}, {"from", "to"}, call);
  else if (!target.query.empty())
    refusal = Refusal{400, "query: " + command + " takes no parameters"};
  if (!refusal) {
    if (command == "validate")
      take_body({"config", "origin"});
    else if (command == "commit")
      take_body({"config", "origin", "comment", "confirm_within_ms"});
    else if (command == "rollback")
      take_body({"version", "comment"});
    else if (command == "import")
      take_body({"history"});
    else if (command == "repair")
      take_body({"version", "config", "lost", "comment"});
    else if (command == "set-logging")
      take_body({"section", "comment", "confirm_within_ms"});
  }
  if (command == "show" && route->path.find("{version}") != std::string_view::npos) {
    if (!path_version)
      refusal = Refusal{400, "path: the version must be a whole number"};
    else
      call["version"] = *path_version;
  }
  if (refusal) return error_answer(refusal->status, "bad_input", refusal->error);

  const uint64_t current = service_.current_version();
  if (route->version_use == VersionUse::kRequires) {
    if (request.if_match.empty()) {
      return error_answer(
          428, "precondition_required",
          "a change needs If-Match with the ETag of the version it was made on (GET /api/v1/config "
          "or /api/v1/logging)");
    }
    const auto base = if_match_version(request.if_match, current);
    if (!base || *base != current) {
      ApiResponse r =
          error_answer(412, "conflict",
                       "If-Match " + request.if_match.substr(0, 64) + " is not the current version " +
                           etag_of(current) + "; read it again and redo the change");
      r.etag = etag_of(current);
      return r;
    }
    call["base"] = current;
  }
  if (command == "openapi") {
    ApiResponse r;
    r.body = openapi_document_;
    return r;
  }

  const std::string current_text =
      current == 0 ? std::string() : service_.show(std::nullopt)["config"].get<std::string>();
  if (command == "logging") {
    ApiResponse r =
        json_answer(200, {{"version", current}, {"section", section_text(current_text, "logging")}});
    r.etag = etag_of(current);
    return r;
  }
  if (command == "set-logging") {
    if (!call.contains("section") || !call["section"].is_string())
      return error_answer(400, "bad_input", "request body: needs \"section\", the text `logging: ...`");
    try {
      call["config"] = replace_section(current_text, "logging", call["section"].get<std::string>());
    } catch (const SectionError& e) {
      return error_answer(400, "bad_input", std::string("section: ") + e.what());
    }
    call.erase("section");
    call["command"] = "commit";
    call["origin"] = "logging section";
  }
  // A role held to some sections: the change must not reach beyond them (the candidate's validity is the
  // service's to judge; a text that is not even YAML is refused here already).
  const auto sections = changeable_sections(role);
  const std::string effective = call["command"].get<std::string>();
  if (sections && (effective == "commit" || effective == "rollback")) {
    std::string candidate;
    if (effective == "commit") {
      if (!call.contains("config") || !call["config"].is_string())
        return error_answer(400, "bad_input", "request body: needs \"config\", the configuration text");
      candidate = call["config"].get<std::string>();
    } else {
      if (!call.contains("version") || !call["version"].is_number_unsigned())
        return error_answer(400, "bad_input", "request body: needs \"version\", the version to restore");
      candidate = service_.show(call["version"].get<uint64_t>())["config"].get<std::string>();
    }
    std::set<std::string> changed;
    try {
      changed = changed_sections(current_text, candidate);
    } catch (const SectionError& e) {
      return error_answer(400, "bad_input", e.what());
    }
    std::set<std::string> beyond;
    std::set_difference(changed.begin(), changed.end(), sections->begin(), sections->end(),
                        std::inserter(beyond, beyond.end()));
    if (!beyond.empty()) {
      return refuse(who, action,
                    "role " + std::string(to_string(role)) + " may change only " + sections_list(*sections) +
                        "; this change also touches " + sections_list(beyond));
    }
  }

  const nlohmann::json answer = handle_request(service_, call, who);
  ApiResponse r;
  if (answer.value("ok", false)) {
    r = json_answer(200, answer["result"]);
  } else {
    const std::string kind = answer.value("kind", "failure");
    r = error_answer(status_of(kind), kind, answer.value("error", ""),
                     answer.value("details", nlohmann::json::array()));
  }
  if (route->version_use != VersionUse::kNone) r.etag = etag_of(service_.current_version());
  return r;
}

}  // namespace torwart::controlplane::api
