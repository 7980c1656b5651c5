#include "dataplane/lab/netns.hpp"

#include <signal.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "dataplane/lab/cleanup.hpp"

namespace torwart::lab {

Namespace::Namespace(std::string name) : name_(std::move(name)) {
  install_cleanup_handlers();
  {
    SignalBlock block;  // created and registered as one step
    lab::run_checked({"ip", "netns", "add", name_});
    register_namespace(name_);
  }
  try {
    set_up("lo");
  } catch (...) {
    destroy();
    throw;
  }
}

Namespace::~Namespace() {
  destroy();
}

void Namespace::destroy() noexcept {
  if (name_.empty()) return;
  try {
    // Everything inside was started by this harness; end it by pid before the namespace goes.
    CommandResult pids = run_command({"ip", "netns", "pids", name_}, milliseconds(5000));
    std::istringstream in(pids.output);
    for (pid_t pid; in >> pid;) {
      if (pid > 1) kill(pid, SIGKILL);
    }
    SignalBlock block;
    run_command({"ip", "netns", "delete", name_}, milliseconds(10000));
    unregister_namespace(name_);
  } catch (...) {
    // Destructors must not throw; the emergency cleanup still knows the namespace if we failed early.
  }
  name_.clear();
}

Argv Namespace::exec_argv(const Argv& argv) const {
  Argv out{"ip", "netns", "exec", name_};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

CommandResult Namespace::run(const Argv& argv, milliseconds timeout) const {
  return run_command(exec_argv(argv), timeout);
}

std::string Namespace::run_checked(const Argv& argv, milliseconds timeout) const {
  return lab::run_checked(exec_argv(argv), timeout);
}

BackgroundProcess Namespace::start(const Argv& argv, const std::string& log_path) const {
  return BackgroundProcess(exec_argv(argv), log_path);
}

void Namespace::ip(Argv args) const {
  Argv argv{"ip", "-n", name_};
  argv.insert(argv.end(), args.begin(), args.end());
  lab::run_checked(argv);
}

void Namespace::set_mac(const std::string& device, const std::string& mac) const {
  ip({"link", "set", "dev", device, "address", mac});
}

void Namespace::set_up(const std::string& device) const {
  ip({"link", "set", "dev", device, "up"});
}

void Namespace::add_address(const std::string& device, const std::string& cidr) const {
  Argv args{"address", "add", cidr, "dev", device};
  if (cidr.find(':') != std::string::npos) args.push_back("nodad");
  ip(args);
}

void Namespace::add_route(const std::string& destination, const std::string& via) const {
  Argv args{"route", "add", destination, "via", via};
  if (destination.find(':') != std::string::npos || via.find(':') != std::string::npos) {
    args.insert(args.begin(), "-6");
  }
  ip(args);
}

void Namespace::add_neighbour(const std::string& device, const std::string& address,
                              const std::string& mac) const {
  ip({"neighbour", "replace", address, "lladdr", mac, "dev", device, "nud", "permanent"});
}

void Namespace::disable_tx_offload(const std::string& device) const {
  run_checked({"ethtool", "-K", device, "tx", "off"});
}

void Namespace::sysctl(const std::string& key, const std::string& value) const {
  run_checked({"sysctl", "-q", "-w", key + "=" + value});
}

void create_veth(const Namespace& a, const std::string& name_a, const Namespace& b,
                 const std::string& name_b) {
  lab::run_checked({"ip", "-n", a.name(), "link", "add", name_a, "type", "veth", "peer", "name", name_b,
                    "netns", b.name()});
}

std::vector<std::string> list_namespaces() {
  std::vector<std::string> names;
  std::istringstream in(lab::run_checked({"ip", "netns", "list"}));
  for (std::string line; std::getline(in, line);) {
    std::string name = line.substr(0, line.find(' '));
    if (!name.empty()) names.push_back(name);
  }
  return names;
}

}  // namespace torwart::lab
