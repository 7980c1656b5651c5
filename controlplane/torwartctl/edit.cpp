#include "controlplane/torwartctl/edit.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "controlplane/config_store/atomic_file.hpp"
#include "dataplane/control_protocol/client.hpp"
#include "rules/config/load.hpp"

namespace torwart::controlplane::ctl {
namespace {

std::string editor() {
  for (const char* name : {"VISUAL", "EDITOR"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') return value;
  }
  return "vi";
}

// Runs the editor through the shell (EDITOR may carry arguments, e.g. "code --wait"); the file is passed
// as a separate argument, never spliced into the command text. Returns the exit status or -1.
int run_editor(const std::string& command, const std::string& path) {
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    const std::string script = command + " \"$1\"";
    ::execl("/bin/sh", "sh", "-c", script.c_str(), "torwartctl-edit", path.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

int cmd_edit(const Options& o, const std::string& confirm_within, const std::string& message) {
  nlohmann::json shown;
  try {
    shown = platform::json_line_request(o.socket, {{"protocol", 1}, {"command", "show"}},
                                        std::chrono::seconds(30), "torwartd",
                                        "is torwartd running, and is this its --socket?");
  } catch (const platform::JsonLineUnreachable& e) {
    std::cerr << "torwartctl: " << e.what() << "\n";
    return kExitFailure;
  }
  if (!shown.value("ok", false)) {
    std::cerr << "torwartctl: " << shown.value("error", std::string("refused")) << "\n";
    return shown.value("kind", std::string("failure")) == "failure" ? kExitFailure : kExitBadInput;
  }
  const uint64_t base = shown["result"]["info"]["version"].get<uint64_t>();
  const std::string original = shown["result"]["config"].get<std::string>();

  std::string path =
      (std::filesystem::temp_directory_path() / ("torwart-v" + std::to_string(base) + "-XXXXXX.yaml"))
          .string();
  const int fd = ::mkstemps(path.data(), 5);
  if (fd < 0) {
    std::cerr << "torwartctl: cannot create a temporary file: " << std::strerror(errno) << "\n";
    return kExitFailure;
  }
  ::close(fd);
  try {
    write_file_atomic(path, original);
  } catch (const StoreIoError& e) {
    std::cerr << "torwartctl: " << e.what() << "\n";
    return kExitFailure;
  }
  const std::string command = editor();
  if (const int rc = run_editor(command, path); rc != 0) {
    std::cerr << "torwartctl: the editor (" << command << ") failed (exit " << rc
              << "); nothing committed, your file is " << path << "\n";
    return kExitFailure;
  }
  std::string edited;
  try {
    edited = read_whole_file(path, config::kMaxConfigBytes);
  } catch (const StoreIoError& e) {
    std::cerr << "torwartctl: " << e.what() << "\n";
    return kExitFailure;
  }
  if (edited == original) {
    std::filesystem::remove(path);
    std::cout << "no change to version " << base << "; nothing committed\n";
    return kExitOk;
  }
  const int rc = cmd_commit(o, path, confirm_within, message, base);
  if (rc == kExitOk) {
    std::filesystem::remove(path);
  } else {
    std::cerr << "torwartctl: your edit is kept in " << path << "; fix it and run: torwartctl config commit "
              << path << " --base " << base << "\n";
  }
  return rc;
}

}  // namespace torwart::controlplane::ctl
