#pragma once
// The `inspection` section (application layer limits) and the application-record switches of `logging`.
#include <string>

#include <yaml-cpp/yaml.h>

#include "rules/config/config.hpp"
#include "rules/config/yaml_reader.hpp"

namespace torwart::config::detail {

void read_inspection(Reader& reader, const YAML::Node& node, Inspection& out);
// logging.app_records: [http, tls, dns] (which application-layer EVE records are written).
void read_app_records(Reader& reader, const YAML::Node& node, const std::string& path, Logging& out);
// logging.pseudonymise: {key_file: /absolute/path} (32 hex digits: the 128-bit key).
void read_pseudonymise(Reader& reader, const YAML::Node& node, const std::string& path, Logging& out);

}  // namespace torwart::config::detail
