#pragma once
// The EVE spool's layout on disk, the second channel between the fast path and the control plane: the fast
// path appends to the active file and closes it under a new name; torwartd ships and expires closed files
// only (controlplane/logging/).
#include <filesystem>
#include <string>
#include <string_view>

namespace torwart::control_protocol {

inline constexpr std::string_view kActiveSpoolFile = "eve.json";

// Closed spool files are named eve-<UTC time>-<n>.json; the active eve.json never is.
inline std::string closed_spool_file_name(std::string_view utc_stamp, unsigned long long sequence) {
  return "eve-" + std::string(utc_stamp) + "-" + std::to_string(sequence) + ".json";
}
inline bool is_closed_spool_file(const std::filesystem::path& path) {
  const std::string name = path.filename().string();
  return name.size() > 9 && name.rfind("eve-", 0) == 0 && name.ends_with(".json");
}

}  // namespace torwart::control_protocol
