#pragma once
// YAML text -> validated Config. Every problem is reported (not only the first), each naming the file,
// line, column, the path inside the document and the reason. A configuration with any error is refused whole.
#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "rules/config/config.hpp"

namespace torwart::config {

struct ConfigError {
  std::string file;
  int line = 0;      // 1-based; 0 when the error concerns the whole document
  int column = 0;    // 1-based
  std::string path;  // e.g. "ports[2].addresses[0]"
  std::string reason;

  std::string to_string() const;  // "file:line:column: path: reason"
};

using LoadResult = std::variant<Config, std::vector<ConfigError>>;

// A configuration is a few kilobytes; 4 MiB leaves room for large object lists inline and keeps a
// mistaken file (a capture, a disk image) from being parsed at all.
inline constexpr std::size_t kMaxConfigBytes = std::size_t{4} << 20;

// `warnings`, when given, receives what loads but is probably not what was meant (same form as errors);
// `torwart check` prints them. Warnings never refuse a configuration.
LoadResult load_config_text(std::string_view text, std::string_view file_name,
                            std::vector<ConfigError>* warnings = nullptr);
// Reads a regular file of at most kMaxConfigBytes; anything else is an error naming the file.
LoadResult load_config_file(const std::string& path, std::vector<ConfigError>* warnings = nullptr);

// The configuration shipped inside the binary (rules/baseline/default.yaml).
std::string_view default_config_text();
inline constexpr std::string_view kDefaultConfigName = "<built-in default>";

}  // namespace torwart::config
