#include "dataplane/lab/check_support.hpp"

#include <fmt/format.h>

#include <chrono>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "dataplane/lab/lab_checks.hpp"

namespace torwart::lab {

using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

std::string first_line_with(const std::string& text, const std::string& needle) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.find(needle) != std::string::npos) return line;
  }
  return {};
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

std::string summary(const CommandResult& r) {
  if (r.timed_out) return "timed out";
  std::string text = trim(r.output);
  auto nl = text.rfind('\n');
  return fmt::format("exit {}: {}", r.exit_code, nl == std::string::npos ? text : text.substr(nl + 1));
}

void wait_listening(const Namespace& ns, const char* proto_flags, int port, const BackgroundProcess& server) {
  const auto deadline = Clock::now() + seconds(10);
  while (Clock::now() < deadline) {
    if (!server.running()) break;
    CommandResult r = ns.run({"ss", "-H", proto_flags, "sport", "=", fmt::format(":{}", port)});
    if (r.ok() && !trim(r.output).empty()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::runtime_error(
      fmt::format("server on port {} in {} did not start; see {}", port, ns.name(), server.log_path()));
}

long snmp_counter(const LabContext& ctx, const Namespace& ns, const std::string& group,
                  const std::string& field) {
  CommandResult r = ctx.run(ns, {"cat", "/proc/net/snmp"}, seconds(5));
  std::istringstream in(r.output);
  for (std::string names, values; std::getline(in, names) && std::getline(in, values);) {
    std::istringstream n(names), v(values);
    std::string name, value;
    n >> name;
    v >> value;
    if (name != group + ":") continue;
    while (n >> name && v >> value) {
      if (name == field) return std::stol(value);
    }
  }
  throw std::runtime_error("no " + group + " " + field + " in /proc/net/snmp of " + ns.name());
}

}  // namespace torwart::lab
