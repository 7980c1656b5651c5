#pragma once
// Reads the `local_traffic` section (FORMAT.md "local_traffic"): the per-port rates of packets for the box
// itself, each error with its place.
#include <yaml-cpp/yaml.h>

#include "rules/config/config.hpp"
#include "rules/config/yaml_reader.hpp"

namespace torwart::config::detail {

// Classes absent from `node` keep their defaults in `out`.
void read_local_traffic(Reader& reader, const YAML::Node& node, LocalTraffic& out);

}  // namespace torwart::config::detail
