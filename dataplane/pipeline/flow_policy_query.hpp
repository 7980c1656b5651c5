#pragma once
// The policy question a tracked flow is asked again (after a reload, or when the application layer learns
// something): as its first packet was asked, from its originator, whichever direction the current packet
// travels in.
#include "dataplane/conntrack/flow.hpp"
#include "dataplane/core/packet_meta.hpp"
#include "dataplane/snapshot/snapshot.hpp"
#include "rules/policy/policy_query.hpp"

namespace torwart::dataplane {

policy::PolicyQuery query_of_flow(const Snapshot& snapshot, const conntrack::Flow& flow,
                                  const PacketMeta& meta);

}  // namespace torwart::dataplane
