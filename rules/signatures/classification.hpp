#pragma once
// classification.config: "config classification: shortname,description,priority", so that a rule's
// classtype resolves to a category text and a default priority.
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

namespace torwart::signatures {

struct Classification {
  std::string name;
  std::string description;
  std::uint32_t priority = 0;
};

struct ClassificationError : std::runtime_error {
  ClassificationError(std::string error_file, std::size_t error_line, const std::string& why)
      : std::runtime_error(error_file + ":" + std::to_string(error_line) + ": " + why),
        file(std::move(error_file)),
        line(error_line),
        reason(why) {}
  std::string file;
  std::size_t line;
  std::string reason;
};

class ClassificationTable {
 public:
  // Throws ClassificationError naming the file and line of the first malformed entry.
  static ClassificationTable parse(std::string_view text, const std::string& file_name);
  static ClassificationTable load_file(const std::string& path);

  const Classification* find(std::string_view name) const;
  // Throws ClassificationError (line 0) for a classtype the table does not define.
  const Classification& resolve(std::string_view name) const;
  std::size_t size() const { return entries_.size(); }

 private:
  std::string file_;
  std::map<std::string, Classification, std::less<>> entries_;
};

}  // namespace torwart::signatures
