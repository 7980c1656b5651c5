#pragma once
// A full dump of links, addresses, routes and neighbours, in that order (a route's interface is known
// before the route), into a MirrorTable.
#include <cstdint>

#include "controlplane/kernel_mirror/mirror_table.hpp"
#include "controlplane/kernel_mirror/netlink_socket.hpp"

namespace torwart::controlplane {

enum class DumpOutcome {
  kComplete,
  kInterrupted,  // the kernel flagged NLM_F_DUMP_INTR: its tables changed underneath; dump again
};

// `next_sequence` numbers the requests and advances. Throws std::runtime_error (std::system_error) when the
// socket fails, the kernel refuses a request or stays silent past the socket's timeout.
DumpOutcome dump_kernel(NetlinkSocket& socket, uint32_t& next_sequence, MirrorTable& table);

}  // namespace torwart::controlplane
