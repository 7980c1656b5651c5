#pragma once
// Reads the `objects` and `policy` sections (FORMAT.md) into a Config: object references resolved and
// flattened, every zone, object and service name checked, each error with its place.
#include <yaml-cpp/yaml.h>

#include <set>
#include <string>

#include "rules/config/config.hpp"
#include "rules/config/yaml_reader.hpp"

namespace torwart::config::detail {

// `root` is the document's top-level mapping; either section may be absent. `zones` are the names declared
// under `zones`. Without a `policy` section config.policy keeps its secure default (drop and log, no rules).
// Object and rule names: 1-63 of a-z, 0-9, '-', '_', '.', starting with a letter.
bool valid_object_name(const std::string& name);

void read_objects_and_policy(Reader& reader, const YAML::Node& root,
                             const std::set<std::string, std::less<>>& zones, Config& config);

}  // namespace torwart::config::detail
