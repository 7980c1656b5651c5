#include "platform/interface_addresses/kernel_routes.hpp"

#include "platform/interface_addresses/rtnetlink_socket.hpp"

#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/route.h>

#include <memory>
#include <stdexcept>

namespace torwart::platform {
namespace {

struct CacheFree {
  void operator()(nl_cache* c) const { nl_cache_free(c); }
};
struct RouteFree {
  void operator()(rtnl_route* r) const { rtnl_route_put(r); }
};

std::string text_of(const KernelRouteRequest& route) {
  const int family = route.ipv6 ? AF_INET6 : AF_INET;
  char destination[INET6_ADDRSTRLEN] = {}, gateway[INET6_ADDRSTRLEN] = {};
  inet_ntop(family, route.destination.data(), destination, sizeof destination);
  std::string text = std::string(destination) + "/" + std::to_string(route.prefix_length);
  if (route.has_gateway) {
    inet_ntop(family, route.gateway.data(), gateway, sizeof gateway);
    text += " via " + std::string(gateway);
  }
  return text + " dev " + route.interface;
}

// Deletes every main-table route with `protocol` (the previous set).
void remove_previous(nl_sock* socket, uint8_t protocol) {
  nl_cache* raw = nullptr;
  if (int rc = rtnl_route_alloc_cache(socket, AF_UNSPEC, 0, &raw); rc < 0)
    throw std::runtime_error(std::string("cannot read the kernel's routes: ") + nl_geterror(rc));
  std::unique_ptr<nl_cache, CacheFree> cache(raw);
  std::vector<rtnl_route*> ours;
  for (nl_object* o = nl_cache_get_first(cache.get()); o != nullptr; o = nl_cache_get_next(o)) {
    auto* route = reinterpret_cast<rtnl_route*>(o);
    if (rtnl_route_get_protocol(route) == protocol && rtnl_route_get_table(route) == RT_TABLE_MAIN)
      ours.push_back(route);
  }
  for (rtnl_route* route : ours) rtnl_route_delete(socket, route, 0);  // gone already is fine too
}

std::string add(nl_sock* socket, const KernelRouteRequest& request, uint8_t protocol) {
  const unsigned index = if_nametoindex(request.interface.c_str());
  if (index == 0) return text_of(request) + ": no kernel interface " + request.interface;
  const int family = request.ipv6 ? AF_INET6 : AF_INET;
  const int size = request.ipv6 ? 16 : 4;
  std::unique_ptr<rtnl_route, RouteFree> route(rtnl_route_alloc());
  NlAddr destination(nl_addr_build(family, request.destination.data(), size));
  if (!route || !destination) return text_of(request) + ": out of memory";
  nl_addr_set_prefixlen(destination.get(), request.prefix_length);
  rtnl_route_set_family(route.get(), static_cast<uint8_t>(family));
  rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
  rtnl_route_set_protocol(route.get(), protocol);
  rtnl_route_set_type(route.get(), RTN_UNICAST);
  rtnl_route_set_scope(route.get(), request.has_gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
  rtnl_route_set_dst(route.get(), destination.get());
  rtnl_nexthop* hop = rtnl_route_nh_alloc();  // owned by the route once added
  if (hop == nullptr) return text_of(request) + ": out of memory";
  rtnl_route_nh_set_ifindex(hop, static_cast<int>(index));
  if (request.has_gateway) {
    NlAddr gateway(nl_addr_build(family, request.gateway.data(), size));
    if (!gateway) {
      rtnl_route_nh_free(hop);
      return text_of(request) + ": out of memory";
    }
    rtnl_route_nh_set_gateway(hop, gateway.get());
    rtnl_route_nh_set_flags(hop, RTNH_F_ONLINK);
  }
  rtnl_route_add_nexthop(route.get(), hop);
  if (int rc = rtnl_route_add(socket, route.get(), NLM_F_CREATE | NLM_F_REPLACE); rc < 0)
    return text_of(request) + ": " + nl_geterror(rc);
  return {};
}

}  // namespace

std::vector<std::string> set_kernel_routes(const std::vector<KernelRouteRequest>& routes, uint8_t protocol) {
  NlSocket socket = open_rtnetlink();
  remove_previous(socket.get(), protocol);
  std::vector<std::string> refused;
  for (const auto& route : routes) {
    if (std::string problem = add(socket.get(), route, protocol); !problem.empty())
      refused.push_back(std::move(problem));
  }
  return refused;
}

}  // namespace torwart::platform
