#pragma once
// A small RAII harness around network namespaces for end-to-end tests. It drives `ip`, `ethtool` and
// `sysctl` through fork/exec with argv vectors (no shell). Namespaces delete themselves on destruction;
// an interrupted program still cleans up through cleanup.hpp.
#include <string>

#include "dataplane/lab/process.hpp"

namespace torwart::lab {

class Namespace {
 public:
  // Creates the namespace and brings its loopback up. Throws if the name is taken.
  explicit Namespace(std::string name);
  // Kills whatever still runs inside (by pid), then deletes the namespace and the veths in it.
  ~Namespace();
  Namespace(const Namespace&) = delete;
  Namespace& operator=(const Namespace&) = delete;

  const std::string& name() const { return name_; }

  // argv prefixed with `ip netns exec <name>`.
  Argv exec_argv(const Argv& argv) const;
  CommandResult run(const Argv& argv, milliseconds timeout = milliseconds(10000)) const;
  std::string run_checked(const Argv& argv, milliseconds timeout = milliseconds(10000)) const;
  BackgroundProcess start(const Argv& argv, const std::string& log_path) const;

  // Link configuration (devices are names inside this namespace).
  void set_mac(const std::string& device, const std::string& mac) const;
  void set_up(const std::string& device) const;
  // "a.b.c.d/len" or "x::y/len"; IPv6 addresses are added with `nodad` so they are usable at once.
  void add_address(const std::string& device, const std::string& cidr) const;
  void add_route(const std::string& destination, const std::string& via) const;
  void add_neighbour(const std::string& device, const std::string& address, const std::string& mac) const;
  // `ethtool -K <device> tx off`: veths otherwise hand partial checksums to af_packet readers.
  void disable_tx_offload(const std::string& device) const;
  void sysctl(const std::string& key, const std::string& value) const;

 private:
  void ip(Argv args) const;
  void destroy() noexcept;

  std::string name_;
};

// A veth pair with one end in each namespace; both ends are created in place, so the names only need to
// be unique within their namespace.
void create_veth(const Namespace& a, const std::string& name_a, const Namespace& b,
                 const std::string& name_b);

// Names of the namespaces that exist now (from `ip netns list`).
std::vector<std::string> list_namespaces();

}  // namespace torwart::lab
