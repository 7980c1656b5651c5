#pragma once
// The YAML walker the configuration loader is built on: typed reads that collect errors with their place
// (file, line, column, path) instead of stopping at the first. Shared by load.cpp and load_policy.cpp.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/config/load.hpp"

namespace torwart::config::detail {

// Walks one YAML document, collecting errors with their place instead of stopping at the first.
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  std::vector<ConfigError>& errors() { return errors_; }

  void error(const YAML::Node& node, const std::string& path, const std::string& reason) {
    const YAML::Mark mark = node.Mark();
    const bool known = mark.line >= 0 && !node.IsNull();
    errors_.push_back({file_, known ? mark.line + 1 : 0, known ? mark.column + 1 : 0, path, reason});
  }

  // Refuses keys this section does not know: a typo in a firewall configuration must never be ignored.
  bool expect_map(const YAML::Node& node, const std::string& path,
                  std::initializer_list<std::string_view> keys) {
    if (!node.IsMap()) {
      error(node, path, "expected a mapping");
      return false;
    }
    for (const auto& entry : node) {
      const auto key = entry.first.as<std::string>();
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
        std::string known;
        for (const auto& k : keys) known += (known.empty() ? "" : ", ") + std::string(k);
        error(entry.first, join(path, key), "unknown key (known here: " + known + ")");
      }
    }
    return true;
  }

  static std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }
  static std::string index(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

  std::optional<std::string> string(const YAML::Node& node, const std::string& path) {
    if (!node.IsScalar()) {
      error(node, path, "expected a text value");
      return std::nullopt;
    }
    return node.Scalar();
  }

  std::optional<unsigned> number(const YAML::Node& node, const std::string& path, unsigned min,
                                 unsigned max) {
    if (!node.IsScalar()) {
      error(node, path, "expected a number");
      return std::nullopt;
    }
    const std::string& text = node.Scalar();
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) {
      error(node, path, "'" + text + "' is not a whole number");
      return std::nullopt;
    }
    if (value < min || value > max) {
      error(node, path,
            std::to_string(value) + " is outside " + std::to_string(min) + ".." + std::to_string(max));
      return std::nullopt;
    }
    return value;
  }

  std::optional<bool> boolean(const YAML::Node& node, const std::string& path) {
    if (node.IsScalar()) {
      const std::string& text = node.Scalar();
      if (text == "true" || text == "yes" || text == "on") return true;
      if (text == "false" || text == "no" || text == "off") return false;
    }
    error(node, path, "expected true or false");
    return std::nullopt;
  }

  // Durations: "10s", "5m", "1h" or a bare number of seconds.
  std::optional<unsigned> seconds(const YAML::Node& node, const std::string& path, unsigned max) {
    if (!node.IsScalar() || node.Scalar().empty()) {
      error(node, path, "expected a duration such as 10s, 5m or 1h");
      return std::nullopt;
    }
    std::string text = node.Scalar();
    unsigned scale = 1;
    switch (text.back()) {
      case 's':
        scale = 1;
        text.pop_back();
        break;
      case 'm':
        scale = 60;
        text.pop_back();
        break;
      case 'h':
        scale = 3600;
        text.pop_back();
        break;
      default:
        break;
    }
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty() || value * scale > max) {
      error(node, path, "'" + node.Scalar() + "' is not a duration of at most " + std::to_string(max) + "s");
      return std::nullopt;
    }
    return value * scale;
  }

  template <typename Fn>
  void sequence(const YAML::Node& node, const std::string& path, Fn&& each) {
    if (!node.IsSequence()) {
      error(node, path, "expected a list");
      return;
    }
    for (size_t i = 0; i < node.size(); ++i) each(node[i], index(path, i));
  }

  // A list key of a rule: omitted means any, so an empty list (which would match nothing) is refused.
  template <typename Fn>
  void nonempty_sequence(const YAML::Node& node, const std::string& path, Fn&& each) {
    sequence(node, path, each);
    if (node.IsSequence() && node.size() == 0) {
      error(node, path, "an empty list matches nothing; leave the key out to match any");
    }
  }

 private:
  std::string file_;
  std::vector<ConfigError> errors_;
};

}  // namespace torwart::config::detail
