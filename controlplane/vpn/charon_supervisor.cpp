#include "controlplane/vpn/charon_supervisor.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <thread>
#include <variant>
#include <vector>

#include "rules/config/load.hpp"

extern char** environ;

namespace torwart::controlplane::vpn {
namespace {

namespace fs = std::filesystem;

// The plugins charon loads: torwart first, so that it, not kernel-netlink, is the kernel-ipsec backend
// (kernel-netlink stays for addresses and interfaces); the crypto charon needs for TR-02102-3's IKE
// algorithms; VICI for swanctl.
constexpr char kPlugins[] =
    "torwart random nonce openssl pem pkcs1 pkcs8 x509 revocation constraints pubkey gcm aes sha2 hmac kdf "
    "kernel-netlink socket-default vici";

// For sh -c: single-quoted, refusing what would end the quotes.
std::string shell_quoted(const std::string& text) {
  if (text.find('\'') != std::string::npos)
    throw std::invalid_argument("a path with a single quote cannot be handed to charon's shell: " + text);
  return "'" + text + "'";
}

bool is_charon(pid_t pid) {
  std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  std::getline(comm, name);
  return name == "charon";
}

// Starts argv with its stdout and stderr into `output` (O_TRUNC or O_APPEND in `mode`), in a process group
// of its own: charon outlives torwartd, and a signal to torwartd's group must not reach it. Returns 0 or the
// error number.
int spawn(std::vector<std::string> args, const fs::path& output, int mode, pid_t& pid) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, output.c_str(), O_WRONLY | O_CREAT | mode, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  const int rc = posix_spawn(&pid, argv[0], &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  return rc;
}

// Runs argv to its end (at most `limit`), its output into `output`; true when it exited with 0.
bool run(const std::vector<std::string>& args, const fs::path& output, std::chrono::seconds limit,
         std::string& problem) {
  pid_t pid = 0;
  if (const int rc = spawn(args, output, O_TRUNC, pid); rc != 0) {
    problem = args[0] + ": " + std::strerror(rc);
    return false;
  }
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      problem = args[0] + " did not finish within " + std::to_string(limit.count()) + " s";
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
  std::ifstream in(output);
  std::string said((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (said.size() > 2000) said = said.substr(said.size() - 2000);
  problem = args[0] + " failed: " + said;
  return false;
}

}  // namespace

CharonSupervisor::CharonSupervisor(CharonOptions options) : options_(std::move(options)) {
  // A charon an earlier torwartd started keeps running; it is ours again.
  std::ifstream pid_file(options_.directory / "run" / "charon.pid");
  pid_t pid = 0;
  if (pid_file >> pid && pid > 0 && kill(pid, 0) == 0 && is_charon(pid)) {
    pid_ = pid;
    adopted_ = true;
    load_pending_ = true;
  }
}

std::string CharonSupervisor::strongswan_conf() const {
  const fs::path& dir = options_.directory;
  return "# written by torwartd; edits are overwritten\n"
         "charon {\n"
         "  load = " +
         std::string(kPlugins) +
         "\n"
         "  # the fast path routes the tunnels' networks itself; charon must not touch the kernel's tables\n"
         "  install_routes = no\n"
         "  install_virtual_ip = no\n"
         "  plugins {\n"
         "    torwart { socket = " +
         options_.fastpath_socket +
         " }\n"
         "    vici { socket = unix://" +
         (dir / "vici").string() +
         " }\n"
         "  }\n"
         "  filelog {\n"
         "    log {\n"
         "      path = " +
         (dir / "charon.log").string() +
         "\n"
         "      default = 1\n"
         "      flush_line = yes\n"
         "    }\n"
         "  }\n"
         "}\n";
}

void CharonSupervisor::follow(uint64_t version, const std::string& text) {
  if (version != followed_) {
    followed_ = version;
    if (version == 0) {
      wanted_ = false;
    } else {
      // A current version that no longer loads (a key file went away) leaves the tunnels as they run.
      const auto loaded = config::load_config_text(text, "version " + std::to_string(version));
      if (const auto* errors = std::get_if<std::vector<config::ConfigError>>(&loaded)) {
        last_problem_ =
            "version " + std::to_string(version) + " does not load: " + errors->front().to_string();
      } else {
        const config::Config& config = std::get<config::Config>(loaded);
        wanted_ = !config.vpn.tunnels.empty();
        tunnels_.clear();
        for (const auto& t : config.vpn.tunnels) tunnels_.push_back({t.name, t.reqid(false), t.reqid(true)});
        if (wanted_) {
          SwanctlResult generated = swanctl_config(config);
          if (!generated.ok()) {
            last_problem_ = "version " + std::to_string(version) + ": " + generated.error;
          } else if (generated.config.text != swanctl_.text || generated.config.files != swanctl_.files) {
            swanctl_ = std::move(generated.config);
            load_pending_ = true;
          }
        }
      }
    }
  }
  if (!wanted_) {
    if (pid_ != 0 && alive()) stop();
    pid_ = 0;
    return;
  }
  if (pid_ == 0 || !alive()) {
    start();
    load_pending_ = true;
    return;  // loaded at a later call, once its VICI socket is there
  }
  if (load_pending_ && fs::exists(options_.directory / "vici") && load()) {
    load_pending_ = false;
    loaded_version_ = followed_;
  }
}

bool CharonSupervisor::alive() {
  if (pid_ == 0) return false;
  if (adopted_) return kill(pid_, 0) == 0 && is_charon(pid_);
  int status = 0;
  const pid_t done = waitpid(pid_, &status, WNOHANG);
  if (done == 0) return true;
  last_problem_ = "charon (pid " + std::to_string(pid_) + ") ended" +
                  (done == pid_ && WIFEXITED(status) ? " with status " + std::to_string(WEXITSTATUS(status))
                   : done == pid_ && WIFSIGNALED(status) ? " by signal " + std::to_string(WTERMSIG(status))
                                                         : std::string());
  pid_ = 0;
  return false;
}

void CharonSupervisor::start() {
  const fs::path& dir = options_.directory;
  fs::create_directories(dir / "run");
  fs::remove(dir / "vici");
  fs::remove(dir / "run" / "charon.pid");
  std::ofstream(dir / "strongswan.conf") << strongswan_conf();
  // charon writes its pid file and control socket under /var/run: a /run of its own (a bind mount in a
  // mount namespace of its own), so that its files stay in `dir` and another charon on the machine does
  // not stop it from starting.
  std::string command;
  try {
    command = "mount --bind " + shell_quoted((dir / "run").string()) +
              " /run && exec env STRONGSWAN_CONF=" + shell_quoted((dir / "strongswan.conf").string()) +
              " LD_PRELOAD=" + shell_quoted(options_.plugin.string()) + " " +
              shell_quoted(options_.charon.string());
  } catch (const std::invalid_argument& e) {
    last_problem_ = e.what();
    return;
  }
  pid_t pid = 0;
  if (const int rc =
          spawn({"/usr/bin/unshare", "-m", "/bin/sh", "-c", command}, dir / "charon.out", O_APPEND, pid);
      rc != 0) {
    last_problem_ = std::string("cannot start charon: ") + std::strerror(rc);
    return;
  }
  pid_ = pid;
  adopted_ = false;
  ++starts_;
  std::cerr << "torwartd: vpn: charon started (pid " << pid << ")\n";
}

void CharonSupervisor::stop() {
  kill(pid_, SIGTERM);
  for (int i = 0; i < 150 && alive(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (pid_ != 0 && alive()) {
    kill(pid_, SIGKILL);
    if (!adopted_) waitpid(pid_, nullptr, 0);
  }
  std::cerr << "torwartd: vpn: charon stopped (no tunnels in the current version)\n";
  pid_ = 0;
  loaded_version_ = 0;
}

bool CharonSupervisor::load() {
  const fs::path swanctl_dir = options_.directory / "swanctl";
  if (std::string problem = write_swanctl_dir(swanctl_, swanctl_dir.string()); !problem.empty()) {
    last_problem_ = "swanctl directory: " + problem;
    return false;
  }
  std::string problem;
  // --clear: connections and secrets that are no longer in the file go (a tunnel removed by a commit).
  if (!run({options_.swanctl.string(), "--load-all", "--clear", "--noprompt", "--file",
            (swanctl_dir / "swanctl.conf").string(), "--uri", vici_uri()},
           options_.directory / "swanctl.out", std::chrono::seconds(15), problem)) {
    last_problem_ = problem;
    return false;
  }
  last_problem_.clear();
  std::cerr << "torwartd: vpn: tunnels of version " << followed_ << " loaded into charon\n";
  return true;
}

std::string CharonSupervisor::tunnel_of(uint32_t reqid) const {
  for (const TunnelIds& t : tunnels_) {
    if (t.reqid_v4 == reqid) return t.name;
    if (t.reqid_v6 == reqid) return t.name + " (IPv6)";
  }
  return {};
}

nlohmann::json CharonSupervisor::status() const {
  nlohmann::json tunnels = nlohmann::json::array();
  for (const TunnelIds& t : tunnels_)
    tunnels.push_back({{"name", t.name}, {"reqid_ipv4", t.reqid_v4}, {"reqid_ipv6", t.reqid_v6}});
  return {{"tunnels_configured", wanted_},
          {"tunnels", tunnels},
          {"charon", {{"running", pid_ != 0}, {"pid", pid_}, {"starts", starts_}, {"adopted", adopted_}}},
          {"loaded_from_version", loaded_version_},
          {"directory", options_.directory.string()},
          {"last_problem", last_problem_}};
}

}  // namespace torwart::controlplane::vpn
