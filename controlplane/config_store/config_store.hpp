#pragma once
// The versioned configuration store on disk. Every version is kept complete (its YAML text) with its
// VersionInfo; state.json names the current version and a pending commit-confirmed deadline. Every file is
// written atomically (atomic_file.hpp), state.json last, so a crash leaves the previous state.
//
//   DIR/state.json               {"current": N, "last": M, "pending_confirm": {...} | null}
//   DIR/versions/00000007.yaml   the text of version 7
//   DIR/versions/00000007.json   its VersionInfo
//
// Not thread-safe: torwartd owns it from one thread. Version numbers only grow and are never reused.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controlplane/config_store/version_info.hpp"

namespace torwart::controlplane {

// A request the store refuses (unknown version, import into a store with history, malformed export).
struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class ConfigStore {
 public:
  // Creates DIR and DIR/versions when missing; loads state.json. Throws StoreIoError/StoreError when the
  // directory holds something inconsistent.
  explicit ConfigStore(std::filesystem::path dir);

  const std::filesystem::path& dir() const { return dir_; }
  uint64_t current() const { return current_; }  // 0: no version yet
  uint64_t last() const { return last_; }        // highest version number used
  bool empty() const { return last_ == 0; }

  bool has(uint64_t version) const;
  VersionInfo info(uint64_t version) const;  // throws StoreError for an unknown version
  std::string text(uint64_t version) const;
  std::vector<uint64_t> versions() const;    // the stored version numbers, ascending
  std::vector<VersionInfo> history() const;  // oldest first

  // Stores a new version in state candidate and returns it. Its number is last() + 1, or `at_least` when
  // that is higher (the fast path may already run a higher version number).
  VersionInfo add_candidate(const std::string& text, VersionInfo meta, uint64_t at_least = 0);
  // The fast path acknowledged `version`: it becomes the current one.
  void mark_applied(uint64_t version);
  // `version` will never be current (refused or never acknowledged); current() is unchanged.
  void mark_failed(uint64_t version, const std::string& reason);

  const std::optional<PendingConfirm>& pending() const { return pending_; }
  void set_pending(std::optional<PendingConfirm> pending);

  // The whole history as one JSON document (texts included), and its inverse. import_history refuses a
  // store that already holds versions, and a document whose digests, numbers or current version do not
  // add up; nothing is written unless all of it is valid. A pending deadline is not exported.
  nlohmann::json export_history() const;
  void import_history(const nlohmann::json& document);

 private:
  std::filesystem::path version_path(uint64_t version, const char* extension) const;
  void write_info(const VersionInfo& info);
  void save_state();

  std::filesystem::path dir_;
  uint64_t current_ = 0;
  uint64_t last_ = 0;
  std::optional<PendingConfirm> pending_;
};

inline constexpr const char* kExportFormat = "torwart-config-history";
inline constexpr int kExportFormatVersion = 1;

}  // namespace torwart::controlplane
