#include "rules/signatures/rule_file_loader.hpp"

#include <algorithm>
#include <filesystem>

#include "platform/posix/bounded_read.hpp"
#include "rules/signatures/option_text.hpp"
#include "rules/signatures/signature_parser.hpp"

namespace torwart::signatures {
namespace {

// "# alert http ..." is a rule its distributor ships disabled; it counts apart from ordinary comments.
bool is_commented_out_rule(std::string_view line) {
  line.remove_prefix(1);
  line = detail::trim(line);
  for (const std::string_view action :
       {"alert ", "drop ", "reject ", "rejectsrc ", "rejectdst ", "rejectboth ", "pass "}) {
    if (line.starts_with(action)) return line.find('(') != std::string_view::npos;
  }
  return false;
}

}  // namespace

void RuleFileLoader::add_file(const std::string& path) {
  const auto read = platform::read_regular_file(path, kMaxRuleFileBytes);
  if (!read.ok()) {
    result_.report.unreadable_files.push_back({path, read.error});
    return;
  }
  add_text(read.content, path);
}

void RuleFileLoader::add_text(std::string_view text, const std::string& file_name) {
  result_.report.files.push_back(file_name);
  std::string pending;
  std::size_t pending_line = 0;
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const bool continues = !line.empty() && line.back() == '\\';
    if (continues) line.remove_suffix(1);
    if (pending.empty()) {
      const std::string_view trimmed = detail::trim(line);
      if (trimmed.empty() && !continues) continue;
      if (!trimmed.empty() && trimmed.front() == '#') {
        if (is_commented_out_rule(trimmed)) ++result_.report.rules_disabled;
        continue;
      }
      pending_line = line_number;
    }
    pending += line;
    if (continues) continue;
    add_rule(pending, file_name, pending_line);
    pending.clear();
  }
  if (!detail::trim(pending).empty()) add_rule(pending, file_name, pending_line);
}

void RuleFileLoader::add_rule(const std::string& text, const std::string& file_name, std::size_t line) {
  ++result_.report.rules_seen;
  auto parsed = parse_signature(text, file_name, line);
  if (!parsed.ok()) {
    const ParseError& error = parsed.error();
    result_.report.skipped.push_back({error.file, error.line, error.sid, 1,
                                      "parse:" + std::string(to_string(error.kind)), error.keyword,
                                      error.reason});
    return;
  }
  Signature& signature = parsed.signature();
  if (!signature.unsupported_features.empty()) {
    // One reason per rule keeps the counts adding up; the first feature in name order stands for all.
    std::string all;
    for (const auto& feature : signature.unsupported_features) all += (all.empty() ? "" : ", ") + feature;
    const std::string first = *signature.unsupported_features.begin();
    skip(signature, "unsupported:" + first, first, "the engine cannot honour: " + all);
    return;
  }
  if (!resolves(signature)) return;
  const std::uint64_t id = (std::uint64_t{signature.gid} << 32) | signature.sid;
  if (!seen_ids_.insert(id).second) {
    skip(signature, "duplicate_sid", "sid",
         "sid " + std::to_string(signature.sid) + " gid " + std::to_string(signature.gid) + " loaded before");
    return;
  }
  ++result_.report.rules_loaded;
  result_.signatures.push_back(std::move(signature));
}

bool RuleFileLoader::resolves(Signature& signature) {
  if (options_.variables) {
    const std::pair<const char*, const NetworkExpression*> addresses[] = {
        {"source", &signature.source_address}, {"destination", &signature.destination_address}};
    const std::pair<const char*, const NetworkExpression*> ports[] = {
        {"source_port", &signature.source_port}, {"destination_port", &signature.destination_port}};
    for (const auto& [part, expression] : addresses) {
      try {
        options_.variables->resolve_addresses(*expression);
      } catch (const VariableError& error) {
        skip(signature, "undefined_variable", part, error.what());
        return false;
      }
    }
    for (const auto& [part, expression] : ports) {
      try {
        options_.variables->resolve_ports(*expression);
      } catch (const VariableError& error) {
        skip(signature, "undefined_variable", part, error.what());
        return false;
      }
    }
  }
  if (options_.classifications && !signature.classtype.empty()) {
    const Classification* classification = options_.classifications->find(signature.classtype);
    if (!classification) {
      skip(signature, "unknown_classtype", "classtype",
           "classtype '" + signature.classtype + "' is not defined");
      return false;
    }
    if (!signature.priority) signature.priority = classification->priority;
  }
  return true;
}

void RuleFileLoader::skip(const Signature& signature, std::string reason, std::string keyword,
                          std::string detail) {
  result_.report.skipped.push_back({signature.source_file, signature.source_line, signature.sid,
                                    signature.gid, std::move(reason), std::move(keyword), std::move(detail)});
}

std::vector<std::string> rule_files_in_directory(const std::string& directory) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    if (entry.is_regular_file() && entry.path().extension() == ".rules")
      files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

LoadResult load_rule_files(const std::vector<std::string>& paths, const LoadOptions& options) {
  RuleFileLoader loader(options);
  for (const auto& path : paths) loader.add_file(path);
  return loader.take_result();
}

}  // namespace torwart::signatures
