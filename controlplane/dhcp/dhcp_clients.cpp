#include "controlplane/dhcp/dhcp_clients.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <stdexcept>

extern char** environ;

namespace torwart::controlplane {
namespace {

// Only a pid that still runs dhclient is ours to adopt: pids are reused.
bool runs_dhclient(pid_t pid) {
  std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  return std::getline(comm, name) && name == "dhclient";
}

std::map<std::string, std::string> read_summary(const std::filesystem::path& file) {
  std::map<std::string, std::string> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line) && out.size() < 16) {
    const auto eq = line.find('=');
    if (eq != std::string::npos && line.size() < 512) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

}  // namespace

DhcpClients::DhcpClients(DhcpClientOptions options) : options_(std::move(options)) {
  if (!std::filesystem::exists(options_.dhclient))
    throw std::runtime_error(options_.dhclient.string() + " is missing (Debian package isc-dhcp-client)");
  if (!std::filesystem::exists(options_.script))
    throw std::runtime_error("the dhclient script " + options_.script.string() + " is missing");
  std::filesystem::create_directories(options_.directory);
}

std::filesystem::path DhcpClients::pid_file(const std::string& interface) const {
  return options_.directory / ("dhclient." + interface + ".pid");
}

bool DhcpClients::alive(Client& client) const {
  if (client.pid <= 0) return false;
  if (!client.adopted) {
    int status = 0;
    if (waitpid(client.pid, &status, WNOHANG) == client.pid) {
      client.pid = 0;
      return false;
    }
    return true;
  }
  return kill(client.pid, 0) == 0 && runs_dhclient(client.pid);
}

void DhcpClients::start(const std::string& interface, Client& client) {
  const std::string pid_path = pid_file(interface).string();
  const std::string leases = (options_.directory / ("dhclient." + interface + ".leases")).string();
  const std::string directory = "TORWART_DHCP_DIR=" + options_.directory.string();
  // -d: stay in the foreground (our child); -4: DHCPv4; -sf: our script; -pf/-lf: files of this twin only.
  std::vector<std::string> args = {options_.dhclient.string(),
                                   "-4",
                                   "-d",
                                   "-q",
                                   "-sf",
                                   options_.script.string(),
                                   "-pf",
                                   pid_path,
                                   "-lf",
                                   leases,
                                   "-e",
                                   directory,
                                   interface};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ);
  if (rc != 0) {
    std::cerr << "torwartd: dhcp: cannot start dhclient on " << interface << ": " << std::strerror(rc)
              << "\n";
    return;
  }
  client = Client{pid, client.starts + 1, false};
  std::cerr << "torwartd: dhcp: dhclient on " << interface << " started (pid " << pid << ")\n";
}

void DhcpClients::stop(const std::string& interface, Client& client) {
  if (!alive(client)) return;
  kill(client.pid, SIGTERM);
  if (!client.adopted) {
    for (int i = 0; i < 50 && waitpid(client.pid, nullptr, WNOHANG) == 0; ++i) usleep(20'000);
    if (waitpid(client.pid, nullptr, WNOHANG) == 0) {
      kill(client.pid, SIGKILL);
      waitpid(client.pid, nullptr, 0);
    }
  }
  std::cerr << "torwartd: dhcp: dhclient on " << interface << " stopped\n";
  client.pid = 0;
}

void DhcpClients::follow(const std::vector<std::string>& interfaces, bool restart_all) {
  for (auto it = clients_.begin(); it != clients_.end();) {
    if (std::find(interfaces.begin(), interfaces.end(), it->first) == interfaces.end()) {
      stop(it->first, it->second);
      it = clients_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& interface : interfaces) {
    auto [it, added] = clients_.try_emplace(interface);
    Client& client = it->second;
    if (added) {
      // A client a previous torwartd started keeps its lease: adopt it rather than run two.
      std::ifstream in(pid_file(interface));
      pid_t pid = 0;
      if (in >> pid && pid > 0 && kill(pid, 0) == 0 && runs_dhclient(pid)) client = Client{pid, 0, true};
    }
    if (restart_all) stop(interface, client);
    if (!alive(client)) start(interface, client);
  }
}

void DhcpClients::stop_all() {
  for (auto& [interface, client] : clients_) stop(interface, client);
}

nlohmann::json DhcpClients::status() const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [interface, client] : clients_) {
    nlohmann::json lease = nlohmann::json::object();
    for (const auto& [k, v] : read_summary(options_.directory / (interface + ".lease"))) lease[k] = v;
    out[interface] = {
        {"pid", client.pid}, {"starts", client.starts}, {"adopted", client.adopted}, {"lease", lease}};
  }
  return out;
}

}  // namespace torwart::controlplane
