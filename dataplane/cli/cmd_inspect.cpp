#include <filesystem>
#include <fstream>
#include <iostream>

#include "dataplane/cli/commands.hpp"
#include "dataplane/cli/config_input.hpp"
#include "dataplane/inspect/inspect.hpp"
#include "platform/eal.hpp"

namespace torwart::cli {

int cmd_inspect(const InspectArguments& args) {
  auto loaded = load_config_or_report(args.config_path);
  if (!loaded) return kExitBadInput;
  config::Ids ids = loaded->config.ids;
  if (!args.signature_files.empty()) {
    ids.rule_files = args.signature_files;
    ids.inline_mode = args.ips;
  }
  if (!args.classification_file.empty()) ids.classification_file = args.classification_file;
  dataplane::inspect::InspectOptions options{loaded->config,       loaded->text, args.capture,
                                             args.out_dir,         args.ips,     args.midstream,
                                             args.verify_checksums};
  if (ids.enabled()) {
    try {
      dataplane::ids::DatabaseCache cache(args.cache_dir);
      options.signatures = dataplane::ids::Ruleset::build(dataplane::ids::sources_of(ids, 1), cache);
    } catch (const std::exception& e) {
      std::cerr << "torwart inspect: signatures: " << e.what() << "\n";
      return kExitBadInput;
    }
    const dataplane::ids::Ruleset& set = *options.signatures;
    for (const std::string& line : dataplane::ids::skip_warnings(set.report()))
      std::cerr << "torwart inspect: warning: " << line << "\n";
    std::cerr << "torwart inspect: signatures: " << set.stats().loaded << " of " << set.report().rules_seen
              << " rules loaded, " << set.report().skipped.size() << " skipped, " << set.stats().groups
              << " groups, compiled in " << set.stats().compile_time.count() << " ms\n";
    std::filesystem::create_directories(args.out_dir);
    std::ofstream(args.out_dir + "/signatures.json")
        << "{\"summary\":" << set.summary_json() << ",\"report\":" << set.report().to_json() << "}\n";
  }
  try {
    platform::EalRequest eal;
    eal.memory_mb = 256;
    platform::start_eal(eal);
    const auto summary = dataplane::inspect::run_inspect(options);
    std::cerr << "torwart inspect: " << summary.packets << " packets, " << summary.flows << " flows";
    if (summary.not_tracked > 0)
      std::cerr << ", " << summary.not_tracked << " TCP segments without their handshake (try --midstream)";
    if (summary.malformed > 0) std::cerr << ", " << summary.malformed << " malformed";
    if (args.ips) std::cerr << ", " << summary.dropped << " dropped";
    std::cerr << "; records in " << args.out_dir << "/eve.json\n";
    return kExitOk;
  } catch (const dataplane::inspect::InspectInputError& e) {
    std::cerr << "torwart inspect: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "torwart inspect: " << e.what() << "\n";
    return kExitFailure;
  }
}

}  // namespace torwart::cli
