#include "rules/config/load_ids.hpp"

#include <algorithm>

namespace torwart::config::detail {
namespace {

bool variable_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

void read_groups(Reader& r, const YAML::Node& node, const std::string& path,
                 std::map<std::string, std::string>& out) {
  if (!node.IsMap()) {
    r.error(node, path, "expected a mapping of variable names (HOME_NET, ...) to expressions");
    return;
  }
  for (const auto& entry : node) {
    const std::string name = entry.first.as<std::string>();
    std::string where = path;
    where += ".";
    where += name;
    if (!variable_name(name)) {
      r.error(entry.first, where, "'" + name + "' is not a variable name (capitals, digits, underscore)");
      continue;
    }
    if (auto value = r.string(entry.second, where)) out[name] = *value;
  }
}

std::optional<std::string> absolute_path(Reader& r, const YAML::Node& node, const std::string& path) {
  auto value = r.string(node, path);
  if (!value) return std::nullopt;
  if (value->empty() || (*value)[0] != '/') {
    r.error(node, path, "'" + *value + "': give an absolute path");
    return std::nullopt;
  }
  return value;
}

}  // namespace

void read_ids(Reader& r, const YAML::Node& node, Ids& out) {
  const std::string path = "ids";
  if (!r.expect_map(
          node, path,
          {"rule_files", "classification_file", "mode", "cache_dir", "address_groups", "port_groups"}))
    return;
  if (node["rule_files"]) {
    r.nonempty_sequence(node["rule_files"], path + ".rule_files",
                        [&](const YAML::Node& n, const std::string& p) {
                          if (auto file = absolute_path(r, n, p)) out.rule_files.push_back(*file);
                        });
  }
  if (node["classification_file"]) {
    if (auto file = absolute_path(r, node["classification_file"], path + ".classification_file"))
      out.classification_file = *file;
  }
  if (node["cache_dir"]) {
    auto dir = r.string(node["cache_dir"], path + ".cache_dir");
    if (dir && !dir->empty() && (*dir)[0] != '/')
      r.error(node["cache_dir"], path + ".cache_dir",
              "'" + *dir + "': give an absolute path (or \"\" for none)");
    else if (dir)
      out.cache_dir = *dir;
  }
  if (node["mode"]) {
    if (auto mode = r.string(node["mode"], path + ".mode")) {
      if (*mode == "ips") {
        out.inline_mode = true;
      } else if (*mode == "ids") {
        out.inline_mode = false;
      } else {
        r.error(
            node["mode"], path + ".mode",
            "expected ips (inline: drop and reject signatures stop traffic) or ids (alerts only, e.g. on a "
            "mirror port)");
      }
    }
  }
  if (node["address_groups"])
    read_groups(r, node["address_groups"], path + ".address_groups", out.address_groups);
  if (node["port_groups"]) read_groups(r, node["port_groups"], path + ".port_groups", out.port_groups);
}

}  // namespace torwart::config::detail
