#include "controlplane/kernel_mirror/mirror_table.hpp"

#include <linux/rtnetlink.h>

#include <algorithm>
#include <iterator>

#include "controlplane/kernel_mirror/route_origin.hpp"
#include "dataplane/control_protocol/twin_routes.hpp"

namespace torwart::controlplane {
namespace {

template <typename Map>
bool erase_interface_entries(Map& entries, const std::string& name) {
  return std::erase_if(entries, [&](const auto& entry) { return entry.second.interface == name; }) > 0;
}

bool is_multicast(const config::IpAddress& address) {
  return address.is_v4() ? (address.bytes[0] & 0xf0) == 0xe0 : address.bytes[0] == 0xff;
}

std::string describe(const RouteChange& change) {
  return change.destination.to_string() + " metric " + std::to_string(change.metric) + " table " +
         std::to_string(change.table);
}

}  // namespace

MirrorTable::MirrorTable(const std::vector<std::string>& watched_interfaces, MirrorLimits limits,
                         MirrorStatistics& statistics)
    : watched_(watched_interfaces.begin(), watched_interfaces.end()),
      limits_(limits),
      statistics_(statistics) {}

ApplyOutcome MirrorTable::apply(const NetlinkChange& change) {
  if (const auto* link = std::get_if<LinkChange>(&change)) return apply_link(*link);
  if (const auto* address = std::get_if<AddressChange>(&change)) return apply_address(*address);
  if (const auto* route = std::get_if<RouteChange>(&change)) return apply_route(*route);
  if (const auto* neighbour = std::get_if<NeighbourChange>(&change)) return apply_neighbour(*neighbour);
  if (std::holds_alternative<Malformed>(change)) {
    ++statistics_.counters().malformed;
    return ApplyOutcome::kUnchanged;
  }
  return ignore();
}

ApplyOutcome MirrorTable::ignore() {
  ++statistics_.counters().ignored;
  return ApplyOutcome::kUnchanged;
}

const std::string* MirrorTable::watched_name(int ifindex) const {
  auto link = links_.find(ifindex);
  if (link == links_.end() || !watched_.contains(link->second.name)) return nullptr;
  return &link->second.name;
}

bool MirrorTable::forget_interface(const std::string& name) {
  bool changed = erase_interface_entries(state_.addresses, name);
  changed |= erase_interface_entries(state_.routes, name);
  changed |= erase_interface_entries(state_.neighbours, name);
  return changed;
}

void MirrorTable::refresh_interface_list() {
  state_.interfaces.clear();
  for (const auto& [ifindex, link] : links_) {
    if (watched_.contains(link.name)) state_.interfaces.push_back(link.name);
  }
  std::sort(state_.interfaces.begin(), state_.interfaces.end());
}

ApplyOutcome MirrorTable::apply_link(const LinkChange& change) {
  auto known = links_.find(change.ifindex);
  if (change.removed) {
    if (known == links_.end()) return ignore();
    const std::string name = known->second.name;
    links_.erase(known);
    if (!watched_.contains(name)) return ignore();
    // Its addresses, routes and neighbours go with it; IPv4 routes do so without a message of their own.
    forget_interface(name);
    refresh_interface_list();
    return ApplyOutcome::kChanged;
  }
  if (known == links_.end()) {
    // A watched name already on another ifindex means we missed that one's removal.
    const bool name_moved = watched_.contains(change.name) &&
                            std::any_of(links_.begin(), links_.end(),
                                        [&](const auto& link) { return link.second.name == change.name; });
    links_[change.ifindex] = {change.name, change.up};
    if (name_moved) return ApplyOutcome::kNeedsResync;
    if (!watched_.contains(change.name)) return ignore();
    refresh_interface_list();
    return ApplyOutcome::kChanged;
  }
  Link before = known->second;
  known->second = {change.name, change.up};
  const bool watched_before = watched_.contains(before.name);
  const bool watched_now = watched_.contains(change.name);
  if (before.name != change.name) {
    // A rename: a twin's entries are no longer the twin's; an interface renamed into a twin brings entries
    // the kernel will not announce again.
    if (watched_before) forget_interface(before.name);
    refresh_interface_list();
    if (watched_now) return ApplyOutcome::kNeedsResync;
    return watched_before ? ApplyOutcome::kChanged : ignore();
  }
  if (!watched_now) return ignore();
  if (before.up && !change.up) return ApplyOutcome::kNeedsResync;  // the kernel flushes routes silently
  return ApplyOutcome::kUnchanged;
}

ApplyOutcome MirrorTable::apply_address(const AddressChange& change) {
  const std::string* name = watched_name(change.ifindex);
  if (name == nullptr) return ignore();
  AddressKey key{*name, change.address};
  if (change.removed) {
    if (state_.addresses.erase(key) == 0) return ApplyOutcome::kUnchanged;
    // Routes with this address as their source go without a message of their own (IPv4).
    return change.address.address.is_v4() ? ApplyOutcome::kNeedsResync : ApplyOutcome::kChanged;
  }
  if (state_.addresses.contains(key)) return ApplyOutcome::kUnchanged;
  const auto on_interface = std::count_if(state_.addresses.begin(), state_.addresses.end(),
                                          [&](const auto& entry) { return entry.second.interface == *name; });
  if (static_cast<size_t>(on_interface) >= limits_.max_addresses_per_interface) {
    statistics_.refuse(Refusal::kAddressLimit, *name + " " + change.address.to_string());
    return ApplyOutcome::kUnchanged;
  }
  state_.addresses.emplace(key, KernelAddress{*name, change.address});
  return ApplyOutcome::kChanged;
}

ApplyOutcome MirrorTable::refuse_route(Refusal refusal, const RouteChange& change, const RouteKey& key) {
  statistics_.refuse(refusal, describe(change));
  // The refused route took the key's place in the kernel: whatever we held under it is gone there.
  return state_.routes.erase(key) > 0 ? ApplyOutcome::kChanged : ApplyOutcome::kUnchanged;
}

ApplyOutcome MirrorTable::apply_route(const RouteChange& change) {
  if (change.table == RT_TABLE_LOCAL || change.cloned) return ignore();  // the kernel's own local routes
  const bool main_table = change.table == RT_TABLE_MAIN;
  const RouteKey key{change.destination, change.metric};
  if (change.protocol == control_protocol::kTwinRouteProtocol) {
    // The configuration's own routes, given to the box's kernel by torwart run. One that replaced a held
    // route (same prefix and metric) removed it.
    if (!change.removed && main_table && state_.routes.erase(key) != 0) return ApplyOutcome::kChanged;
    return ignore();
  }
  if (change.removed) {
    if (!main_table || state_.routes.erase(key) == 0) return ApplyOutcome::kUnchanged;
    return ApplyOutcome::kChanged;
  }
  const bool touches_watched = std::any_of(change.hops.begin(), change.hops.end(),
                                           [&](const RouteHop& hop) { return watched_name(hop.ifindex); });
  if (!main_table) {
    if (!touches_watched) return ignore();
    statistics_.refuse(Refusal::kOtherTable, describe(change));
    return ApplyOutcome::kUnchanged;
  }
  switch (change.type) {
    case RTN_BLACKHOLE:
      return refuse_route(Refusal::kBlackhole, change, key);
    case RTN_UNREACHABLE:
      return refuse_route(Refusal::kUnreachable, change, key);
    case RTN_PROHIBIT:
      return refuse_route(Refusal::kProhibit, change, key);
    default:
      break;
  }
  // A nexthop object's interface is not in the message: we cannot tell whether it is ours, so say so.
  if (change.uses_nexthop_object) return refuse_route(Refusal::kNexthopObject, change, key);
  if (!touches_watched) {
    ++statistics_.counters().ignored;
    return state_.routes.erase(key) > 0 ? ApplyOutcome::kChanged : ApplyOutcome::kUnchanged;
  }
  if (change.hops.size() > 1) return refuse_route(Refusal::kMultipath, change, key);
  if (change.type != RTN_UNICAST) return refuse_route(Refusal::kOtherType, change, key);
  if (change.source_length > 0) return refuse_route(Refusal::kSourceSpecific, change, key);
  if (change.has_foreign_gateway) return refuse_route(Refusal::kForeignGateway, change, key);
  if (!state_.routes.contains(key) && state_.routes.size() >= limits_.max_routes)
    return refuse_route(Refusal::kRouteLimit, change, key);

  const RouteHop& hop = change.hops.front();
  KernelRoute entry{change.destination, hop.gateway,     *watched_name(hop.ifindex),  change.metric,
                    RT_TABLE_MAIN,      change.protocol, origin_name(change.protocol)};
  auto [position, inserted] = state_.routes.try_emplace(key, entry);
  if (inserted) return ApplyOutcome::kChanged;
  if (position->second == entry) return ApplyOutcome::kUnchanged;
  position->second = std::move(entry);
  return ApplyOutcome::kChanged;
}

ApplyOutcome MirrorTable::apply_neighbour(const NeighbourChange& change) {
  const std::string* name = watched_name(change.ifindex);
  // Multicast entries (IPv6's noarp ff02::…) map to a MAC by rule; the fast path needs no table for them.
  if (name == nullptr || is_multicast(change.address)) return ignore();
  NeighbourKey key{*name, change.address};
  if (change.removed)
    return state_.neighbours.erase(key) > 0 ? ApplyOutcome::kChanged : ApplyOutcome::kUnchanged;
  if (!state_.neighbours.contains(key) && state_.neighbours.size() >= limits_.max_neighbours) {
    statistics_.refuse(Refusal::kNeighbourLimit, *name + " " + change.address.to_string());
    return ApplyOutcome::kUnchanged;
  }
  KernelNeighbour entry{*name, change.address, change.mac, change.state};
  auto [position, inserted] = state_.neighbours.try_emplace(key, entry);
  if (inserted) return ApplyOutcome::kChanged;
  if (position->second == entry) return ApplyOutcome::kUnchanged;
  position->second = entry;
  return ApplyOutcome::kChanged;
}

}  // namespace torwart::controlplane
