#pragma once
// The torwartctl commands: each sends one request to torwartd and prints the answer, as a table for people
// or as JSON (--json) for scripts. Each returns the exit code.
#include <optional>
#include <string>

namespace torwart::controlplane::ctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;   // torwartd or the fast path unreachable or failing
inline constexpr int kExitBadInput = 2;  // invalid configuration, unknown version, conflict, command line

struct Options {
  std::string socket = "/run/torwart/torwartd.sock";
  bool json = false;
  // --host: the management API of a remote box instead of the local socket (mutual TLS with these files).
  std::string host;
  std::string cert;
  std::string key;
  std::string ca;
};

int cmd_status(const Options& o);
int cmd_stats(const Options& o);
int cmd_vpn_status(const Options& o);
int cmd_flows(const Options& o, unsigned limit);
int cmd_show(const Options& o, std::optional<unsigned long long> version);
int cmd_validate(const Options& o, const std::string& file);
int cmd_commit(const Options& o, const std::string& file, const std::string& confirm_within,
               const std::string& message, std::optional<unsigned long long> base);
int cmd_confirm(const Options& o);
int cmd_rollback(const Options& o, unsigned long long version, const std::string& message);
int cmd_history(const Options& o);
int cmd_audit(const Options& o, unsigned long long after, unsigned limit);
int cmd_diff(const Options& o, unsigned long long from, unsigned long long to);
int cmd_export(const Options& o, const std::string& output);
int cmd_import(const Options& o, const std::string& file);
// `file` empty: give the version up as lost.
int cmd_repair(const Options& o, unsigned long long version, const std::string& file,
               const std::string& message);

}  // namespace torwart::controlplane::ctl
