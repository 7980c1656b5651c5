#include "controlplane/torwartd/audit_log.hpp"

#include <fstream>

#include "controlplane/config_store/atomic_file.hpp"
#include "controlplane/config_store/validate.hpp"
#include "rules/config/config_digest.hpp"

namespace torwart::controlplane {
namespace {

// The last non-empty line of the file, read backwards in chunks (the log only grows).
std::string last_line(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return {};
  std::streamoff end = in.tellg();
  std::string tail;
  constexpr std::streamoff kChunk = 64 * 1024;
  while (end > 0) {
    const std::streamoff start = std::max<std::streamoff>(0, end - kChunk);
    std::string chunk(static_cast<size_t>(end - start), '\0');
    in.seekg(start);
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    tail.insert(0, chunk);
    end = start;
    while (!tail.empty() && tail.back() == '\n') tail.pop_back();
    const auto newline = tail.rfind('\n');
    if (newline != std::string::npos) return tail.substr(newline + 1);
  }
  return tail;
}

}  // namespace

AuditLog::AuditLog(std::filesystem::path path) : path_(std::move(path)) {
  std::error_code ec;
  if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path(), ec);
  if (ec) throw StoreIoError("cannot create " + path_.parent_path().string() + ": " + ec.message());
  const std::string last = last_line(path_);
  if (!last.empty()) last_hash_ = config::config_digest(last);
  std::ifstream in(path_, std::ios::binary);
  for (std::string line; std::getline(in, line);) records_ += line.empty() ? 0 : 1;
}

void AuditLog::record(int64_t time_ms, const Author& who, const std::string& action,
                      const std::string& result, const nlohmann::json& details) {
  nlohmann::json line = {{"time", format_utc(time_ms)},
                         {"time_ms", time_ms},
                         {"who", who},
                         {"action", action},
                         {"result", result}};
  if (details.is_object()) {
    for (const auto& [key, value] : details.items()) line[key] = value;
  }
  line["prev"] = last_hash_;
  const std::string text = line.dump();
  append_line_durable(path_, text);
  last_hash_ = config::config_digest(text);
  ++records_;
}

std::optional<std::string> verify_audit_log(const std::filesystem::path& path,
                                            const std::optional<AuditHead>& head) {
  const std::string anchored =
      head ? "state.json anchors record " + std::to_string(head->records) + " (SHA-256 " + head->hash + ")"
           : std::string();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (head && head->records > 0) return "the log is missing, but " + anchored;
    return "cannot read " + path.string();
  }
  std::string previous_hash;
  uint64_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.empty()) return "line " + std::to_string(number) + ": empty";
    try {
      const auto record = nlohmann::json::parse(line);
      if (!record.is_object() || !record.contains("prev") || record["prev"] != previous_hash) {
        return "line " + std::to_string(number) +
               ": \"prev\" does not match the line before (removed, changed or " + "reordered records)";
      }
    } catch (const nlohmann::json::parse_error&) {
      return "line " + std::to_string(number) + ": not JSON";
    }
    previous_hash = config::config_digest(line);
    if (head && number == head->records && previous_hash != head->hash) {
      return "line " + std::to_string(number) + ": not the record " + anchored +
             ": the log was cut and written on, or rewritten";
    }
  }
  if (head && number < head->records) {
    return "the log ends at record " + std::to_string(number) + ", but " + anchored + ": the newest " +
           std::to_string(head->records - number) + " records were removed";
  }
  return std::nullopt;
}

std::vector<std::string> recorded_audit_breaks(const std::filesystem::path& path) {
  std::vector<std::string> out;
  std::ifstream in(path, std::ios::binary);
  uint64_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    const auto record = nlohmann::json::parse(line, nullptr, false);
    if (record.is_object() && record.value("action", "") == "audit-break") {
      out.push_back("line " + std::to_string(number) + ": " + record.value("reason", ""));
    }
  }
  return out;
}

}  // namespace torwart::controlplane
