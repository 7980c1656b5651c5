#include "controlplane/kernel_mirror/mirror_statistics.hpp"

#include <numeric>

namespace torwart::controlplane {

const char* refusal_name(Refusal refusal) {
  switch (refusal) {
    case Refusal::kBlackhole:
      return "blackhole route";
    case Refusal::kUnreachable:
      return "unreachable route";
    case Refusal::kProhibit:
      return "prohibit route";
    case Refusal::kOtherType:
      return "route type the fast path does not hold";
    case Refusal::kMultipath:
      return "multipath route";
    case Refusal::kNexthopObject:
      return "route using a nexthop object";
    case Refusal::kOtherTable:
      return "route outside the main table";
    case Refusal::kSourceSpecific:
      return "source-specific route";
    case Refusal::kForeignGateway:
      return "gateway of the other address family";
    case Refusal::kRouteLimit:
      return "route limit reached";
    case Refusal::kAddressLimit:
      return "address limit of the interface reached";
    case Refusal::kNeighbourLimit:
      return "neighbour limit reached";
  }
  return "unknown";
}

uint64_t MirrorCounters::refused_total() const {
  return std::accumulate(refused.begin(), refused.end(), uint64_t{0});
}

void MirrorStatistics::refuse(Refusal refusal, const std::string& what) {
  ++counters_.refused[static_cast<size_t>(refusal)];
  if (recent_.size() == kRecentRefusals) recent_.pop_front();
  recent_.push_back(what + ": " + refusal_name(refusal));
}

}  // namespace torwart::controlplane
