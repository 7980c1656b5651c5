#include "dataplane/lab/strongswan.hpp"

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace torwart::lab {

namespace fs = std::filesystem;

CharonInstance start_charon(const Namespace& ns, const std::string& dir, const CharonSettings& settings,
                            std::string& problem) {
  CharonInstance charon;
  charon.dir = dir;
  fs::create_directories(dir + "/run");
  fs::remove(dir + "/vici");
  // Short retransmissions: a test or lab row learns of a lost peer in seconds, not minutes.
  std::ofstream(dir + "/strongswan.conf")
      << "charon {\n  load = " << settings.plugins
      << "\n  install_routes = " << (settings.install_routes ? "yes" : "no")
      << "\n  install_virtual_ip = no\n"
      << "  retransmit_tries = 3\n  retransmit_timeout = 1.0\n"
      << "  plugins {\n    vici { socket = " << charon.vici() << " }\n"
      << settings.plugin_settings << "  }\n"
      << "  filelog {\n    log { path = " << charon.log()
      << "\n      default = 1\n      flush_line = yes\n      knl = 2\n      ike = 2\n    }\n  }\n}\n";
  std::ofstream(dir + "/swanctl.conf") << settings.swanctl_conf;
  const std::string command =
      "mount --bind " + dir + "/run /run && exec env STRONGSWAN_CONF=" + dir + "/strongswan.conf " +
      (settings.preload.empty() ? std::string() : "LD_PRELOAD=" + settings.preload + " ") + kCharonProgram;
  charon.process = ns.start({"unshare", "-m", "sh", "-c", command}, dir + "/stdout.log");
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
       std::chrono::steady_clock::now() < deadline && !fs::exists(dir + "/vici");) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const CommandResult loaded = run_command(
      {"swanctl", "--load-all", "--noprompt", "--file", dir + "/swanctl.conf", "--uri", charon.vici()},
      std::chrono::milliseconds(15000));
  problem = loaded.ok() ? std::string() : "charon in " + dir + ": " + loaded.output;
  return charon;
}

CommandResult initiate_child(const CharonInstance& charon, const std::string& child,
                             std::chrono::seconds within) {
  CommandResult result;
  for (auto deadline = std::chrono::steady_clock::now() + within;
       std::chrono::steady_clock::now() < deadline;) {
    result =
        run_command({"swanctl", "--initiate", "--child", child, "--timeout", "5", "--uri", charon.vici()},
                    std::chrono::milliseconds(10000));
    if (result.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return result;
}

bool signal_charon(const std::string& dir, int signal) {
  std::ifstream pid_file(dir + "/run/charon.pid");
  pid_t pid = 0;
  return pid_file >> pid && pid > 0 && kill(pid, signal) == 0;
}

std::string psk_connection(const std::string& local, const std::string& remote, const std::string& local_id,
                           const std::string& remote_id, const std::string& local_ts,
                           const std::string& remote_ts, const std::string& secret) {
  return "connections {\n  kdn {\n    version = 2\n    local_addrs = " + local +
         "\n    remote_addrs = " + remote +
         "\n    proposals = aes256gcm16-prfsha384-ecp384\n    dpd_delay = 5s\n"
         "    local { auth = psk\n      id = " +
         local_id + " }\n    remote { auth = psk\n      id = " + remote_id +
         " }\n    children {\n      kdn {\n        local_ts = " + local_ts +
         "\n        remote_ts = " + remote_ts +
         "\n        esp_proposals = aes256gcm16-ecp384\n        replay_window = 1024\n"
         "        rekey_time = 1h\n      }\n    }\n  }\n}\n"
         "secrets {\n  ike-kdn {\n    id-a = " +
         local_id + "\n    id-b = " + remote_id + "\n    secret = " + secret + "\n  }\n}\n";
}

}  // namespace torwart::lab
