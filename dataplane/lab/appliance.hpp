#pragma once
// `torwart run` as a child of the lab harness, inside the appliance namespace, and the control commands
// (status, stats, reload) that talk to it. Shared by `torwart lab` and the end-to-end tests.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "dataplane/lab/netns.hpp"
#include "dataplane/lab/process.hpp"

namespace torwart::lab {

// The JSON object in a command's output; tolerates text before it (e.g. a warning line). Throws
// std::runtime_error when there is none.
nlohmann::json parse_json_output(const std::string& output);

class ApplianceProcess {
 public:
  // Nothing runs until start(). `eve_dir` is the -l directory; `output_log` receives stdout and stderr.
  ApplianceProcess(const Namespace& ns, std::string binary, std::string config_path, std::string eve_dir,
                   std::string output_log);
  ApplianceProcess(const ApplianceProcess&) = delete;
  ApplianceProcess& operator=(const ApplianceProcess&) = delete;

  // `torwart run -c <config> -l <eve_dir>` (absolute binary path).
  Argv run_argv() const;
  void start();
  bool alive() const { return process_.running(); }
  pid_t pid() const { return process_.pid(); }
  // SIGTERM (SIGKILL after `grace`) and reap; the exit status, or nullopt when nothing ran. Idempotent.
  std::optional<int> stop(milliseconds grace = milliseconds(10000)) { return process_.stop(grace); }

  const Namespace& ns() const { return ns_; }
  const std::string& binary() const { return binary_; }
  const std::string& config_path() const { return config_path_; }
  std::string eve_path() const { return eve_dir_ + "/eve.json"; }
  const std::string& output_log() const { return output_log_; }

  // `torwart <args...>` inside the appliance namespace, e.g. {"stats", "--json", "-c", config_path()}.
  CommandResult command(const Argv& args, milliseconds timeout = milliseconds(10000)) const;
  // `torwart stats --json` / `torwart status --json` against the running configuration's control socket;
  // throw std::runtime_error when the command fails or prints no JSON.
  nlohmann::json stats() const;
  nlohmann::json status() const;
  // `torwart reload -c <new_config> [--config-version N]` (socket from the running configuration).
  CommandResult reload(const std::string& new_config_path,
                       std::optional<unsigned long long> version = {}) const;

 private:
  nlohmann::json json_command(const char* command) const;

  const Namespace& ns_;
  std::string binary_;
  std::string config_path_;
  std::string eve_dir_;
  std::string output_log_;
  BackgroundProcess process_;
};

}  // namespace torwart::lab
