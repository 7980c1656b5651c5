#pragma once
// One ISC dhclient per port with `addresses: dhcp`, run on the port's kernel twin with torwart's own script
// (torwart-dhclient-script: the lease goes on the twin, nothing else on the system changes). torwartd keeps
// them running: a client that exited is started again at the next check, a client a previous torwartd
// started is adopted through its pid file, and when the fast path restarted (its twins were made anew,
// with no address) every client is restarted so that it asks for its lease again at once. Clients outlive
// torwartd: a lease keeps being renewed while the control plane is down (fail-static).
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace torwart::controlplane {

struct DhcpClientOptions {
  std::filesystem::path dhclient = "/sbin/dhclient";
  std::filesystem::path script;     // torwart-dhclient-script
  std::filesystem::path directory;  // pid files, lease databases and the lease summaries
};

class DhcpClients {
 public:
  explicit DhcpClients(DhcpClientOptions options);
  DhcpClients(const DhcpClients&) = delete;
  DhcpClients& operator=(const DhcpClients&) = delete;

  // `interfaces`: the twins that take their address by DHCP now. Starts what is missing or has exited,
  // stops clients of twins no longer listed; `restart_all` (the fast path restarted) restarts every one.
  void follow(const std::vector<std::string>& interfaces, bool restart_all);
  // Stops every client (SIGTERM; they release nothing: the lease stays valid for the next start).
  void stop_all();
  // Per twin: pid, starts, and the lease as the script last wrote it.
  nlohmann::json status() const;

 private:
  struct Client {
    pid_t pid = 0;
    uint64_t starts = 0;
    bool adopted = false;  // not our child: liveness by kill(pid, 0)
  };
  bool alive(Client& client) const;
  void start(const std::string& interface, Client& client);
  void stop(const std::string& interface, Client& client);
  std::filesystem::path pid_file(const std::string& interface) const;

  DhcpClientOptions options_;
  std::map<std::string, Client> clients_;
};

}  // namespace torwart::controlplane
