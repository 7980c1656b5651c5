#include "dataplane/cli/config_input.hpp"

#include <iostream>

#include "platform/posix/bounded_read.hpp"
#include "rules/config/load.hpp"

namespace torwart::cli {

std::optional<LoadedConfig> load_config_or_report(const std::string& path) {
  LoadedConfig loaded;
  if (path.empty()) {
    loaded.text = std::string(config::default_config_text());
    loaded.origin = std::string(config::kDefaultConfigName);
  } else {
    auto read = platform::read_regular_file(path, config::kMaxConfigBytes);
    if (!read.ok()) {
      std::cerr << path << ": cannot read the configuration: " << read.error << "\n";
      return std::nullopt;
    }
    loaded.text = std::move(read.content);
    loaded.origin = path;
  }
  auto result = config::load_config_text(loaded.text, loaded.origin, &loaded.warnings);
  if (auto* errors = std::get_if<std::vector<config::ConfigError>>(&result)) {
    for (const auto& e : *errors) std::cerr << e.to_string() << "\n";
    std::cerr << loaded.origin << ": " << errors->size() << (errors->size() == 1 ? " error" : " errors")
              << "; configuration refused\n";
    return std::nullopt;
  }
  loaded.config = std::get<config::Config>(std::move(result));
  return loaded;
}

}  // namespace torwart::cli
