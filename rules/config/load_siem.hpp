#pragma once
// Reads `logging.siem` (FORMAT.md): where torwartd ships the logs (RFC 5424 over TLS with mutual
// authentication) and which of them. Every value is checked here so that a commit with a typo in a path or
// a host is refused with its place, not found later by a shipper that cannot connect.
#include <yaml-cpp/yaml.h>

#include <string>

#include "rules/config/config.hpp"
#include "rules/config/yaml_reader.hpp"

namespace torwart::config::detail {

void read_siem(Reader& reader, const YAML::Node& node, const std::string& path, Logging& out);

// A host name by RFC 1123 (letters, digits, hyphens; labels of 1-63, at most 253 in all), for the
// receiver's address and the name its certificate must carry.
bool valid_dns_name(std::string_view name);

}  // namespace torwart::config::detail
