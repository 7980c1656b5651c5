#pragma once
// What the mirror did and what it refused, for `status`: counters that only grow, and the last refusals as
// text (which route, why).
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

namespace torwart::controlplane {

enum class Refusal : uint8_t {
  kBlackhole,
  kUnreachable,
  kProhibit,
  kOtherType,       // throw, local, broadcast, multicast, ... in the main table
  kMultipath,       // more than one next hop
  kNexthopObject,   // RTA_NH_ID: next hops kept as separate kernel objects
  kOtherTable,      // a route on a watched interface outside the main table
  kSourceSpecific,  // IPv6 "from" routes
  kForeignGateway,  // RTA_VIA: an IPv4 route via an IPv6 gateway
  kRouteLimit,
  kAddressLimit,
  kNeighbourLimit,
};
inline constexpr size_t kRefusalKinds = static_cast<size_t>(Refusal::kNeighbourLimit) + 1;
const char* refusal_name(Refusal refusal);

struct MirrorCounters {
  uint64_t dumps = 0;          // complete full dumps taken (the initial one and every resync)
  uint64_t resyncs = 0;        // full dumps after the initial one, whatever the cause
  uint64_t overruns = 0;       // the event socket lost messages (ENOBUFS)
  uint64_t dump_failures = 0;  // dumps that failed or stayed interrupted; retried
  uint64_t events = 0;         // messages received on the event socket
  uint64_t malformed = 0;      // messages that did not parse, or arrived from someone else than the kernel
  uint64_t ignored = 0;        // messages about other interfaces, the local table, route cache entries
  std::array<uint64_t, kRefusalKinds> refused{};

  uint64_t refused_total() const;
  uint64_t refused_for(Refusal refusal) const { return refused[static_cast<size_t>(refusal)]; }
};

class MirrorStatistics {
 public:
  static constexpr size_t kRecentRefusals = 16;

  MirrorCounters& counters() { return counters_; }
  const MirrorCounters& counters() const { return counters_; }
  // Counts the refusal and keeps "`what`: `reason`" among the recent ones.
  void refuse(Refusal refusal, const std::string& what);
  // Oldest first, at most kRecentRefusals.
  const std::deque<std::string>& recent_refusals() const { return recent_; }

 private:
  MirrorCounters counters_;
  std::deque<std::string> recent_;
};

}  // namespace torwart::controlplane
