#include "controlplane/torwartd/request_handler.hpp"

#include <string>

namespace torwart::controlplane {
namespace {

const nlohmann::json& field(const nlohmann::json& request, const char* name) {
  if (!request.contains(name))
    throw ServiceError(ErrorKind::kBadInput, std::string("request needs \"") + name + "\"");
  return request[name];
}

std::string string_field(const nlohmann::json& request, const char* name) {
  const auto& f = field(request, name);
  if (!f.is_string())
    throw ServiceError(ErrorKind::kBadInput, std::string("\"") + name + "\" must be a string");
  return f.get<std::string>();
}

std::string optional_string(const nlohmann::json& request, const char* name) {
  return request.contains(name) ? string_field(request, name) : std::string();
}

// Comments and origins end up in tables, logs and the audit trail: one line of printable text.
std::string label_field(const nlohmann::json& request, const char* name, size_t max_bytes) {
  std::string value = optional_string(request, name);
  if (value.size() > max_bytes) {
    throw ServiceError(ErrorKind::kBadInput, std::string("\"") + name + "\" is longer than " +
                                                 std::to_string(max_bytes) + " bytes");
  }
  for (const unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) {
      throw ServiceError(ErrorKind::kBadInput,
                         std::string("\"") + name + "\" must be one line without control characters");
    }
  }
  return value;
}

constexpr size_t kMaxComment = 1024;
constexpr size_t kMaxOrigin = 4096;
constexpr int64_t kMaxConfirmWithinMs = int64_t{24} * 3600 * 1000;

// A whole number >= 0, however the JSON library holds it (signed or unsigned).
bool is_count(const nlohmann::json& f) {
  return f.is_number_unsigned() || (f.is_number_integer() && f.get<int64_t>() >= 0);
}

uint64_t version_field(const nlohmann::json& request, const char* name) {
  const auto& f = field(request, name);
  if (!is_count(f) || f.get<uint64_t>() == 0) {
    throw ServiceError(ErrorKind::kBadInput,
                       std::string("\"") + name + "\" must be a version number (1 or more)");
  }
  return f.get<uint64_t>();
}

nlohmann::json dispatch(ControlService& service, const nlohmann::json& request, const Author& caller) {
  if (!request.is_object()) throw ServiceError(ErrorKind::kBadInput, "a request is a JSON object");
  if (request.contains("protocol") && request["protocol"] != kTorwartdProtocol) {
    throw ServiceError(ErrorKind::kBadInput,
                       "unsupported protocol " + request["protocol"].dump() + " (torwartd speaks 1)");
  }
  const std::string command = string_field(request, "command");
  if (command == "status") return service.status();
  if (command == "stats") return service.stats();
  if (command == "flows") {
    unsigned limit = 100;
    if (request.contains("limit")) {
      const auto& l = request["limit"];
      if (!l.is_number_integer() || l.get<int64_t>() < 1 || l.get<int64_t>() > 1000)
        throw ServiceError(ErrorKind::kBadInput, "limit must be a whole number from 1 to 1000");
      limit = l.get<unsigned>();
    }
    return service.flows(limit);
  }
  if (command == "history") return service.history();
  if (command == "audit") {
    uint64_t after = 0;
    unsigned limit = 100;
    if (request.contains("after")) {
      if (!is_count(request["after"]))
        throw ServiceError(ErrorKind::kBadInput, "\"after\" must be a line number (0 or more)");
      after = request["after"].get<uint64_t>();
    }
    if (request.contains("limit")) {
      const auto& l = request["limit"];
      if (!l.is_number_integer() || l.get<int64_t>() < 1 || l.get<int64_t>() > 1000)
        throw ServiceError(ErrorKind::kBadInput, "limit must be a whole number from 1 to 1000");
      limit = l.get<unsigned>();
    }
    return service.audit_records(after, limit);
  }
  if (command == "export") return service.export_history();
  if (command == "confirm") return service.confirm(caller);
  if (command == "show") {
    return service.show(request.contains("version") ? std::optional(version_field(request, "version"))
                                                    : std::nullopt);
  }
  if (command == "validate") {
    std::string origin = label_field(request, "origin", kMaxOrigin);
    return service.validate(string_field(request, "config"), origin.empty() ? "candidate" : origin);
  }
  if (command == "diff") return service.diff(version_field(request, "from"), version_field(request, "to"));
  if (command == "rollback") {
    return service.rollback(version_field(request, "version"), label_field(request, "comment", kMaxComment),
                            caller);
  }
  if (command == "import") return service.import_history(field(request, "history"), caller);
  if (command == "repair") {
    const uint64_t version = version_field(request, "version");
    const std::string comment = label_field(request, "comment", kMaxComment);
    bool lost = false;
    if (request.contains("lost")) {
      if (!request["lost"].is_boolean())
        throw ServiceError(ErrorKind::kBadInput, "\"lost\" must be true or false");
      lost = request["lost"].get<bool>();
    }
    if (lost == request.contains("config")) {
      throw ServiceError(ErrorKind::kBadInput,
                         "repair needs either \"config\" (the version's exact text) or \"lost\": true");
    }
    return service.repair(version, lost ? std::nullopt : std::optional(string_field(request, "config")),
                          comment, caller);
  }
  if (command == "commit") {
    CommitRequest c;
    c.text = string_field(request, "config");
    c.origin = label_field(request, "origin", kMaxOrigin);
    if (c.origin.empty()) c.origin = "candidate";
    c.comment = label_field(request, "comment", kMaxComment);
    if (request.contains("base")) {
      if (!is_count(request["base"])) {
        throw ServiceError(ErrorKind::kBadInput, "\"base\" must be a version number (0: the empty store)");
      }
      c.base = request["base"].get<uint64_t>();
    }
    if (request.contains("confirm_within_ms")) {
      const auto& f = request["confirm_within_ms"];
      if (!f.is_number_integer() || f.get<int64_t>() <= 0 || f.get<int64_t>() > kMaxConfirmWithinMs) {
        throw ServiceError(ErrorKind::kBadInput,
                           "\"confirm_within_ms\" must be a number of milliseconds from 1 to 24 h");
      }
      c.confirm_within_ms = f.get<int64_t>();
    }
    return service.commit(c, caller);
  }
  throw ServiceError(
      ErrorKind::kBadInput,
      "unknown command '" + command +
          "' (known: status, stats, flows, show, validate, commit, confirm, rollback, history, diff, export, "
          "import, repair, audit)");
}

}  // namespace

nlohmann::json handle_request(ControlService& service, const nlohmann::json& request, const Author& caller) {
  try {
    return {{"protocol", kTorwartdProtocol}, {"ok", true}, {"result", dispatch(service, request, caller)}};
  } catch (const ServiceError& e) {
    nlohmann::json details = nlohmann::json::array();
    for (const auto& d : e.details) details.push_back(d);
    return {{"protocol", kTorwartdProtocol},
            {"ok", false},
            {"kind", to_string(e.kind)},
            {"error", e.what()},
            {"details", details}};
  } catch (const std::exception& e) {
    return {{"protocol", kTorwartdProtocol},
            {"ok", false},
            {"kind", "failure"},
            {"error", e.what()},
            {"details", nlohmann::json::array()}};
  }
}

}  // namespace torwart::controlplane
