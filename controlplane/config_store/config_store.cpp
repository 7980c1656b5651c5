#include "controlplane/config_store/config_store.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include "controlplane/config_store/atomic_file.hpp"
#include "controlplane/config_store/validate.hpp"
#include "rules/config/config_digest.hpp"

namespace torwart::controlplane {
namespace fs = std::filesystem;

ConfigStore::ConfigStore(fs::path dir) : dir_(std::move(dir)) {
  std::error_code ec;
  fs::create_directories(dir_ / "versions", ec);
  if (ec) throw StoreIoError("cannot create " + (dir_ / "versions").string() + ": " + ec.message());
  const fs::path state = dir_ / "state.json";
  if (!fs::exists(state)) return;
  try {
    const auto j = nlohmann::json::parse(read_whole_file(state));
    current_ = j.at("current").get<uint64_t>();
    last_ = j.at("last").get<uint64_t>();
    if (!j.at("pending_confirm").is_null()) pending_ = j.at("pending_confirm").get<PendingConfirm>();
  } catch (const nlohmann::json::exception& e) {
    throw StoreError(state.string() + " is damaged: " + e.what());
  }
  if (current_ > last_ || (current_ != 0 && !has(current_))) {
    throw StoreError(state.string() + " names current version " + std::to_string(current_) +
                     " that the store does not hold");
  }
}

fs::path ConfigStore::version_path(uint64_t version, const char* extension) const {
  char name[32];
  std::snprintf(name, sizeof name, "%08llu.%s", static_cast<unsigned long long>(version), extension);
  return dir_ / "versions" / name;
}

bool ConfigStore::has(uint64_t version) const {
  return version != 0 && version <= last_ && fs::exists(version_path(version, "json"));
}

VersionInfo ConfigStore::info(uint64_t version) const {
  if (!has(version)) {
    throw StoreError(
        "there is no version " + std::to_string(version) +
        (last_ == 0 ? " (the store is empty)" : " (versions 1 to " + std::to_string(last_) + ")"));
  }
  const fs::path path = version_path(version, "json");
  try {
    return nlohmann::json::parse(read_whole_file(path)).get<VersionInfo>();
  } catch (const nlohmann::json::exception& e) {
    throw StoreError(path.string() + " is damaged: " + e.what());
  } catch (const std::invalid_argument& e) {
    throw StoreError(path.string() + " is damaged: " + e.what());
  }
}

std::string ConfigStore::text(uint64_t version) const {
  info(version);  // refuses unknown versions with the message above
  return read_whole_file(version_path(version, "yaml"));
}

std::vector<uint64_t> ConfigStore::versions() const {
  // From the directory, not by counting: numbers may jump (to the fast path's running version).
  std::vector<uint64_t> out;
  for (const auto& entry : fs::directory_iterator(dir_ / "versions")) {
    const std::string name = entry.path().filename().string();
    if (name.size() < 6 || name.substr(name.size() - 5) != ".json") continue;
    const std::string digits = name.substr(0, name.size() - 5);
    if (digits.empty() || digits.size() > 19 || digits.find_first_not_of("0123456789") != std::string::npos)
      continue;
    const uint64_t v = std::stoull(digits);
    if (v != 0 && v <= last_) out.push_back(v);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<VersionInfo> ConfigStore::history() const {
  std::vector<VersionInfo> out;
  for (const uint64_t v : versions()) out.push_back(info(v));
  return out;
}

void ConfigStore::write_info(const VersionInfo& info) {
  write_file_atomic(version_path(info.version, "json"), nlohmann::json(info).dump(2) + "\n");
}

void ConfigStore::save_state() {
  nlohmann::json j = {{"current", current_}, {"last", last_}, {"pending_confirm", nullptr}};
  if (pending_) j["pending_confirm"] = *pending_;
  write_file_atomic(dir_ / "state.json", j.dump(2) + "\n");
}

VersionInfo ConfigStore::add_candidate(const std::string& text, VersionInfo meta, uint64_t at_least) {
  meta.version = std::max(last_ + 1, at_least);
  meta.digest = config::config_digest(text);
  meta.state = VersionState::kCandidate;
  meta.failure.clear();
  write_file_atomic(version_path(meta.version, "yaml"), text);
  write_info(meta);
  last_ = meta.version;
  save_state();
  return meta;
}

void ConfigStore::mark_applied(uint64_t version) {
  VersionInfo v = info(version);
  v.state = VersionState::kApplied;
  v.failure.clear();
  write_info(v);
  current_ = version;
  save_state();
}

void ConfigStore::mark_failed(uint64_t version, const std::string& reason) {
  VersionInfo v = info(version);
  if (version == current_)
    throw StoreError("version " + std::to_string(version) + " is current; it cannot fail");
  v.state = VersionState::kFailed;
  v.failure = reason;
  write_info(v);
}

void ConfigStore::set_pending(std::optional<PendingConfirm> pending) {
  pending_ = std::move(pending);
  save_state();
}

nlohmann::json ConfigStore::export_history() const {
  nlohmann::json versions = nlohmann::json::array();
  for (const auto& v : history()) {
    nlohmann::json entry = v;
    entry["config"] = text(v.version);
    versions.push_back(std::move(entry));
  }
  return {{"format", kExportFormat},
          {"format_version", kExportFormatVersion},
          {"current", current_},
          {"last", last_},
          {"versions", std::move(versions)}};
}

void ConfigStore::import_history(const nlohmann::json& document) {
  if (!empty()) {
    throw StoreError("the store already holds versions 1 to " + std::to_string(last_) +
                     "; import goes into an empty store only (a new or replacement box)");
  }
  struct Entry {
    VersionInfo info;
    std::string text;
  };
  std::vector<Entry> entries;
  uint64_t current = 0, last = 0;
  try {
    if (!document.is_object() || document.value("format", "") != kExportFormat) {
      throw StoreError(std::string("not a configuration history export (\"format\" is not \"") +
                       kExportFormat + "\")");
    }
    if (document.at("format_version").get<int>() != kExportFormatVersion) {
      throw StoreError("export format_version " + document.at("format_version").dump() +
                       " is not supported (1)");
    }
    current = document.at("current").get<uint64_t>();
    last = document.at("last").get<uint64_t>();
    uint64_t previous = 0;
    for (const auto& item : document.at("versions")) {
      Entry e{item.get<VersionInfo>(), item.at("config").get<std::string>()};
      const std::string where = "version " + std::to_string(e.info.version);
      if (e.info.version <= previous) throw StoreError(where + ": versions must be in increasing order");
      if (e.info.version > last) throw StoreError(where + " is above \"last\" " + std::to_string(last));
      if (config::config_digest(e.text) != e.info.digest)
        throw StoreError(where + ": the text does not match its digest");
      previous = e.info.version;
      entries.push_back(std::move(e));
    }
  } catch (const nlohmann::json::exception& e) {
    throw StoreError(std::string("malformed export: ") + e.what());
  } catch (const std::invalid_argument& e) {
    throw StoreError(std::string("malformed export: ") + e.what());
  }
  if (current != 0) {
    bool found = false;
    for (const auto& e : entries)
      found |= e.info.version == current && e.info.state == VersionState::kApplied;
    if (!found)
      throw StoreError("the export's current version " + std::to_string(current) +
                       " is not an applied version in it");
  }
  for (const auto& e : entries) {
    write_file_atomic(version_path(e.info.version, "yaml"), e.text);
    write_info(e.info);
  }
  current_ = current;
  last_ = last;
  pending_.reset();
  save_state();
}

}  // namespace torwart::controlplane
