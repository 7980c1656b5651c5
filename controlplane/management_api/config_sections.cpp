#include "controlplane/management_api/config_sections.hpp"

#include <yaml-cpp/yaml.h>

#include <map>
#include <sstream>
#include <vector>

namespace torwart::controlplane::api {
namespace {

YAML::Node top_level(const std::string& text, const char* which) {
  YAML::Node node;
  try {
    node = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw SectionError(std::string(which) + " configuration is not YAML: " + e.what());
  }
  if (node.IsNull()) return YAML::Node(YAML::NodeType::Map);
  if (!node.IsMap()) throw SectionError(std::string(which) + " configuration is not a YAML mapping");
  return node;
}

// The node's meaning as text: style (flow or block), quoting and comments gone, mapping keys sorted.
std::string canonical(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar: {
      std::string out = "'";
      for (const char c : node.Scalar()) out += c == '\'' ? std::string("''") : std::string(1, c);
      return out + "'";
    }
    case YAML::NodeType::Sequence: {
      std::string out = "[";
      for (const auto& item : node) out += canonical(item) + ",";
      return out + "]";
    }
    case YAML::NodeType::Map: {
      std::map<std::string, std::string> entries;
      for (const auto& entry : node) entries[canonical(entry.first)] = canonical(entry.second);
      std::string out = "{";
      for (const auto& [key, value] : entries) out += key + ":" + value + ",";
      return out + "}";
    }
    default:
      return "~";
  }
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// A line that starts a top-level key: text in column 0 that is not a comment or a document marker.
bool starts_section(const std::string& line) {
  return !line.empty() && line[0] != ' ' && line[0] != '\t' && line[0] != '#' && line.rfind("---", 0) != 0 &&
         line.rfind("...", 0) != 0;
}

bool is_section(const std::string& line, const std::string& key) {
  if (line.rfind(key, 0) != 0 || line.size() <= key.size()) return false;
  size_t i = key.size();
  while (i < line.size() && line[i] == ' ') ++i;
  return i < line.size() && line[i] == ':';
}

// [first, end) of the section's lines; first == end when absent. The block ends at the next top-level key;
// blank and column-0 comment lines just before that key (or the end) are not this section's.
std::pair<size_t, size_t> section_lines(const std::vector<std::string>& lines, const std::string& key) {
  for (size_t first = 0; first < lines.size(); ++first) {
    if (!is_section(lines[first], key)) continue;
    size_t end = first + 1;
    while (end < lines.size() && !starts_section(lines[end])) ++end;
    while (end > first + 1 && (lines[end - 1].empty() || lines[end - 1][0] == '#')) --end;
    return {first, end};
  }
  return {lines.size(), lines.size()};
}

std::string join(const std::vector<std::string>& lines, size_t first, size_t end) {
  std::string out;
  for (size_t i = first; i < end; ++i) out += lines[i] + "\n";
  return out;
}

}  // namespace

std::set<std::string> changed_sections(const std::string& before, const std::string& after) {
  const YAML::Node a = top_level(before, "the current");
  const YAML::Node b = top_level(after, "the new");
  std::set<std::string> keys;
  for (const auto& entry : a) keys.insert(entry.first.as<std::string>());
  for (const auto& entry : b) keys.insert(entry.first.as<std::string>());
  std::set<std::string> changed;
  for (const auto& key : keys) {
    const YAML::Node x = a[key];
    const YAML::Node y = b[key];
    if (!x.IsDefined() || !y.IsDefined() ? x.IsDefined() != y.IsDefined() : canonical(x) != canonical(y))
      changed.insert(key);
  }
  return changed;
}

bool subsection_changed(const std::string& before, const std::string& after, const std::string& section,
                        const std::string& key) {
  auto value = [&](const std::string& text, const char* which) {
    const YAML::Node top = top_level(text, which);
    const YAML::Node part = top[section];
    return part.IsDefined() && part.IsMap() && part[key].IsDefined() ? canonical(part[key]) : std::string();
  };
  return value(before, "the current") != value(after, "the new");
}

std::string section_text(const std::string& text, const std::string& key) {
  const auto lines = lines_of(text);
  const auto [first, end] = section_lines(lines, key);
  return join(lines, first, end);
}

std::string replace_section(const std::string& text, const std::string& key, const std::string& section) {
  std::string block = section;
  if (!block.empty()) {
    YAML::Node node;
    try {
      node = YAML::Load(block);
    } catch (const YAML::Exception& e) {
      throw SectionError("the new " + key + " section is not YAML: " + e.what());
    }
    if (!node.IsMap() || node.size() != 1 || !node[key])
      throw SectionError("the new " + key + " section must be one mapping `" + key +
                         ": ...` and nothing else");
    if (block.back() != '\n') block += '\n';
  }
  const auto lines = lines_of(text);
  const auto [first, end] = section_lines(lines, key);
  return join(lines, 0, first) + block + join(lines, end, lines.size());
}

}  // namespace torwart::controlplane::api
