#include "platform/interface_addresses/interface_addresses.hpp"

#include "platform/interface_addresses/rtnetlink_socket.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace torwart::platform {
namespace {

struct AddrFree {
  void operator()(rtnl_addr* a) const { rtnl_addr_put(a); }
};

std::string text_of(const KernelAddress& address) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(address.ipv6 ? AF_INET6 : AF_INET, address.bytes.data(), text, sizeof text);
  return std::string(text) + "/" + std::to_string(address.prefix_length);
}

// One per-interface sysctl; `interface` comes from the configuration and becomes part of a path.
void write_setting(const std::string& interface, const std::string& path, const char* value) {
  if (interface.empty() || interface.find('/') != std::string::npos ||
      interface.find("..") != std::string::npos)
    throw std::runtime_error("'" + interface + "' is not a kernel interface name");
  std::ofstream file(path);
  file << value << '\n';
  file.flush();
  if (!file) throw std::runtime_error("cannot write " + std::string(value) + " to " + path);
}

// Sends one address request per address; `add` true: RTM_NEWADDR (replacing), false: RTM_DELADDR.
void change_addresses(const std::string& interface, const std::vector<KernelAddress>& addresses, bool add) {
  const unsigned index = if_nametoindex(interface.c_str());
  if (index == 0) throw std::runtime_error("kernel interface '" + interface + "' does not exist");
  NlSocket socket = open_rtnetlink();
  for (const auto& address : addresses) {
    const int family = address.ipv6 ? AF_INET6 : AF_INET;
    NlAddr local(nl_addr_build(family, address.bytes.data(), address.ipv6 ? 16 : 4));
    std::unique_ptr<rtnl_addr, AddrFree> request(rtnl_addr_alloc());
    if (!local || !request) throw std::runtime_error("out of memory building a netlink address");
    nl_addr_set_prefixlen(local.get(), address.prefix_length);
    rtnl_addr_set_ifindex(request.get(), static_cast<int>(index));
    rtnl_addr_set_family(request.get(), family);
    if (rtnl_addr_set_local(request.get(), local.get()) < 0)
      throw std::runtime_error("cannot build the netlink request for " + text_of(address));
    rtnl_addr_set_prefixlen(request.get(), address.prefix_length);
    if (add) {
      // NLM_F_REPLACE: a restart finds the address still there when the twin outlived the process.
      if (int rc = rtnl_addr_add(socket.get(), request.get(), NLM_F_REPLACE); rc < 0) {
        throw std::runtime_error("cannot give kernel interface '" + interface + "' the address " +
                                 text_of(address) + ": " + nl_geterror(rc));
      }
    } else if (int rc = rtnl_addr_delete(socket.get(), request.get(), 0);
               rc < 0 && rc != -NLE_NOADDR && rc != -NLE_OBJ_NOTFOUND) {
      throw std::runtime_error("cannot take the address " + text_of(address) + " from kernel interface '" +
                               interface + "': " + nl_geterror(rc));
    }
  }
}

}  // namespace

void add_kernel_addresses(const std::string& interface, const std::vector<KernelAddress>& addresses) {
  // A twin follows its port's link down and up; Linux flushes IPv6 addresses on down unless told not to.
  if (std::any_of(addresses.begin(), addresses.end(), [](const KernelAddress& a) { return a.ipv6; }))
    write_setting(interface, "/proc/sys/net/ipv6/conf/" + interface + "/keep_addr_on_down", "1");
  change_addresses(interface, addresses, true);
}

void remove_kernel_addresses(const std::string& interface, const std::vector<KernelAddress>& addresses) {
  change_addresses(interface, addresses, false);
}

void share_neighbours_with_kernel(const std::string& twin) {
  write_setting(twin, "/proc/sys/net/ipv4/conf/" + twin + "/arp_accept", "1");
  const std::string untracked = "/proc/sys/net/ipv6/conf/" + twin + "/accept_untracked_na";
  if (std::ifstream(untracked).good()) write_setting(twin, untracked, "1");  // Linux 5.19 and later
}

void keep_kernel_stack_off(const std::string& device) {
  write_setting(device, "/proc/sys/net/ipv4/conf/" + device + "/rp_filter", "1");
  write_setting(device, "/proc/sys/net/ipv4/conf/" + device + "/arp_ignore", "8");
  write_setting(device, "/proc/sys/net/ipv6/conf/" + device + "/disable_ipv6", "1");
}

}  // namespace torwart::platform
