#pragma once
// Reads the `nat` section (FORMAT.md): source NAT rules and port forwards, every interface, zone and address
// checked, each error with its place.
#include <yaml-cpp/yaml.h>

#include <set>
#include <string>

#include "rules/config/config.hpp"
#include "rules/config/yaml_reader.hpp"

namespace torwart::config::detail {

// `root` is the document's top-level mapping; the section may be absent (no NAT). Reads after the ports, so
// that interface names and addresses are known; `zones` are the names declared under `zones`.
void read_nat(Reader& reader, const YAML::Node& root, const std::set<std::string, std::less<>>& zones,
              Config& config);

// Warns about accept rules whose destination is a forward's public address rather than its server: the
// policy runs after destination NAT, so such a rule matches none of the forwarded connections. Runs on a
// configuration read without errors (it points at rules by their index in the document).
void warn_about_forwards(Reader& reader, const YAML::Node& root, const Config& config);

}  // namespace torwart::config::detail
