#pragma once
// Debian's strongSwan charon in a namespace of the lab, as the independent peer of the box's tunnels (or as
// a box's charon in tests that start it themselves): a directory of its own with strongswan.conf,
// swanctl.conf, its VICI socket, log and a /run of its own (charon hard-codes /var/run/charon.pid, so two
// charons on one machine need a mount namespace each).
#include <chrono>
#include <string>

#include "dataplane/lab/netns.hpp"
#include "dataplane/lab/process.hpp"

namespace torwart::lab {

inline constexpr char kCharonProgram[] = "/usr/lib/ipsec/charon";

// The plugins the lab's charons load; a peer adds kernel-libipsec (ESP in user space on a TUN device: the
// kernels here have no XFRM ESP), a box torwart (first, so it takes the kernel-ipsec role).
inline constexpr char kCharonPlugins[] =
    "random nonce openssl pem pkcs1 pkcs8 x509 revocation constraints pubkey gcm aes sha2 hmac kdf "
    "kernel-netlink socket-default vici";

struct CharonSettings {
  std::string plugins;          // charon.load
  std::string plugin_settings;  // lines inside charon.plugins { }
  std::string swanctl_conf;
  std::string preload;          // LD_PRELOAD, or empty
  bool install_routes = false;  // kernel-libipsec: routes to the remote networks through its TUN device
};

struct CharonInstance {
  std::string dir;
  BackgroundProcess process;

  std::string vici() const { return "unix://" + dir + "/vici"; }
  std::string log() const { return dir + "/charon.log"; }
  void stop() { process.stop(); }
};

// Starts charon in `ns` from DIR (created) and loads its swanctl.conf; `problem` says what failed (empty on
// success: charon answers on VICI and the configuration loaded).
CharonInstance start_charon(const Namespace& ns, const std::string& dir, const CharonSettings& settings,
                            std::string& problem);

// `swanctl --initiate --child CHILD` on `charon`, again every half second until it succeeds or `within` has
// passed (the other end's charon may still be starting); the last attempt's result.
CommandResult initiate_child(const CharonInstance& charon, const std::string& child,
                             std::chrono::seconds within);

// Sends `signal` to the charon whose own /run is DIR/run (by its pid file there); false when none runs.
bool signal_charon(const std::string& dir, int signal);

// swanctl.conf of one PSK tunnel `kdn` between two addresses, IKE and ESP AES-256-GCM with ECP-384 (what
// the box offers first), for a peer written by hand.
std::string psk_connection(const std::string& local, const std::string& remote, const std::string& local_id,
                           const std::string& remote_id, const std::string& local_ts,
                           const std::string& remote_ts, const std::string& secret);

}  // namespace torwart::lab
