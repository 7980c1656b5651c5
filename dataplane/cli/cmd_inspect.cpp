#include <filesystem>
#include <fstream>
#include <iostream>

#include "dataplane/cli/commands.hpp"
#include "dataplane/cli/config_input.hpp"
#include "dataplane/inspect/inspect.hpp"
#include "dataplane/pipeline/signature_loader.hpp"
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
    dataplane::SignatureLoader loader(args.cache_dir);
    try {
      options.signatures = loader.load(ids, 1, std::cerr, "torwart inspect: ");
    } catch (const std::exception& e) {
      std::cerr << "torwart inspect: signatures: " << e.what() << "\n";
      return kExitBadInput;
    }
    std::filesystem::create_directories(args.out_dir);
    nlohmann::json report = {
        {"summary", dataplane::SignatureLoader::describe(*options.signatures, loader.last_cost())},
        {"report", nlohmann::json::parse(options.signatures->report().to_json())}};
    std::ofstream(args.out_dir + "/signatures.json") << report.dump(2) << "\n";
  }
  try {
    platform::EalRequest eal;
    eal.memory_mb = 256;
    eal.cpus = {platform::allowed_cpus().front()};
    platform::start_eal(eal);
    const auto summary = dataplane::inspect::run_inspect(options);
    std::cerr << "torwart inspect: " << summary.packets << " packets, " << summary.flows << " flows";
    if (summary.not_tracked > 0)
      std::cerr << ", " << summary.not_tracked << " TCP segments without their handshake (try --midstream)";
    if (summary.malformed > 0) std::cerr << ", " << summary.malformed << " malformed";
    if (args.ips) std::cerr << ", " << summary.dropped << " dropped";
    std::cerr << "; records in " << args.out_dir << "/eve.json\n";
    // "0 alerts" from half a capture must not read as a clean capture.
    if (!summary.capture_damage.empty()) {
      std::cerr << "torwart inspect: damaged capture, inspected up to the damage: " << summary.capture_damage
                << "\n";
      return kExitBadInput;
    }
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
