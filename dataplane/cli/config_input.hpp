#pragma once
// Loads the configuration a subcommand was given (or the built-in default), printing every error.
#include <optional>
#include <string>
#include <vector>

#include "rules/config/config.hpp"
#include "rules/config/load.hpp"

namespace torwart::cli {

struct LoadedConfig {
  config::Config config;
  std::string text;
  std::string origin;
  std::vector<config::ConfigError> warnings;  // loads, but probably not what was meant (`check` prints them)
};

// Empty path: the built-in default. Errors go to stderr, one per line, "file:line:column: path: reason".
std::optional<LoadedConfig> load_config_or_report(const std::string& path);

}  // namespace torwart::cli
