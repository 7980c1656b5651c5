#include "dataplane/lab/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <utility>

#include "dataplane/lab/cleanup.hpp"

namespace torwart::lab {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<char*> c_argv(const Argv& argv) {
  std::vector<char*> out;
  for (const auto& arg : argv) out.push_back(const_cast<char*>(arg.c_str()));
  out.push_back(nullptr);
  return out;
}

// Forks a child running argv with stdin from /dev/null and stdout+stderr on out_fd. Returns its pid,
// already registered for cleanup.
pid_t spawn(const Argv& argv, int out_fd) {
  if (argv.empty()) throw std::invalid_argument("empty argv");
  install_cleanup_handlers();
  std::vector<char*> args = c_argv(argv);
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) throw std::runtime_error("open /dev/null: " + std::string(std::strerror(errno)));
  SignalBlock block;
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    close(null_fd);
    throw std::runtime_error("fork: " + std::string(std::strerror(errno)));
  }
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(126);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    dup2(null_fd, STDIN_FILENO);
    dup2(out_fd, STDOUT_FILENO);
    dup2(out_fd, STDERR_FILENO);
    close_range(3, ~0U, 0);
    execvp(args[0], args.data());
    const char msg[] = "lab harness: exec failed\n";
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof(msg) - 1);
    (void)ignored;
    _exit(127);
  }
  setpgid(pid, pid);  // also in the parent, so that the group exists before anyone signals it
  close(null_fd);
  register_child(pid);
  return pid;
}

bool has_exited(pid_t pid) {
  siginfo_t info{};
  if (waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0) return errno == ECHILD;
  return info.si_pid == pid;
}

// Kills what is left of the group, reaps the leader, forgets it.
int reap(pid_t pid) {
  kill(-pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  unregister_child(pid);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

void drain(int fd, std::string& out, bool& eof) {
  char buf[4096];
  while (true) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
    } else if (n == 0) {
      eof = true;
      return;
    } else if (errno != EINTR) {
      return;  // EAGAIN: nothing more for now
    }
  }
}

}  // namespace

CommandResult run_command(const Argv& argv, milliseconds timeout) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe: " + std::string(std::strerror(errno)));
  pid_t pid;
  try {
    pid = spawn(argv, fds[1]);
  } catch (...) {
    close(fds[0]);
    close(fds[1]);
    throw;
  }
  close(fds[1]);
  fcntl(fds[0], F_SETFL, O_NONBLOCK);

  CommandResult result;
  const auto deadline = Clock::now() + timeout;
  bool eof = false;
  while (true) {
    if (!eof) {
      pollfd p{fds[0], POLLIN, 0};
      poll(&p, 1, 20);
      drain(fds[0], result.output, eof);
    } else {
      std::this_thread::sleep_for(milliseconds(5));
    }
    if (has_exited(pid)) break;
    if (Clock::now() >= deadline) {
      result.timed_out = true;
      kill(-pid, SIGKILL);
      break;
    }
  }
  drain(fds[0], result.output, eof);
  close(fds[0]);
  result.exit_code = reap(pid);
  return result;
}

std::string run_checked(const Argv& argv, milliseconds timeout) {
  CommandResult r = run_command(argv, timeout);
  if (!r.ok()) {
    std::string why = r.timed_out ? "timed out" : "exit status " + std::to_string(r.exit_code);
    throw std::runtime_error(describe(argv) + ": " + why + (r.output.empty() ? "" : ": " + r.output));
  }
  return r.output;
}

std::string describe(const Argv& argv) {
  std::string out;
  for (const auto& arg : argv) {
    if (!out.empty()) out += ' ';
    bool quote = arg.empty() || arg.find_first_of(" \t'\"") != std::string::npos;
    out += quote ? "'" + arg + "'" : arg;
  }
  return out;
}

std::string find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/sbin:/usr/bin:/sbin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/" + name;
    if (end > start && access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return {};
}

BackgroundProcess::BackgroundProcess(const Argv& argv, const std::string& log_path) : log_path_(log_path) {
  int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("open " + log_path + ": " + std::strerror(errno));
  try {
    pid_ = spawn(argv, fd);
  } catch (...) {
    close(fd);
    throw;
  }
  close(fd);
}

BackgroundProcess::~BackgroundProcess() {
  stop();
}

BackgroundProcess::BackgroundProcess(BackgroundProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), log_path_(std::move(other.log_path_)) {}

BackgroundProcess& BackgroundProcess::operator=(BackgroundProcess&& other) noexcept {
  if (this != &other) {
    stop();
    pid_ = std::exchange(other.pid_, -1);
    log_path_ = std::move(other.log_path_);
  }
  return *this;
}

bool BackgroundProcess::running() const {
  return pid_ > 0 && !has_exited(pid_);
}

std::optional<int> BackgroundProcess::stop(milliseconds grace) {
  if (pid_ <= 0) return std::nullopt;
  if (!has_exited(pid_)) {
    kill(-pid_, SIGTERM);
    const auto deadline = Clock::now() + grace;
    while (!has_exited(pid_) && Clock::now() < deadline) std::this_thread::sleep_for(milliseconds(20));
  }
  int status = reap(pid_);
  pid_ = -1;
  return status;
}

}  // namespace torwart::lab
