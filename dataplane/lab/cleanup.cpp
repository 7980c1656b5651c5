#include "dataplane/lab/cleanup.hpp"

#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace torwart::lab {
namespace {

// Fixed-size tables so that the signal handler never allocates. Slots are claimed and released with
// signals blocked (SignalBlock), so the handler always sees consistent entries.
constexpr int kMaxChildren = 128;
constexpr int kMaxNamespaces = 32;
constexpr std::size_t kMaxPath = 256;
constexpr const char kNetnsDir[] = "/run/netns/";

pid_t g_children[kMaxChildren];
char g_namespace_paths[kMaxNamespaces][kMaxPath];
bool g_installed = false;
constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};

void sleep_ms(long ms) {
  timespec ts{ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
  }
}

bool any_child_alive() {
  for (pid_t pid : g_children) {
    if (pid > 0 && kill(-pid, 0) == 0) return true;
  }
  return false;
}

void signal_children(int sig) {
  for (pid_t pid : g_children) {
    if (pid > 0) kill(-pid, sig);
  }
}

void on_signal(int sig) {
  emergency_cleanup();
  signal(sig, SIG_DFL);
  raise(sig);
}

void at_exit() {
  emergency_cleanup();
}

}  // namespace

SignalBlock::SignalBlock() {
  sigset_t block;
  sigemptyset(&block);
  for (int sig : kSignals) sigaddset(&block, sig);
  sigprocmask(SIG_BLOCK, &block, &saved_);
}

SignalBlock::~SignalBlock() {
  sigprocmask(SIG_SETMASK, &saved_, nullptr);
}

void install_cleanup_handlers() {
  SignalBlock block;
  if (g_installed) return;
  g_installed = true;
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  for (int sig : kSignals) sigaddset(&action.sa_mask, sig);
  for (int sig : kSignals) {
    // A signal the caller ignores (e.g. SIGINT in a background job, SIGHUP under nohup) stays ignored.
    struct sigaction old {};
    sigaction(sig, nullptr, &old);
    if (old.sa_handler != SIG_IGN) sigaction(sig, &action, nullptr);
  }
  std::atexit(at_exit);
}

void register_child(pid_t pid) {
  SignalBlock block;
  for (pid_t& slot : g_children) {
    if (slot == 0) {
      slot = pid;
      return;
    }
  }
  // Out of slots: refuse rather than run a child nobody would clean up.
  kill(-pid, SIGKILL);
  throw std::runtime_error("lab harness: too many child processes");
}

void unregister_child(pid_t pid) {
  SignalBlock block;
  for (pid_t& slot : g_children) {
    if (slot == pid) slot = 0;
  }
}

void register_namespace(const std::string& name) {
  SignalBlock block;
  if (sizeof(kNetnsDir) + name.size() > kMaxPath)
    throw std::runtime_error("namespace name too long: " + name);
  for (auto& slot : g_namespace_paths) {
    if (slot[0] == '\0') {
      std::strcpy(slot, kNetnsDir);
      std::strcat(slot, name.c_str());
      return;
    }
  }
  throw std::runtime_error("lab harness: too many namespaces");
}

void unregister_namespace(const std::string& name) {
  SignalBlock block;
  std::string path = kNetnsDir + name;
  for (auto& slot : g_namespace_paths) {
    if (path == slot) slot[0] = '\0';
  }
}

void emergency_cleanup() {
  // Only async-signal-safe calls from here on.
  signal_children(SIGTERM);
  for (int waited = 0; waited < 3000 && any_child_alive(); waited += 20) {
    for (pid_t& pid : g_children) {
      if (pid > 0) waitpid(pid, nullptr, WNOHANG);
    }
    sleep_ms(20);
  }
  signal_children(SIGKILL);
  for (pid_t& pid : g_children) {
    if (pid > 0) waitpid(pid, nullptr, 0);
    pid = 0;
  }
  // What `ip netns delete` does: detach the bind mount that keeps the namespace alive, remove the file.
  for (auto& path : g_namespace_paths) {
    if (path[0] == '\0') continue;
    umount2(path, MNT_DETACH);
    unlink(path);
    path[0] = '\0';
  }
}

}  // namespace torwart::lab
