#include "dataplane/cli/commands.hpp"
#include "dataplane/lab/lab.hpp"

namespace torwart::cli {

int cmd_lab(const std::string& self_path, const std::string& torwartd_path, const std::string& log_dir,
            bool verbose, bool stop_at_first_failure) {
  lab::LabOptions options;
  options.torwart_binary = self_path;
  options.torwartd_binary = torwartd_path;  // empty: beside self_path
  options.log_dir = log_dir;
  options.verbose = verbose;
  options.keep_going = !stop_at_first_failure;
  return lab::run_lab(options) == 0 ? kExitOk : kExitFailure;
}

}  // namespace torwart::cli
