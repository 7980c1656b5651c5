#pragma once
// The TCP state machine and window tracking, on a segment already read from the packet.
//
// Window tracking follows the reasoning behind OpenBSD pf's (G. van Rooij, "Real stateful TCP packet
// filtering in IP Filter"): for each side S we know the highest sequence it sent (seq_end) and how far the
// other side R has allowed it to send (max_end = R's ack + R's scaled window). A segment from S with sequence
// [seq, end) is acceptable when
//   end <= S.max_end                      it stays inside the window R announced (a zero window still admits
//                                         one octet, for window probes);
//   seq >= S.seq_end - R's max window     a retransmission reaches back at most one window of R;
//   ack <= R.seq_end + kAckAheadSlack     S does not acknowledge data R never sent;
//   ack >= R.seq_end - S's max window     nor more than one of its own windows behind R (a stale ACK).
// The slack: the box may see only the first fragment of an IP-fragmented segment and then counts its length
// short, by less than one IP datagram; so an ACK may run up to 65535 octets ahead of what we saw R send.
// Nothing else is slack: the other bounds only get more lenient from under-counting.
//
// A RST is accepted only when its sequence lies in that same window (RFC 5961's point: a blind attacker
// must hit the window, not just the port pair); its acknowledgement is not checked, except in SYN_SENT, where
// RFC 793 requires a responder's RST to acknowledge the SYN. Window scaling applies only when both SYNs
// offered it (RFC 7323); SYN windows are never scaled.
#include "dataplane/conntrack/flow.hpp"
#include "dataplane/conntrack/tcp_segment.hpp"
#include "dataplane/conntrack/track.hpp"

namespace torwart::dataplane::conntrack {

inline constexpr uint32_t kAckAheadSlack = 65535;

TrackVerdict track_tcp(Flow& flow, Direction direction, const TcpSegment& segment);

}  // namespace torwart::dataplane::conntrack
