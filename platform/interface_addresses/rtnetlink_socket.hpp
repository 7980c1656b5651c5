#pragma once
// The one way this folder opens rtnetlink (libnl-route), and the owners of libnl's objects it builds.
#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace torwart::platform {

struct NlSocketFree {
  void operator()(nl_sock* s) const { nl_socket_free(s); }
};
struct NlAddrFree {
  void operator()(nl_addr* a) const { nl_addr_put(a); }
};
using NlSocket = std::unique_ptr<nl_sock, NlSocketFree>;
using NlAddr = std::unique_ptr<nl_addr, NlAddrFree>;

// A connected NETLINK_ROUTE socket; throws std::runtime_error when there is none to be had.
inline NlSocket open_rtnetlink() {
  NlSocket socket(nl_socket_alloc());
  if (!socket) throw std::runtime_error("cannot allocate a netlink socket");
  if (int rc = nl_connect(socket.get(), NETLINK_ROUTE); rc < 0)
    throw std::runtime_error(std::string("cannot open rtnetlink: ") + nl_geterror(rc));
  return socket;
}

}  // namespace torwart::platform
