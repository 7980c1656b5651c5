#pragma once
// The YAML walker the configuration loader is built on: typed reads that collect errors with their place
// (file, line, column, path) instead of stopping at the first. Shared by load.cpp and load_policy.cpp.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
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
  std::vector<ConfigError>& warnings() { return warnings_; }

  void error(const YAML::Node& node, const std::string& path, const std::string& reason) {
    errors_.push_back(place(node, path, reason));
  }
  // Something that loads but is almost certainly not what was meant; `torwart check` prints it.
  void warning(const YAML::Node& node, const std::string& path, const std::string& reason) {
    warnings_.push_back(place(node, path, reason));
  }

  // Run over the whole document before anything reads it: yaml-cpp keeps both entries of a repeated key and
  // every lookup finds only the first, so the second would be ignored without a word.
  // An alias (*name) is the very node its anchor names: each collection is checked once, by its place in the
  // text, so that aliases of aliases (a "billion laughs" file) or an alias inside its own anchor cannot make
  // this walk exponential or endless. No configuration nests deeper than kMaxDepth.
  void check_keys(const YAML::Node& node, const std::string& path) {
    std::set<int> checked;
    check_keys(node, path, 0, checked);
  }
  static constexpr unsigned kMaxDepth = 32;

 private:
  void check_keys(const YAML::Node& node, const std::string& path, unsigned depth, std::set<int>& checked) {
    if (!node.IsSequence() && !node.IsMap()) return;
    if (!checked.insert(node.Mark().pos).second) return;
    if (depth >= kMaxDepth) {
      error(node, path, "nested deeper than " + std::to_string(kMaxDepth) + " levels; no configuration is");
      return;
    }
    if (node.IsSequence()) {
      for (size_t i = 0; i < node.size(); ++i) check_keys(node[i], index(path, i), depth + 1, checked);
      return;
    }
    std::map<std::string, int, std::less<>> first_line;
    for (const auto& entry : node) {
      if (!entry.first.IsScalar()) {
        error(entry.first, path, "a key must be a plain text, not a list or mapping");
        continue;
      }
      const std::string& key = entry.first.Scalar();
      const std::string key_path = join(path, printable(key));
      if (has_control_character(key)) {
        error(entry.first, key_path, "the key contains a control character; keys are printable text");
        continue;
      }
      const auto [seen, first] = first_line.emplace(key, entry.first.Mark().line + 1);
      if (!first) {
        error(entry.first, key_path,
              "'" + key + "' is given twice in this mapping (lines " + std::to_string(seen->second) +
                  " and " + std::to_string(entry.first.Mark().line + 1) +
                  "); YAML would keep only one of them silently: remove one");
      }
      check_keys(entry.second, key_path, depth + 1, checked);
    }
  }

 public:
  // Refuses keys this section does not know: a typo in a firewall configuration must never be ignored.
  bool expect_map(const YAML::Node& node, const std::string& path,
                  std::initializer_list<std::string_view> keys) {
    if (!node.IsMap()) {
      error(node, path, "expected a mapping");
      return false;
    }
    for (const auto& entry : node) {
      if (!entry.first.IsScalar()) continue;  // reported by check_keys
      const std::string& key = entry.first.Scalar();
      if (has_control_character(key)) continue;  // likewise
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
        std::string known;
        for (const auto& k : keys) known += (known.empty() ? "" : ", ") + std::string(k);
        error(entry.first, join(path, printable(key)), "unknown key (known here: " + known + ")");
      }
    }
    return true;
  }

  static std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }
  static std::string index(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

  // Every name and text value: a NUL would cut the text short where it reaches C (an interface name handed
  // to the kernel, a path), and other control characters would forge lines in logs and error messages.
  std::optional<std::string> string(const YAML::Node& node, const std::string& path) {
    if (!node.IsScalar()) {
      error(node, path, "expected a text value");
      return std::nullopt;
    }
    if (has_control_character(node.Scalar())) {
      error(node, path,
            "'" + printable(node.Scalar()) +
                "' contains a control character (NUL, tab, line break, ...); names and values are printable "
                "text");
      return std::nullopt;
    }
    return node.Scalar();
  }

  static bool has_control_character(std::string_view text) {
    return std::any_of(text.begin(), text.end(), [](char c) {
      const auto byte = static_cast<unsigned char>(c);
      return byte < 0x20 || byte == 0x7f;
    });
  }

  // `text` for an error message: control characters as \xNN, so that the message stays one honest line.
  static std::string printable(std::string_view text) {
    std::string out;
    for (char c : text) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte < 0x20 || byte == 0x7f) {
        constexpr char kHex[] = "0123456789abcdef";
        out += "\\x";
        out += kHex[byte >> 4];
        out += kHex[byte & 0xf];
      } else {
        out += c;
      }
    }
    return out;
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
      error(node, path, "'" + printable(text) + "' is not a whole number");
      return std::nullopt;
    }
    if (value < min || value > max) {
      error(node, path,
            std::to_string(value) + " is outside " + std::to_string(min) + ".." + std::to_string(max));
      return std::nullopt;
    }
    return value;
  }

  // Only `true` and `false`: YAML 1.1 tools read yes/no/on/off/y/n as booleans and YAML 1.2 tools as text, so
  // a file that relies on them means different things to different readers of a firewall's configuration.
  std::optional<bool> boolean(const YAML::Node& node, const std::string& path) {
    if (node.IsScalar()) {
      const std::string& text = node.Scalar();
      if (text == "true") return true;
      if (text == "false") return false;
      error(node, path, "'" + printable(text) + "' is not a boolean here: write true or false");
      return std::nullopt;
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
  ConfigError place(const YAML::Node& node, const std::string& path, const std::string& reason) const {
    const YAML::Mark mark = node.Mark();
    const bool known = mark.line >= 0 && !node.IsNull();
    return {file_, known ? mark.line + 1 : 0, known ? mark.column + 1 : 0, path, reason};
  }

  std::string file_;
  std::vector<ConfigError> errors_;
  std::vector<ConfigError> warnings_;
};

}  // namespace torwart::config::detail
