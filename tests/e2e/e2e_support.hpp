#pragma once
// What the end-to-end test programs share beside the lab harness: the binaries they run, reading a log,
// and edits of a configuration text that fail the test when the text is not as expected.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace torwart::lab::e2e {

// The binary an environment variable names (e.g. TORWART_BINARY), else the one built here.
inline std::string binary(const char* env_name, const char* fallback) {
  const char* env = std::getenv(env_name);
  return env != nullptr && *env != '\0' ? env : fallback;
}

inline std::string python() {
  return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Replaces the first occurrence of `from`; fails the test when it is missing.
inline std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "configuration text has no '" << from << "'";
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// Inserts `lines` after the line that starts with `key` (at column 0); fails the test when there is none.
inline std::string insert_after_line(std::string text, const std::string& key, const std::string& lines) {
  const auto at = text.find("\n" + key);
  EXPECT_NE(at, std::string::npos) << "configuration text has no line '" << key << "'";
  if (at == std::string::npos) return text;
  text.insert(text.find('\n', at + 1) + 1, lines);
  return text;
}

}  // namespace torwart::lab::e2e
