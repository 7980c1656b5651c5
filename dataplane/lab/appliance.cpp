#include "dataplane/lab/appliance.hpp"

#include <filesystem>
#include <stdexcept>

#include "rules/config/load.hpp"

namespace torwart::lab {

namespace fs = std::filesystem;

nlohmann::json parse_json_output(const std::string& output) {
  const auto brace = output.find('{');
  if (brace == std::string::npos) throw std::runtime_error("no JSON object in: " + output);
  try {
    return nlohmann::json::parse(output.substr(brace));
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("unparsable JSON (") + e.what() + "): " + output);
  }
}

ApplianceProcess::ApplianceProcess(const Namespace& ns, std::string binary, std::string config_path,
                                   std::string eve_dir, std::string output_log)
    : ns_(ns),
      binary_(fs::absolute(binary).string()),
      config_path_(std::move(config_path)),
      eve_dir_(std::move(eve_dir)),
      output_log_(std::move(output_log)) {}

Argv ApplianceProcess::run_argv() const {
  return {binary_, "run", "-c", config_path_, "-l", eve_dir_};
}

void ApplianceProcess::start() {
  if (process_.pid() > 0) throw std::logic_error("appliance already started");
  fs::create_directories(eve_dir_);
  process_ = ns_.start(run_argv(), output_log_);
}

CommandResult ApplianceProcess::command(const Argv& args, milliseconds timeout) const {
  Argv argv{binary_};
  argv.insert(argv.end(), args.begin(), args.end());
  return ns_.run(argv, timeout);
}

nlohmann::json ApplianceProcess::json_command(const char* name) const {
  CommandResult r = command({name, "--json", "-c", config_path_});
  if (!r.ok()) {
    throw std::runtime_error(
        std::string("torwart ") + name +
        " --json: " + (r.timed_out ? "timed out" : "exit " + std::to_string(r.exit_code)) + ": " + r.output);
  }
  return parse_json_output(r.output);
}

nlohmann::json ApplianceProcess::stats() const {
  return json_command("stats");
}

nlohmann::json ApplianceProcess::status() const {
  return json_command("status");
}

CommandResult ApplianceProcess::reload(const std::string& new_config_path,
                                       std::optional<unsigned long long> version) const {
  // The socket of the running configuration: a refused candidate may name another one.
  Argv args{"reload", "-c", new_config_path};
  auto loaded = config::load_config_file(config_path_);
  if (auto* cfg = std::get_if<config::Config>(&loaded)) {
    args.push_back("-s");
    args.push_back(cfg->dataplane.control_socket);
  }
  if (version) {
    args.push_back("--config-version");
    args.push_back(std::to_string(*version));
  }
  return command(args, milliseconds(15000));
}

}  // namespace torwart::lab
