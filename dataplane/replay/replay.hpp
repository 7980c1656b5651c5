#pragma once
// `torwart replay`: feeds captures into named ports in capture-timestamp order across all inputs and runs
// the same pipeline as a live worker, on capture time, single-threaded, so that two replays of the same
// input give byte-identical outputs: DIR/<port>.pcap for every port, DIR/eve.json, DIR/counters.json.
#include <stdexcept>
#include <string>
#include <vector>

#include "rules/config/config.hpp"

namespace torwart::dataplane::replay {

struct ReplayInput {
  std::string port;
  std::string capture;
};

struct ReplayOptions {
  config::Config config;
  std::string config_text;
  std::string out_dir;
  std::vector<ReplayInput> inputs;
};

// Bad input (unknown port, unreadable or non-Ethernet capture): the message names the input and the reason.
struct ReplayInputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ReplaySummary {
  uint64_t packets_in = 0;
  uint64_t packets_out = 0;
  uint64_t dropped = 0;
  // Inputs that broke off at a damaged record (see CaptureMerge::damage): the outputs hold what came before.
  std::vector<std::string> damaged_captures;
};

// Needs the EAL started (no devices, no worker lcores). Throws ReplayInputError or std::runtime_error.
ReplaySummary run_replay(const ReplayOptions& options);

}  // namespace torwart::dataplane::replay
