#pragma once
// torwartd's half of "the kernel → fast path mirror": follows the twins `torwart run` names, turns every
// KernelState the mirror hands over into the fast path's `learned` command, and repairs what a restart of
// either side loses: a fast path that restarted (it reports a generation below the one sent) gets a full
// dump again, a push that failed is repeated at the next check.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controlplane/kernel_mirror/kernel_mirror.hpp"
#include "rules/learned/learned_state.hpp"

namespace torwart::controlplane {

// What the fast path is told: addresses and main-table routes of the twins as they are, neighbours only
// when permanent (both sides learn dynamic ones from the same ARP/ND on the wire).
learned::LearnedState to_learned(const KernelState& state);

// What a check saw of the fast path.
struct FastPathView {
  bool reachable = false;
  bool restarted = false;               // another process than at the check before (its twins are new)
  std::vector<std::string> dhcp_ports;  // twins with `addresses: dhcp`
};

class LearnedPublisher {
 public:
  LearnedPublisher(boost::asio::io_context& io, std::string fastpath_socket,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // Asks the fast path which twins it has and what it holds; starts (or restarts, when the twins changed)
  // the mirror, resynchronises a restarted fast path, repeats a failed push. torwartd calls this at start
  // and at every sync interval.
  FastPathView check();
  // For torwartd's status: the mirror's counters and recent refusals, what was sent, the last failure.
  nlohmann::json status() const;

 private:
  void publish(const KernelState& state);
  nlohmann::json fastpath_status();
  void note(const std::string& message);

  boost::asio::io_context& io_;
  std::string socket_;
  std::chrono::milliseconds timeout_;
  std::vector<std::string> watched_;
  std::unique_ptr<KernelMirror> mirror_;
  uint64_t sent_generation_ = 0;
  learned::LearnedState last_sent_;  // its generation 0, to compare with the next
  int64_t fastpath_pid_ = 0;
  uint64_t pushes_ = 0;
  uint64_t push_failures_ = 0;
  uint64_t fastpath_resyncs_ = 0;
  bool push_pending_ = false;
  std::string last_problem_;
};

}  // namespace torwart::controlplane
