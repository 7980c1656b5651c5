#pragma once
// `flows` on the control socket: a listing of the workers' connections. A worker's flow table is its own
// and changes with every burst, so the control lcore never reads it: it asks through this mailbox, and the
// worker copies up to `limit` flows between two bursts (one relaxed load per loop iteration when nobody
// asks).
#include <array>
#include <atomic>
#include <cstdint>

#include "dataplane/conntrack/flow_table.hpp"

namespace torwart::dataplane::live {

inline constexpr uint32_t kMaxFlowDump = 1000;  // per worker and request

struct FlowSummary {
  conntrack::FlowTuple original;
  conntrack::FlowState state;
  uint16_t policy_rule;
  uint64_t id;
  uint64_t first_seen_ns;
  uint64_t last_seen_ns;
  uint64_t packets[2];
  uint64_t bytes[2];
};

struct alignas(64) FlowDumpMailbox {
  std::atomic<uint32_t> requested{0};  // the control lcore bumps it after setting `limit`
  std::atomic<uint32_t> answered{0};   // the worker sets it to `requested` after filling `flows`
  uint32_t limit = 0;
  uint32_t count = 0;   // flows copied
  uint32_t active = 0;  // flows in the table when copied
  std::array<FlowSummary, kMaxFlowDump> flows{};
};

// Worker side: answers a pending request, if any.
inline void answer_flow_dump(FlowDumpMailbox& mailbox, const conntrack::FlowTable& table) {
  const uint32_t requested = mailbox.requested.load(std::memory_order_acquire);
  if (requested == mailbox.answered.load(std::memory_order_relaxed)) return;
  const uint32_t limit = std::min(mailbox.limit, kMaxFlowDump);
  uint32_t count = 0;
  table.for_each_flow([&](const conntrack::Flow& flow) {
    if (count == limit) return false;
    mailbox.flows[count++] = {flow.original(),
                              flow.state,
                              flow.policy_rule,
                              flow.id,
                              flow.first_seen_ns,
                              flow.last_seen_ns,
                              {flow.packets[0], flow.packets[1]},
                              {flow.bytes[0], flow.bytes[1]}};
    return true;
  });
  mailbox.count = count;
  mailbox.active = table.size();
  mailbox.answered.store(requested, std::memory_order_release);
}

}  // namespace torwart::dataplane::live
