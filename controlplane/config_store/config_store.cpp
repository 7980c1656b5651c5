#include "controlplane/config_store/config_store.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include "controlplane/config_store/atomic_file.hpp"
#include "controlplane/config_store/validate.hpp"
#include "rules/config/config_digest.hpp"
#include "rules/config/load.hpp"

namespace torwart::controlplane {
namespace fs = std::filesystem;

std::string Damage::message() const {
  return "version " + std::to_string(version) + ": " + file + ": " + problem +
         (detail.empty() ? std::string() : " (" + detail + ")");
}

namespace {

std::vector<uint64_t> numbers_on_disk(const fs::path& versions_dir, uint64_t last) {
  std::vector<uint64_t> out;
  for (const auto& entry : fs::directory_iterator(versions_dir)) {
    const std::string name = entry.path().filename().string();
    if (name.size() < 6 || name.substr(name.size() - 5) != ".json") continue;
    const std::string digits = name.substr(0, name.size() - 5);
    if (digits.empty() || digits.size() > 19 || digits.find_first_not_of("0123456789") != std::string::npos)
      continue;
    const uint64_t v = std::stoull(digits);
    if (v != 0 && v <= last) out.push_back(v);
  }
  return out;
}

}  // namespace

ConfigStore::ConfigStore(fs::path dir) : dir_(std::move(dir)) {
  std::error_code ec;
  fs::create_directories(dir_ / "versions", ec);
  if (ec) throw StoreIoError("cannot create " + (dir_ / "versions").string() + ": " + ec.message());
  const fs::path state = dir_ / "state.json";
  if (!fs::exists(state)) return;
  bool listed = false;
  try {
    const auto j = nlohmann::json::parse(read_whole_file(state, kMaxStoreRecordBytes));
    current_ = j.at("current").get<uint64_t>();
    last_ = j.at("last").get<uint64_t>();
    if (!j.at("pending_confirm").is_null()) pending_ = j.at("pending_confirm").get<PendingConfirm>();
    if (j.contains("versions")) {
      versions_ = j.at("versions").get<std::vector<uint64_t>>();
      listed = true;
    }
    if (j.contains("lost")) {
      for (const auto& [key, reason] : j.at("lost").items())
        lost_[std::stoull(key)] = reason.get<std::string>();
    }
    if (j.contains("audit_head") && !j.at("audit_head").is_null()) {
      audit_head_ = AuditHead{j.at("audit_head").at("records").get<uint64_t>(),
                              j.at("audit_head").at("hash").get<std::string>()};
    }
  } catch (const nlohmann::json::exception& e) {
    throw StoreError(state.string() + " is damaged: " + e.what());
  } catch (const std::logic_error& e) {  // std::stoull on a "lost" key
    throw StoreError(state.string() + " is damaged: " + e.what());
  }
  if (!listed) {
    // A store from before the sequence was recorded: its directory is taken as the sequence once (the next
    // write records it). Only the current and the last version are known to have existed for sure.
    versions_ = numbers_on_disk(dir_ / "versions", last_);
    if (current_ != 0) versions_.push_back(current_);
    if (last_ != 0 && lost_.count(last_) == 0) versions_.push_back(last_);
    std::sort(versions_.begin(), versions_.end());
    versions_.erase(std::unique(versions_.begin(), versions_.end()), versions_.end());
  }
  if (!std::is_sorted(versions_.begin(), versions_.end()) ||
      std::adjacent_find(versions_.begin(), versions_.end()) != versions_.end() ||
      (!versions_.empty() && (versions_.front() == 0 || versions_.back() > last_)) ||
      (last_ != 0 && !has(last_) && lost_.count(last_) == 0)) {
    throw StoreError(state.string() + " is damaged: its version list does not run up to \"last\" " +
                     std::to_string(last_));
  }
  for (const auto& [v, reason] : lost_) {
    if (has(v) || v == 0 || v > last_)
      throw StoreError(state.string() + " is damaged: lost version " + std::to_string(v) +
                       " is also held, or outside 1 to \"last\"");
  }
  if (current_ != 0 && !has(current_)) {
    throw StoreError(state.string() + " names current version " + std::to_string(current_) +
                     " that the store does not hold");
  }
  verify_all();
}

fs::path ConfigStore::version_path(uint64_t version, const char* extension) const {
  char name[32];
  std::snprintf(name, sizeof name, "%08llu.%s", static_cast<unsigned long long>(version), extension);
  return dir_ / "versions" / name;
}

bool ConfigStore::has(uint64_t version) const {
  return std::binary_search(versions_.begin(), versions_.end(), version);
}

VersionInfo ConfigStore::read_info(uint64_t version) const {
  const fs::path path = version_path(version, "json");
  if (!fs::exists(path)) throw StoreDamaged(Damage{version, path.string(), "missing record", ""});
  try {
    auto v = nlohmann::json::parse(read_whole_file(path, kMaxStoreRecordBytes)).get<VersionInfo>();
    if (v.version != version) {
      throw StoreDamaged(
          Damage{version, path.string(), "damaged record", "it names version " + std::to_string(v.version)});
    }
    return v;
  } catch (const nlohmann::json::exception& e) {
    throw StoreDamaged(Damage{version, path.string(), "damaged record", e.what()});
  } catch (const std::invalid_argument& e) {
    throw StoreDamaged(Damage{version, path.string(), "damaged record", e.what()});
  }
}

void ConfigStore::refuse_damaged(Damage d) const {
  ++detections_;
  damage_[d.version] = d;
  throw StoreDamaged(std::move(d));
}

VersionInfo ConfigStore::info(uint64_t version) const {
  if (const auto it = lost_.find(version); it != lost_.end()) {
    throw StoreError("version " + std::to_string(version) + " was given up as lost: " + it->second);
  }
  if (!has(version)) {
    throw StoreError(
        "there is no version " + std::to_string(version) +
        (last_ == 0 ? " (the store is empty)" : " (versions 1 to " + std::to_string(last_) + ")"));
  }
  try {
    return read_info(version);
  } catch (const StoreDamaged& e) {
    refuse_damaged(e.damage);
  }
}

std::optional<Damage> ConfigStore::verify(uint64_t version) const {
  VersionInfo v;
  try {
    v = read_info(version);
  } catch (const StoreDamaged& e) {
    return e.damage;
  }
  const fs::path path = version_path(version, "yaml");
  if (!fs::exists(path)) return Damage{version, path.string(), "missing text", ""};
  std::string text;
  try {
    text = read_whole_file(path, config::kMaxConfigBytes);
  } catch (const StoreIoError& e) {
    return Damage{version, path.string(), "unreadable text", e.what()};
  }
  if (v.size && text.size() < *v.size) {
    return Damage{version, path.string(), "truncated",
                  std::to_string(text.size()) + " of " + std::to_string(*v.size) + " bytes"};
  }
  if (config::config_digest(text) != v.digest) {
    return Damage{version, path.string(), "digest mismatch",
                  "the text is not the one whose SHA-256 the record holds"};
  }
  return std::nullopt;
}

std::string ConfigStore::text(uint64_t version) const {
  const VersionInfo v = info(version);  // refuses unknown, lost and unreadable versions
  const fs::path path = version_path(version, "yaml");
  if (!fs::exists(path)) refuse_damaged(Damage{version, path.string(), "missing text", ""});
  std::string text;
  try {
    text = read_whole_file(path, config::kMaxConfigBytes);
  } catch (const StoreIoError& e) {
    refuse_damaged(Damage{version, path.string(), "unreadable text", e.what()});
  }
  if (v.size && text.size() < *v.size) {
    refuse_damaged(Damage{version, path.string(), "truncated",
                          std::to_string(text.size()) + " of " + std::to_string(*v.size) + " bytes"});
  }
  if (config::config_digest(text) != v.digest) {
    refuse_damaged(Damage{version, path.string(), "digest mismatch",
                          "the text is not the one whose SHA-256 the record holds"});
  }
  damage_.erase(version);  // put back by hand since the last check: intact again
  return text;
}

std::vector<uint64_t> ConfigStore::versions() const {
  return versions_;
}

std::vector<VersionInfo> ConfigStore::history() const {
  std::vector<VersionInfo> out;
  for (const uint64_t v : versions_) {
    try {
      out.push_back(info(v));
    } catch (const StoreDamaged&) {
      // Listed by damage(); a history without it must not look complete, so callers show both.
    }
  }
  return out;
}

std::vector<Damage> ConfigStore::verify_all() const {
  std::vector<Damage> out;
  damage_.clear();
  for (const uint64_t v : versions_) {
    if (auto d = verify(v)) {
      damage_[v] = *d;
      out.push_back(std::move(*d));
    }
  }
  detections_ += out.size();
  return out;
}

void ConfigStore::repair_text(uint64_t version, const std::string& text) {
  const VersionInfo v = info(version);  // a damaged record cannot be repaired: its digest is gone
  const std::string digest = config::config_digest(text);
  if (digest != v.digest) {
    throw StoreError("the text's SHA-256 " + digest + " is not version " + std::to_string(version) +
                     "'s recorded digest " + v.digest + "; only the exact text can be put back");
  }
  write_file_atomic(version_path(version, "yaml"), text);
  damage_.erase(version);
}

void ConfigStore::mark_lost(uint64_t version, const std::string& reason) {
  if (!has(version)) info(version);  // throws the unknown/lost message
  if (version == current_) {
    throw StoreError("version " + std::to_string(version) +
                     " is current and cannot be given up; roll back to an intact version first, or put its "
                     "text back with repair");
  }
  if (!verify(version)) {
    throw StoreError("version " + std::to_string(version) +
                     " is intact; only a damaged version can be given up");
  }
  versions_.erase(std::find(versions_.begin(), versions_.end(), version));
  lost_[version] = reason;
  damage_.erase(version);
  save_state();
}

void ConfigStore::write_info(const VersionInfo& info) {
  write_file_atomic(version_path(info.version, "json"), nlohmann::json(info).dump(2) + "\n");
}

void ConfigStore::save_state() {
  nlohmann::json lost = nlohmann::json::object();
  for (const auto& [v, reason] : lost_) lost[std::to_string(v)] = reason;
  nlohmann::json j = {{"current", current_},        {"last", last_},
                      {"versions", versions_},      {"lost", lost},
                      {"pending_confirm", nullptr}, {"audit_head", nullptr}};
  if (pending_) j["pending_confirm"] = *pending_;
  if (audit_head_) j["audit_head"] = {{"records", audit_head_->records}, {"hash", audit_head_->hash}};
  write_file_atomic(dir_ / "state.json", j.dump(2) + "\n");
}

VersionInfo ConfigStore::add_candidate(const std::string& text, VersionInfo meta, uint64_t at_least) {
  meta.version = std::max(last_ + 1, at_least);
  meta.digest = config::config_digest(text);
  meta.size = text.size();
  meta.state = VersionState::kCandidate;
  meta.failure.clear();
  write_file_atomic(version_path(meta.version, "yaml"), text);
  write_info(meta);
  last_ = meta.version;
  versions_.push_back(meta.version);
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

void ConfigStore::set_audit_head(AuditHead head) {
  audit_head_ = std::move(head);
  save_state();
}

std::optional<AuditHead> read_audit_head(const fs::path& dir) {
  const fs::path state = dir / "state.json";
  if (!fs::exists(state)) return std::nullopt;
  try {
    const auto j = nlohmann::json::parse(read_whole_file(state, kMaxStoreRecordBytes));
    if (!j.contains("audit_head") || j.at("audit_head").is_null()) return std::nullopt;
    return AuditHead{j.at("audit_head").at("records").get<uint64_t>(),
                     j.at("audit_head").at("hash").get<std::string>()};
  } catch (const nlohmann::json::exception& e) {
    throw StoreError(state.string() + " is damaged: " + e.what());
  }
}

nlohmann::json ConfigStore::export_history() const {
  if (const auto damaged = verify_all(); !damaged.empty()) {
    Damage first = damaged.front();
    if (damaged.size() > 1)
      first.detail += (first.detail.empty() ? "" : "; ") + std::string("and ") +
                      std::to_string(damaged.size() - 1) + " more damaged version" +
                      (damaged.size() > 2 ? "s" : "");
    throw StoreDamaged(std::move(first));
  }
  nlohmann::json versions = nlohmann::json::array();
  for (const uint64_t v : versions_) {
    nlohmann::json entry = info(v);
    entry["config"] = text(v);  // checked once more: what is exported is what was stored
    versions.push_back(std::move(entry));
  }
  nlohmann::json lost = nlohmann::json::array();
  for (const auto& [v, reason] : lost_) lost.push_back({{"version", v}, {"reason", reason}});
  return {{"format", kExportFormat}, {"format_version", kExportFormatVersion}, {"current", current_},
          {"last", last_},           {"versions", std::move(versions)},        {"lost", std::move(lost)}};
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
  std::map<uint64_t, std::string> lost;
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
      if (e.info.size && *e.info.size != e.text.size())
        throw StoreError(where + ": the text does not have its recorded size");
      previous = e.info.version;
      entries.push_back(std::move(e));
    }
    if (document.contains("lost")) {
      for (const auto& item : document.at("lost")) {
        const uint64_t v = item.at("version").get<uint64_t>();
        const std::string where = "lost version " + std::to_string(v);
        if (v == 0 || v > last)
          throw StoreError(where + " is not from 1 to \"last\" " + std::to_string(last));
        for (const auto& e : entries) {
          if (e.info.version == v) throw StoreError(where + " is also among the versions");
        }
        if (!lost.emplace(v, item.at("reason").get<std::string>()).second)
          throw StoreError(where + " is listed twice");
      }
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
  if (last != 0 && (entries.empty() || entries.back().info.version != last) && lost.count(last) == 0)
    throw StoreError("the export's \"last\" version " + std::to_string(last) + " is neither in it nor lost");
  for (const auto& e : entries) {
    write_file_atomic(version_path(e.info.version, "yaml"), e.text);
    write_info(e.info);
  }
  current_ = current;
  last_ = last;
  versions_.clear();
  for (const auto& e : entries) versions_.push_back(e.info.version);
  lost_ = std::move(lost);
  damage_.clear();
  pending_.reset();
  save_state();
}

}  // namespace torwart::controlplane
