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

#include "controlplane/management_api/api_request_parsing.hpp"
#include "controlplane/management_api/config_sections.hpp"
#include "controlplane/metrics/prometheus_text.hpp"
#include "controlplane/torwartd/request_handler.hpp"

namespace torwart::controlplane::api {
namespace {

using namespace parsing;

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

ApiResponse ApiHandler::metrics() {
  nlohmann::json stats;  // null: the fast path did not answer, which is itself a metric
  try {
    stats = service_.stats();
  } catch (const ServiceError&) {
  }
  ApiResponse r;
  r.content_type = metrics::kContentType;
  r.body = metrics::prometheus_text(stats, service_.status());
  return r;
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
  if (command == "metrics") return metrics();

  // The current text, read (and checked against its digest) only by the operations that look at it: a
  // damaged current version must not take status, history or the rest down with it.
  std::optional<std::string> current_text_read;
  auto current_text = [&]() -> const std::string& {
    if (!current_text_read)
      current_text_read =
          current == 0 ? std::string() : service_.show(std::nullopt)["config"].get<std::string>();
    return *current_text_read;
  };
  if (command == "logging") {
    ApiResponse r =
        json_answer(200, {{"version", current}, {"section", section_text(current_text(), "logging")}});
    r.etag = etag_of(current);
    return r;
  }
  if (command == "set-logging") {
    if (!call.contains("section") || !call["section"].is_string())
      return error_answer(400, "bad_input", "request body: needs \"section\", the text `logging: ...`");
    try {
      call["config"] = replace_section(current_text(), "logging", call["section"].get<std::string>());
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
      changed = changed_sections(current_text(), candidate);
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
    for (const auto& [section, key] : fixed_parts(role)) {
      if (subsection_changed(current_text(), candidate, section, key)) {
        return refuse(who, action,
                      "role " + std::string(to_string(role)) + " may not change " + section + "." + key);
      }
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
