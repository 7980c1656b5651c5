#pragma once
// A temporary directory with spool files written the way the fast path writes them.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace torwart::controlplane::log_shipping::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline void append(const std::filesystem::path& file, const std::string& text) {
  std::ofstream(file, std::ios::app | std::ios::binary) << text;
}

// An EVE-like record with a number, as one line.
inline std::string eve_line(int n) {
  return "{\"timestamp\":\"2026-11-22T10:00:00.000000+0000\",\"event_type\":\"flow\",\"n\":" +
         std::to_string(n) + "}\n";
}

}  // namespace torwart::controlplane::log_shipping::testing
