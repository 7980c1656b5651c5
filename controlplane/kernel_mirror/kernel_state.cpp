#include "controlplane/kernel_mirror/kernel_state.hpp"

namespace torwart::controlplane {

const char* neighbour_state_name(NeighbourState state) {
  // The words `ip neigh` prints, lower case.
  switch (state) {
    case NeighbourState::kIncomplete:
      return "incomplete";
    case NeighbourState::kReachable:
      return "reachable";
    case NeighbourState::kStale:
      return "stale";
    case NeighbourState::kDelay:
      return "delay";
    case NeighbourState::kProbe:
      return "probe";
    case NeighbourState::kFailed:
      return "failed";
    case NeighbourState::kNoArp:
      return "noarp";
    case NeighbourState::kPermanent:
      return "permanent";
    case NeighbourState::kNone:
      return "none";
  }
  return "none";
}

}  // namespace torwart::controlplane
