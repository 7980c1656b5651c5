#pragma once
// `torwart run`: the live appliance. Worker lcores run the pipeline on the current snapshot; the main
// lcore is the control lcore: slow path, EVE output, stats records, the control socket, snapshot swaps.
#include <cstdint>
#include <string>

#include "rules/config/config.hpp"

namespace torwart::dataplane::live {

struct RunOptions {
  std::string config_text;
  std::string config_origin;  // file name, for messages
  std::string log_dir;        // EVE output (eve.json)
};

// Runs until SIGINT/SIGTERM; returns the process exit code. Throws on start-up failure.
int run_appliance(const config::Config& config, const RunOptions& options);

// Asks a running appliance to stop (signal handlers call this).
void request_stop();

}  // namespace torwart::dataplane::live
