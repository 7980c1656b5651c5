#pragma once
// One rtnetlink message, as bytes from the kernel, turned into the change it announces. Pure: no socket, no
// state; whatever the bytes are, the answer is a change, "unrelated" or "malformed" (never a crash), which is
// what the fuzz target checks. Which changes the fast path can hold is decided later (mirror_table.hpp).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "controlplane/kernel_mirror/kernel_state.hpp"
#include "rules/config/ip_address.hpp"

namespace torwart::controlplane {

struct LinkChange {
  bool removed = false;
  int ifindex = 0;
  std::string name;
  bool up = false;  // IFF_UP: administratively up
};

struct AddressChange {
  bool removed = false;
  int ifindex = 0;
  config::InterfaceAddress address;
};

struct RouteHop {
  int ifindex = 0;
  std::optional<config::IpAddress> gateway;
};

struct RouteChange {
  bool removed = false;
  uint32_t table = 0;
  uint8_t type = 0;      // RTN_UNICAST, RTN_BLACKHOLE, ...
  uint8_t protocol = 0;  // rtm_protocol
  uint32_t metric = 0;
  config::IpPrefix destination;
  uint8_t source_length = 0;         // > 0: a source-specific route
  bool uses_nexthop_object = false;  // RTA_NH_ID: the next hop lives in a separate nexthop object
  bool has_foreign_gateway = false;  // RTA_VIA: a gateway of the other address family
  bool cloned = false;               // RTM_F_CLONED: a cache entry, not a route
  std::vector<RouteHop> hops;
};

struct NeighbourChange {
  bool removed = false;
  int ifindex = 0;
  config::IpAddress address;
  std::optional<config::MacAddress> mac;
  NeighbourState state = NeighbourState::kNone;
};

// A message the mirror does not follow: other message types and families (bridge, multicast routing),
// proxy neighbours.
struct Unrelated {};
struct Malformed {
  std::string reason;
};
// The end of a dump (NLMSG_DONE) and the kernel's answer to a request (NLMSG_ERROR; 0 is an acknowledgement).
struct DumpDone {};
struct NetlinkError {
  int error = 0;  // a negative errno
};

using NetlinkChange = std::variant<Unrelated, Malformed, DumpDone, NetlinkError, LinkChange, AddressChange,
                                   RouteChange, NeighbourChange>;

struct ParsedMessage {
  NetlinkChange change;
  uint32_t sequence = 0;
  bool dump_interrupted = false;  // NLM_F_DUMP_INTR: the kernel's tables changed while it dumped them
};

// `message` is one whole netlink message, header included, 4-byte aligned.
ParsedMessage parse_netlink_message(std::span<const std::byte> message);

// Every message of a receive buffer, in order; a message whose length runs past the buffer (or is shorter
// than its header) ends the walk with one Malformed.
void for_each_netlink_message(std::span<const std::byte> buffer,
                              const std::function<void(const ParsedMessage&)>& handle);

}  // namespace torwart::controlplane
