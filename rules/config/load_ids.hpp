#pragma once
// The `ids` section (FORMAT.md "ids"): which signature files the engine runs, in which mode, and the
// variables the rules' headers use. Only the shape is checked here; the rule files and variable values are
// read and checked when the signature set is built (dataplane/ids/ruleset.hpp), which `torwart check` does.
#include <yaml-cpp/yaml.h>

#include "rules/config/config.hpp"
#include "rules/config/yaml_reader.hpp"

namespace torwart::config::detail {

void read_ids(Reader& reader, const YAML::Node& node, Ids& out);

}  // namespace torwart::config::detail
