#pragma once
// Last-resort cleanup for the lab harness. Every child process and every namespace the harness creates is
// registered here until its owner has removed it normally. If the program is interrupted (SIGINT, SIGTERM,
// SIGHUP) or exits without unwinding (exit()), the registered process groups are terminated (SIGTERM, then
// SIGKILL) and the registered namespaces unmounted, using only async-signal-safe calls. The signal is then
// re-raised with its default action so that the exit status still tells what happened.
#include <signal.h>
#include <sys/types.h>

#include <string>

namespace torwart::lab {

// Idempotent; called by the harness itself before it creates anything.
void install_cleanup_handlers();

// Children are registered by process id; each child leads its own process group of the same id.
void register_child(pid_t pid);
void unregister_child(pid_t pid);

// Namespaces by name (as in /run/netns/<name>).
void register_namespace(const std::string& name);
void unregister_namespace(const std::string& name);

// Blocks SIGINT/SIGTERM/SIGHUP for the lifetime of the guard, so that fork + register (or unregister +
// delete) happen as one step as far as the cleanup handler is concerned.
class SignalBlock {
 public:
  SignalBlock();
  ~SignalBlock();
  SignalBlock(const SignalBlock&) = delete;
  SignalBlock& operator=(const SignalBlock&) = delete;

 private:
  sigset_t saved_;
};

// Terminates every registered process group and deletes every registered namespace. Async-signal-safe.
void emergency_cleanup();

}  // namespace torwart::lab
