#pragma once
// The `torwart` subcommands. Each returns the process exit code: 0 ok, 1 runtime failure, 2 bad input.
#include <string>
#include <vector>

namespace torwart::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitBadInput = 2;

int cmd_run(const std::string& config_path, const std::string& log_dir);
int cmd_check(const std::string& config_path, bool json);
int cmd_replay(const std::string& config_path, const std::string& out_dir,
               const std::vector<std::string>& inputs);
struct InspectArguments {
  std::string config_path;
  std::vector<std::string> signature_files;
  std::string classification_file;
  std::string cache_dir;  // compiled signature databases; empty: none
  std::string capture;
  std::string out_dir;
  bool ips = false;
  bool midstream = false;
  bool verify_checksums = false;
};
int cmd_inspect(const InspectArguments& args);
// The stages in the order they run (dataplane/pipeline/stages.hpp kStages).
int cmd_pipeline();
// `torwartd_path` empty: torwartd beside `self_path`.
int cmd_lab(const std::string& self_path, const std::string& torwartd_path, const std::string& log_dir,
            bool verbose, bool stop_at_first_failure);

struct ControlTarget {
  std::string config_path;  // the socket is the configuration's dataplane.control_socket
  std::string socket_path;  // or named directly
};
int cmd_status(const ControlTarget& target, bool json);
int cmd_stats(const ControlTarget& target, bool json);
// Up to `limit` tracked connections per worker, as a table or JSON.
int cmd_flows(const ControlTarget& target, bool json, unsigned limit);
int cmd_reload(const ControlTarget& target, const std::string& new_config_path, long long config_version);

}  // namespace torwart::cli
