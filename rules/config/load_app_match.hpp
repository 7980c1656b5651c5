#pragma once
// The application matches of policy rules and the name lists they may use (FORMAT.md "Application matches").
#include <map>
#include <string>

#include <yaml-cpp/yaml.h>

#include "rules/config/config.hpp"
#include "rules/config/yaml_reader.hpp"

namespace torwart::config::detail {

class AppMatchReader {
 public:
  explicit AppMatchReader(Reader& reader) : r_(reader) {}

  // objects.names: [{name, members: [...]} | {name, file: /absolute/path}]
  void read_name_objects(const YAML::Node& node, const std::string& path);
  const std::vector<NameObject>& name_objects() const { return objects_; }

  // The rule keys app, tls_sni, http_host, dns_name, http_content_type; true if `key` was one of them.
  bool read_rule_key(const std::string& key, const YAML::Node& node, const std::string& path, AppMatch& out);

 private:
  void read_names(const YAML::Node& node, const std::string& path, NameList& out, bool allow_objects);
  bool add_pattern(const std::string& text, NameList& out);

  Reader& r_;
  std::vector<NameObject> objects_;
  std::map<std::string, size_t, std::less<>> object_index_;
};

// "*.example.de" or "www.example.de" (letters, digits, '-', '_'; labels 1-63; at most 253), lower-cased.
bool valid_host_pattern(const std::string& text);

}  // namespace torwart::config::detail
