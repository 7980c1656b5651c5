#pragma once
// Tracking a packet against the flow it belongs to: the TCP state machine with window checks, and the
// pseudo-connections of UDP, ICMP echo and other IP protocols. The caller has looked up (or created) the flow
// and knows the packet's direction; an invalid verdict means drop with drop_reason_of(verdict). Invalid
// packets change nothing in the flow (they neither refresh its timeout nor count).
#include <cstdint>

#include <rte_mbuf.h>

#include "dataplane/conntrack/flow.hpp"
#include "dataplane/core/drop_reason.hpp"
#include "dataplane/core/packet_meta.hpp"

namespace torwart::dataplane::conntrack {

enum class TrackVerdict : uint8_t {
  kAccept,
  kInvalidTcpState,  // segment the connection's state does not allow (e.g. data before the handshake)
  kTcpOutOfWindow,   // sequence or acknowledgement outside what the peers have announced
};

DropReason drop_reason_of(TrackVerdict verdict);

// Whether this packet may open a new flow: TCP needs a SYN without ACK, RST or FIN; ICMP an echo request;
// UDP and other protocols anything. Never reads the TCP header of a later fragment (returns false).
bool tcp_may_open(const PacketMeta& meta, const rte_mbuf* m);
bool may_open(const PacketMeta& meta, const rte_mbuf* m);

// Updates the flow's state for one packet of `direction` at now_ns (packet time), and on acceptance its
// per-direction packets/bytes and last_seen. A later fragment (no transport header) is accepted and counted
// without looking at TCP state: it cannot be judged without reassembly.
TrackVerdict track_packet(Flow& flow, Direction direction, const PacketMeta& meta, const rte_mbuf* m,
                          uint64_t now_ns);

}  // namespace torwart::dataplane::conntrack
