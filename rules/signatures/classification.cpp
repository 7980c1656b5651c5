#include "rules/signatures/classification.hpp"

#include <cstddef>

#include "platform/posix/bounded_read.hpp"
#include "rules/signatures/option_text.hpp"
#include "rules/signatures/parse_error.hpp"

namespace torwart::signatures {

ClassificationTable ClassificationTable::parse(std::string_view text, const std::string& file_name) {
  ClassificationTable table;
  table.file_ = file_name;
  constexpr std::string_view kPrefix = "config classification:";
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find('\n', start), text.size());
    const std::string_view line = detail::trim(text.substr(start, end - start));
    ++line_number;
    start = end + 1;
    if (line.empty() || line.front() == '#') continue;
    if (!line.starts_with(kPrefix)) {
      throw ClassificationError(file_name, line_number,
                                "expected 'config classification: name,description,priority'");
    }
    const auto fields = detail::split_list(line.substr(kPrefix.size()), ',');
    if (fields.size() != 3) {
      throw ClassificationError(file_name, line_number,
                                "expected 3 comma-separated fields, got " + std::to_string(fields.size()));
    }
    if (!detail::is_identifier(fields[0])) {
      throw ClassificationError(file_name, line_number, "'" + fields[0] + "' is not a class name");
    }
    if (fields[1].empty()) throw ClassificationError(file_name, line_number, "empty description");
    Classification entry{fields[0], fields[1], 0};
    try {
      entry.priority = static_cast<std::uint32_t>(detail::parse_integer("priority", fields[2], 1, 255));
    } catch (const ParseFailure& failure) {
      throw ClassificationError(file_name, line_number, std::string("priority: ") + failure.what());
    }
    if (!table.entries_.emplace(entry.name, entry).second) {
      throw ClassificationError(file_name, line_number, "class '" + entry.name + "' defined twice");
    }
  }
  return table;
}

ClassificationTable ClassificationTable::load_file(const std::string& path) {
  // Suricata's classification.config is a few kilobytes; 1 MiB is generous and refuses a wrong file.
  const auto read = platform::read_regular_file(path, std::size_t{1} << 20);
  if (!read.ok()) throw ClassificationError(path, 0, "cannot read: " + read.error);
  return parse(read.content, path);
}

const Classification* ClassificationTable::find(std::string_view name) const {
  const auto found = entries_.find(name);
  return found == entries_.end() ? nullptr : &found->second;
}

const Classification& ClassificationTable::resolve(std::string_view name) const {
  const auto* found = find(name);
  if (!found) throw ClassificationError(file_, 0, "unknown classtype '" + std::string(name) + "'");
  return *found;
}

}  // namespace torwart::signatures
