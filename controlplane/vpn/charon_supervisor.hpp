#pragma once
// torwartd's side of the tunnels: strongSwan's charon, run from the current configuration. While the current
// version has tunnels, charon runs with torwart's kernel-ipsec plugin (charon_plugin/: its SAs go into the
// fast path) and the swanctl.conf of that version (swanctl_config.hpp), loaded over VICI with
// `swanctl --load-all --clear`, so that a commit, a rollback or a confirmed change takes tunnels away as well
// as it adds them. A charon that exited is started again at the next follow(); without tunnels it is
// stopped (charon removes its SAs from the fast path as it ends). charon outlives torwartd, as the DHCP
// clients do: the tunnels stay up while the control plane restarts, and the next torwartd adopts it by its
// pid file.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controlplane/vpn/swanctl_config.hpp"

namespace torwart::controlplane::vpn {

struct CharonOptions {
  std::filesystem::path charon = "/usr/lib/ipsec/charon";
  std::filesystem::path swanctl = "/usr/sbin/swanctl";
  std::filesystem::path plugin;     // libstrongswan-torwart.so, preloaded into charon
  std::filesystem::path directory;  // strongswan.conf, swanctl/, run/ (charon's own /run), vici, charon.log
  std::string fastpath_socket;      // `torwart run`'s control socket, where the plugin installs SAs
};

class CharonSupervisor {
 public:
  explicit CharonSupervisor(CharonOptions options);
  CharonSupervisor(const CharonSupervisor&) = delete;
  CharonSupervisor& operator=(const CharonSupervisor&) = delete;

  // Called with the current version (0: none) and its text, on every change and periodically.
  void follow(uint64_t version, const std::string& text);
  // charon's state, the version whose tunnels are loaded, the last problem, and the tunnels with their
  // reqids (`tunnels`).
  nlohmann::json status() const;
  // The tunnel whose CHILD_SA has `reqid`, as "<name>" or "<name> (IPv6)"; empty when none.
  std::string tunnel_of(uint32_t reqid) const;

  // charon's strongswan.conf for these options (written at each start).
  std::string strongswan_conf() const;

 private:
  bool alive();
  void start();
  void stop();
  bool load();
  std::string vici_uri() const { return "unix://" + (options_.directory / "vici").string(); }

  CharonOptions options_;
  uint64_t followed_ = 0;  // the version whose text was read
  bool wanted_ = false;    // that version has tunnels
  SwanctlConfig swanctl_;  // and their swanctl.conf
  struct TunnelIds {
    std::string name;
    uint32_t reqid_v4;
    uint32_t reqid_v6;
  };
  std::vector<TunnelIds> tunnels_;  // of that version
  bool load_pending_ = false;       // swanctl_ not yet loaded into the running charon
  uint64_t loaded_version_ = 0;
  pid_t pid_ = 0;
  bool adopted_ = false;  // started by an earlier torwartd: not our child
  uint64_t starts_ = 0;
  std::string last_problem_;
};

}  // namespace torwart::controlplane::vpn
