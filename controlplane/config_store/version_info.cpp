#include "controlplane/config_store/version_info.hpp"

#include <ctime>
#include <stdexcept>

namespace torwart::controlplane {

std::string to_string(VersionState state) {
  switch (state) {
    case VersionState::kCandidate:
      return "candidate";
    case VersionState::kApplied:
      return "applied";
    case VersionState::kFailed:
      return "failed";
  }
  return "unknown";
}

namespace {
VersionState state_from(const std::string& s) {
  if (s == "candidate") return VersionState::kCandidate;
  if (s == "applied") return VersionState::kApplied;
  if (s == "failed") return VersionState::kFailed;
  throw std::invalid_argument("unknown version state '" + s + "'");
}
}  // namespace

std::string format_utc(int64_t time_ms) {
  const std::time_t seconds = static_cast<std::time_t>(time_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[40];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buffer, static_cast<int>(time_ms % 1000));
  return out;
}

void to_json(nlohmann::json& j, const Author& a) {
  j = {{"uid", a.uid}, {"gid", a.gid}, {"pid", a.pid}, {"name", a.name}};
  if (!a.via.empty()) j["via"] = a.via;
  if (!a.role.empty()) j["role"] = a.role;
  if (!a.certificate.empty()) j["certificate"] = a.certificate;
}
void from_json(const nlohmann::json& j, Author& a) {
  a.uid = j.at("uid").get<uint32_t>();
  a.gid = j.at("gid").get<uint32_t>();
  a.pid = j.at("pid").get<int64_t>();
  a.name = j.at("name").get<std::string>();
  a.via = j.value("via", std::string());
  a.role = j.value("role", std::string());
  a.certificate = j.value("certificate", std::string());
}

void to_json(nlohmann::json& j, const VersionInfo& v) {
  j = {{"version", v.version},          {"author", v.author},   {"time_ms", v.time_ms},
       {"time", format_utc(v.time_ms)}, {"comment", v.comment}, {"kind", v.kind},
       {"based_on", v.based_on},        {"source", v.source},   {"digest", v.digest},
       {"state", to_string(v.state)},   {"failure", v.failure}};
  if (v.size) j["size"] = *v.size;
}
void from_json(const nlohmann::json& j, VersionInfo& v) {
  v.version = j.at("version").get<uint64_t>();
  v.author = j.at("author").get<Author>();
  v.time_ms = j.at("time_ms").get<int64_t>();
  v.comment = j.at("comment").get<std::string>();
  v.kind = j.at("kind").get<std::string>();
  v.based_on = j.at("based_on").get<uint64_t>();
  v.source = j.at("source").get<uint64_t>();
  v.digest = j.at("digest").get<std::string>();
  v.state = state_from(j.at("state").get<std::string>());
  v.failure = j.at("failure").get<std::string>();
  if (j.contains("size")) v.size = j.at("size").get<uint64_t>();
}

void to_json(nlohmann::json& j, const PendingConfirm& p) {
  j = {{"version", p.version},
       {"previous", p.previous},
       {"deadline_ms", p.deadline_ms},
       {"deadline", format_utc(p.deadline_ms)},
       {"author", p.author}};
}
void from_json(const nlohmann::json& j, PendingConfirm& p) {
  p.version = j.at("version").get<uint64_t>();
  p.previous = j.at("previous").get<uint64_t>();
  p.deadline_ms = j.at("deadline_ms").get<int64_t>();
  p.author = j.at("author").get<Author>();
}

}  // namespace torwart::controlplane
