#pragma once
// Child processes for the lab harness, started from argv vectors (never through a shell). Each child leads
// its own process group, gets SIGTERM when the harness dies (PR_SET_PDEATHSIG) and is registered with the
// emergency cleanup (cleanup.hpp) until it has been reaped.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace torwart::lab {

using Argv = std::vector<std::string>;
using std::chrono::milliseconds;

struct CommandResult {
  int exit_code = -1;  // the exit status; 128 + N when killed by signal N
  bool timed_out = false;
  std::string output;  // stdout and stderr, interleaved

  bool ok() const { return exit_code == 0 && !timed_out; }
};

// Runs argv to completion, or kills its process group after `timeout`. Leftover members of the child's
// process group are killed once the child has exited. Throws only when the process cannot be started.
CommandResult run_command(const Argv& argv, milliseconds timeout);

// As run_command, but throws std::runtime_error (with command and output) unless the command succeeded.
std::string run_checked(const Argv& argv, milliseconds timeout = milliseconds(10000));

// "ip netns exec x ping -c 1 ..." for messages; quotes arguments that contain blanks.
std::string describe(const Argv& argv);

// Searches PATH; empty when not found.
std::string find_program(const std::string& name);

// A child that keeps running until stop() or destruction. Output goes to a log file (appended).
class BackgroundProcess {
 public:
  BackgroundProcess() = default;
  BackgroundProcess(const Argv& argv, const std::string& log_path);
  ~BackgroundProcess();
  BackgroundProcess(BackgroundProcess&& other) noexcept;
  BackgroundProcess& operator=(BackgroundProcess&& other) noexcept;
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }
  // False once the process has exited (it stays unreaped until stop()).
  bool running() const;
  // SIGTERM to the process group, SIGKILL after `grace`; reaps. Returns the exit status as in
  // CommandResult::exit_code, or nullopt when nothing was running. Idempotent.
  std::optional<int> stop(milliseconds grace = milliseconds(3000));

 private:
  pid_t pid_ = -1;
  std::string log_path_;
};

}  // namespace torwart::lab
