#pragma once
// Reads a zone's `syn_flood` mapping (FORMAT.md "zones"): the SYN-cookie threshold and the hard half-open
// limit, each error with its place.
#include <yaml-cpp/yaml.h>

#include <string>

#include "rules/config/config.hpp"
#include "rules/config/yaml_reader.hpp"

namespace torwart::config::detail {

// Keys absent from `node` keep their defaults in `out`.
void read_syn_flood(Reader& reader, const YAML::Node& node, const std::string& path, SynFlood& out);

}  // namespace torwart::config::detail
