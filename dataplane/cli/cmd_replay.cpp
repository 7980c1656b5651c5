#include <iostream>

#include "dataplane/cli/commands.hpp"
#include "dataplane/cli/config_input.hpp"
#include "dataplane/replay/replay.hpp"
#include "platform/eal.hpp"

namespace torwart::cli {

int cmd_replay(const std::string& config_path, const std::string& out_dir,
               const std::vector<std::string>& inputs) {
  auto loaded = load_config_or_report(config_path);
  if (!loaded) return kExitBadInput;
  dataplane::replay::ReplayOptions options{loaded->config, loaded->text, out_dir, {}};
  for (const auto& input : inputs) {
    const auto equals = input.find('=');
    if (equals == std::string::npos || equals == 0 || equals + 1 == input.size()) {
      std::cerr << "torwart replay: '" << input << "': expected PORT=CAPTURE.pcap\n";
      return kExitBadInput;
    }
    options.inputs.push_back({input.substr(0, equals), input.substr(equals + 1)});
  }
  try {
    platform::EalRequest eal;
    eal.memory_mb = 256;
    eal.cpus = {platform::allowed_cpus().front()};
    platform::start_eal(eal);
    const auto summary = dataplane::replay::run_replay(options);
    std::cerr << "torwart replay: " << summary.packets_in << " packets in, " << summary.packets_out
              << " out, " << summary.dropped << " dropped; outputs in " << out_dir << "\n";
    // An analyst must not read the outputs of a damaged capture as a clean run.
    for (const auto& damage : summary.damaged_captures)
      std::cerr << "torwart replay: damaged capture, replayed up to the damage: " << damage << "\n";
    return summary.damaged_captures.empty() ? kExitOk : kExitBadInput;
  } catch (const dataplane::replay::ReplayInputError& e) {
    std::cerr << "torwart replay: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "torwart replay: " << e.what() << "\n";
    return kExitFailure;
  }
}

}  // namespace torwart::cli
