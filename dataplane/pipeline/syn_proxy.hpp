#pragma once
// SYN-flood protection in the pipeline (BSI NET.3.2.A19; README "SYN flood"). The stages call these hooks;
// the logic stays here.
//
// Per zone and worker, connections in the handshake are counted (half_open.hpp). While a zone has
// `cookies_above` or more, a SYN the policy accepted gets no state: the box answers it itself with a SYN-ACK
// whose ISN is a SYN cookie (syn_cookie.hpp) and whose window is 0, so the client sends no data yet. The
// client's ACK proves its address; with a valid cookie the flow is created ("proxied") and the box opens the
// connection to the server with the client's ISN and MSS. The server's SYN-ACK is answered by the box (ACK to
// the server) and not forwarded; the client gets a window update with the server's window instead. From then
// on the flow's packets pass with translated numbers: the server's sequence numbers minus (server ISN -
// cookie) towards the client, the client's acknowledgement numbers plus the same towards the server.
// Connection tracking sees the server's sequence space in both directions.
//
// The box offers only the MSS option in both handshakes, so proxied connections run without window scaling,
// SACK and timestamps (windows up to 64 KiB); nothing in their segments but seq/ack needs translating.
// At `half_open_limit` no new half-open state is created at all: SYNs without cookie protection and ACKs with
// valid cookies are dropped (`half_open_limit`).
// Connections NAT translates are never proxied (the box's own segments skip the NAT stages): above
// `cookies_above` they are handled as without cookies.
#include <cstdint>

#include <rte_mbuf.h>

#include "dataplane/conntrack/flow.hpp"
#include "dataplane/conntrack/flow_end_callback.hpp"
#include "dataplane/core/burst.hpp"
#include "dataplane/pipeline/worker_context.hpp"
#include "dataplane/synflood/half_open.hpp"

namespace torwart::dataplane::synflood {

enum class Outcome : uint8_t {
  kContinue,  // the stage goes on with the packet as usual
  kConsumed,  // the packet was answered or proxied (and freed) or dropped (on burst.dropped)
};

struct GateResult {
  Outcome outcome = Outcome::kContinue;
  conntrack::Flow* proxied_flow = nullptr;  // a valid cookie opened this flow: the caller records its policy
};

// stage_policy, for a new TCP connection the policy accepted, before any state is created: answers a SYN with
// a cookie or drops it at the hard limit; opens the proxied flow for an ACK with a valid cookie.
GateResult gate_new_connection(WorkerContext& ctx, Burst& burst, rte_mbuf* m,
                               conntrack::FlowEndCallback on_end);

// stage_policy, right after it created the flow for `m` (zone bookkeeping).
void flow_opened(WorkerContext& ctx, const conntrack::Flow& flow, const PacketMeta& meta);
// After any accepted FlowTable::track of a flow not handled by after_track: half-open accounting.
void note_tracked(WorkerContext& ctx, const conntrack::Flow& flow);

// The slow paths of before_track and after_track: a proxied flow's client and server segments.
void client_segment(WorkerContext& ctx, Burst& burst, const conntrack::Flow& flow, rte_mbuf* m);
Outcome server_segment(WorkerContext& ctx, Burst& burst, conntrack::Flow& flow, rte_mbuf* m);

// stage_conntrack, around FlowTable::track of a packet of a known flow. before_track moves a proxied flow's
// client acknowledgement into the server's sequence space (and while the server has not answered yet, sends
// it the SYN again: the client's segments are the only retransmission timer the proxy has) and returns the
// flow's state before tracking; after_track (only for accepted packets) gets it back, does the accounting,
// answers the server's SYN-ACK (kConsumed) and translates the server's sequence numbers. Inline: for a flow
// that is neither proxied nor in or out of its handshake they cost a few flag tests and touch nothing but the
// flow itself.
inline conntrack::FlowState before_track(WorkerContext& ctx, Burst& burst, const conntrack::Flow& flow,
                                         conntrack::Direction direction, rte_mbuf* m) {
  if ((flow.flags & conntrack::flow_flag::kSynProxied) && direction == conntrack::Direction::kOriginal)
    client_segment(ctx, burst, flow, m);
  return flow.state;
}

inline Outcome after_track(WorkerContext& ctx, Burst& burst, conntrack::Flow& flow,
                           conntrack::FlowState before, conntrack::Direction direction, rte_mbuf* m) {
  // Counted exactly while half-open: only a packet that is, or was, in the handshake can change that.
  if (is_half_open(before) || is_half_open(flow.state)) note_tracked(ctx, flow);
  if ((flow.flags & conntrack::flow_flag::kSynProxied) && direction == conntrack::Direction::kReply)
    return server_segment(ctx, burst, flow, m);
  return Outcome::kContinue;
}

// The flow-end callback (FlowEndLogger): the flow leaves the table.
void flow_ended(WorkerContext& ctx, const conntrack::Flow& flow);

}  // namespace torwart::dataplane::synflood
