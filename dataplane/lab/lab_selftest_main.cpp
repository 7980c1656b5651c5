// torwart_lab_selftest: runs the lab against the kernel-router stand-in, to test the harness itself
// (topology, servers, checks, cleanup) without the product. Needs root.
//   torwart_lab_selftest [-v] [--stop-on-failure] [--log-dir DIR] [--torwart BIN [--ready-timeout S]]
// With --torwart it runs the real lab against that binary instead (until `torwart lab` exists).
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "dataplane/lab/lab.hpp"

int main(int argc, char** argv) {
  torwart::lab::LabOptions options;
  options.appliance = torwart::lab::ApplianceKind::kKernelRouterSelfTest;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "-v") == 0) {
      options.verbose = true;
    } else if (std::strcmp(argv[i], "--stop-on-failure") == 0) {
      options.keep_going = false;
    } else if (std::strcmp(argv[i], "--log-dir") == 0 && i + 1 < argc) {
      options.log_dir = argv[++i];
    } else if (std::strcmp(argv[i], "--torwart") == 0 && i + 1 < argc) {
      options.appliance = torwart::lab::ApplianceKind::kTorwart;
      options.torwart_binary = argv[++i];
    } else if (std::strcmp(argv[i], "--ready-timeout") == 0 && i + 1 < argc) {
      options.ready_timeout = std::chrono::seconds(std::atoi(argv[++i]));
    } else {
      std::cerr << "usage: " << argv[0]
                << " [-v] [--stop-on-failure] [--log-dir DIR] [--torwart BIN [--ready-timeout S]]\n";
      return 2;
    }
  }
  return torwart::lab::run_lab(options);
}
