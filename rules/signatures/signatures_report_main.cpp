// Prints the load report of a Suricata rule set, as the appliance would load it.
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "rules/signatures/rule_file_loader.hpp"

int main(int argc, char** argv) {
  try {
    bool json = false;
    std::optional<torwart::signatures::ClassificationTable> classifications;
    std::vector<std::string> files;
    for (int i = 1; i < argc; ++i) {
      const std::string argument = argv[i];
      if (argument == "--json") {
        json = true;
      } else if (argument == "--classification" && i + 1 < argc) {
        classifications = torwart::signatures::ClassificationTable::load_file(argv[++i]);
      } else if (std::filesystem::is_directory(argument)) {
        for (auto& file : torwart::signatures::rule_files_in_directory(argument))
          files.push_back(std::move(file));
      } else {
        files.push_back(argument);
      }
    }
    if (files.empty()) {
      std::cerr << "usage: signatures_report [--json] [--classification FILE] RULE_FILE_OR_DIRECTORY...\n";
      return 2;
    }
    const auto variables = torwart::signatures::Variables::suricata_defaults();
    torwart::signatures::LoadOptions options{&variables, classifications ? &*classifications : nullptr};
    const auto result = torwart::signatures::load_rule_files(files, options);
    std::cout << (json ? result.report.to_json() + "\n" : result.report.summary(25));
    return result.report.unreadable_files.empty() ? 0 : 1;
  } catch (const std::exception& error) {
    std::cerr << "signatures_report: " << error.what() << "\n";
    return 1;
  }
}
