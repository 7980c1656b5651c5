#pragma once
// Reads the `management` section (FORMAT.md): the kernel interface the provider manages the box through, and
// refuses every port that would take it away from the kernel (anti-lockout, BSI NET.3.2.A6/A18).
#include <yaml-cpp/yaml.h>

#include "rules/config/config.hpp"
#include "rules/config/yaml_reader.hpp"

namespace torwart::config::detail {

// `root` is the document's top-level mapping; the section may be absent (a box managed on its console
// only). Reads after the ports, whose YAML nodes it points errors at.
void read_management(Reader& reader, const YAML::Node& root, Config& config);

}  // namespace torwart::config::detail
