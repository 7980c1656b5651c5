#pragma once
// The mirror's picture of the kernel, built from parsed changes (netlink_message.hpp) in the order the kernel
// sent them: only the watched interfaces, only what the fast path can hold, within the limits; everything
// else ignored or refused and counted. No socket: a dump and the event stream both feed apply().
#include <map>
#include <set>
#include <string>
#include <vector>

#include "controlplane/kernel_mirror/kernel_state.hpp"
#include "controlplane/kernel_mirror/mirror_limits.hpp"
#include "controlplane/kernel_mirror/mirror_statistics.hpp"
#include "controlplane/kernel_mirror/netlink_message.hpp"

namespace torwart::controlplane {

enum class ApplyOutcome {
  kUnchanged,
  kChanged,
  // The kernel changed more than it announces (an interface went down or was renamed, an IPv4 address went
  // away: routes vanish without a message); only a full dump shows the truth.
  kNeedsResync,
};

class MirrorTable {
 public:
  MirrorTable(const std::vector<std::string>& watched_interfaces, MirrorLimits limits,
              MirrorStatistics& statistics);

  ApplyOutcome apply(const NetlinkChange& change);
  const KernelState& state() const { return state_; }

 private:
  struct Link {
    std::string name;
    bool up = false;
  };

  ApplyOutcome apply_link(const LinkChange& change);
  ApplyOutcome apply_address(const AddressChange& change);
  ApplyOutcome apply_route(const RouteChange& change);
  ApplyOutcome apply_neighbour(const NeighbourChange& change);
  ApplyOutcome ignore();
  // The watched interface behind `ifindex`, or nullptr.
  const std::string* watched_name(int ifindex) const;
  bool forget_interface(const std::string& name);
  void refresh_interface_list();
  ApplyOutcome refuse_route(Refusal refusal, const RouteChange& change, const RouteKey& key);

  std::set<std::string> watched_;
  MirrorLimits limits_;
  MirrorStatistics& statistics_;
  std::map<int, Link> links_;  // every interface seen, watched or not: a rename shows as a new name here
  KernelState state_;
};

}  // namespace torwart::controlplane
