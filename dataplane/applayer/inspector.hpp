#pragma once
// The application layer of one worker: for every TCP and UDP flow the policy let through, it reassembles
// each TCP direction (stream/stream_reassembler.hpp), identifies the protocol by content within the first
// packets of each direction, runs that protocol's parser, and asks the integrator (AppHooks) for a verdict
// whenever it learns a fact the policy may match on. A packet is inspected before it is forwarded, so a drop
// verdict still stops it.
//
// State: per flow-table slot a FlowApp (24 bytes, beside the flow table like NAT's records); per TCP flow
// that carries data a Session from a fixed pool (reassembly state, probe bytes, facts, the parser's state).
// A session is released when the flow ends or once nothing more is to be learnt (e.g. TLS after the
// handshake, an unidentified flow). Everything is allocated at construction.
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "dataplane/applayer/app_facts.hpp"
#include "dataplane/applayer/app_proto.hpp"
#include "dataplane/applayer/common.hpp"
#include "dataplane/applayer/protocol.hpp"
#include "dataplane/conntrack/flow.hpp"
#include "dataplane/stream/stream_reassembler.hpp"

namespace torwart::dataplane::applayer {

enum class LimitAction : uint8_t { kPass, kDrop };  // fail-open / fail-closed

struct InspectionLimits {
  uint32_t sessions = 4096;  // TCP flows inspected at once per worker
  stream::ReassemblyLimits reassembly{};
  LimitAction on_limit = LimitAction::kPass;
  uint8_t identify_packets = 8;  // data packets per direction before a flow is given up as unknown
  ProtocolLimits protocol{};
};

struct InspectionCounters {
  uint64_t inspected_packets = 0;
  uint64_t sessions_active = 0;
  uint64_t sessions_exhausted = 0;  // a TCP flow found no free session
  uint64_t limit_passed = 0;        // segments passed uninspected at a limit (fail-open)
  uint64_t limit_dropped = 0;       // segments dropped at a limit (fail-closed)
  uint64_t depth_reached = 0;
  uint64_t midstream_starts = 0;  // TCP data without a handshake seen: reassembly starts at that segment
  uint64_t identified[static_cast<size_t>(AppProto::kCount)] = {};
  uint64_t packets_to_identify[static_cast<size_t>(AppProto::kCount)] = {};  // summed per protocol
  uint64_t verdict_drops = 0;                                                // packets a verdict dropped
  uint64_t blocked_packets = 0;  // later packets of flows a verdict ended
  uint64_t verdict_rejects = 0;
  uint64_t anomalies = 0;  // parser anomalies, all protocols
};

// One packet as the inspector needs it (no mbuf: the module is DPDK-free and tested without the EAL).
struct PacketView {
  uint8_t ip_proto = 0;
  Direction direction = Direction::kToServer;  // kToServer: from the flow's originator
  uint8_t tcp_flags = 0;                       // TCP header flags (RTE_TCP_*_FLAG values)
  uint32_t tcp_seq = 0;
  uint16_t server_port = 0;  // the originator's destination port (host order), for `failed`
  std::span<const uint8_t> payload;
};

// The per-flow record beside the flow table.
struct FlowApp {
  uint64_t flow_id = 0;  // the flow this record belongs to: a slot reused by a new flow starts afresh
  uint32_t session = 0xffffffffu;
  AppProto proto = AppProto::kNone;
  uint8_t flags = 0;                 // flow_app_flag::*
  uint8_t data_packets[2] = {0, 0};  // [Direction] while identifying
  uint32_t isn[2] = {0, 0};          // [Direction]: SYN sequence numbers, when seen (kSynSeen)
};

namespace flow_app_flag {
inline constexpr uint8_t kSynSeen = 1 << 0;
inline constexpr uint8_t kSynAckSeen = 1 << 1;
inline constexpr uint8_t kDone = 1 << 2;     // nothing more to inspect in this flow
inline constexpr uint8_t kBlocked = 1 << 3;  // a verdict ended it: every later packet is dropped
inline constexpr uint8_t kAnomaly = 1 << 4;
// This direction's probes have all answered no (or its packet budget is spent).
inline constexpr uint8_t kProbedToServer = 1 << 5;
inline constexpr uint8_t kProbedToClient = 1 << 6;
// The parser has nothing more to learn, but the signature engine still reads the stream (to stream depth).
inline constexpr uint8_t kParserDone = 1 << 7;
}  // namespace flow_app_flag

class Inspector {
 public:
  // `flow_slots`: the worker's flow-table capacity; `modules`: the protocols, in probing order (tests pass
  // their own). Allocates everything; throws std::bad_alloc.
  Inspector(const InspectionLimits& limits, uint32_t flow_slots,
            std::span<const ProtocolModule* const> modules = protocol_modules());
  ~Inspector();
  Inspector(const Inspector&) = delete;
  Inspector& operator=(const Inspector&) = delete;

  PacketVerdict inspect(conntrack::Flow& flow, uint32_t slot, const PacketView& packet, AppHooks& hooks,
                        uint64_t now_ns);
  // The flow in `slot` ends: the parser reports what is unfinished, the session returns to the pool.
  void flow_ended(const conntrack::Flow& flow, uint32_t slot, AppHooks& hooks, uint64_t now_ns);

  AppProto app_proto(const conntrack::Flow& flow, uint32_t slot) const {
    const FlowApp& app = apps_[slot];
    return app.flow_id == flow.id ? app.proto : AppProto::kNone;
  }
  // Nothing more to look at in this flow and no verdict to apply: the caller may skip building a PacketView
  // (what inspect() would answer: kPass, without counting the packet).
  bool passes_uninspected(const conntrack::Flow& flow, uint32_t slot) const {
    const FlowApp& app = apps_[slot];
    return app.flow_id == flow.id &&
           (app.flags & (flow_app_flag::kDone | flow_app_flag::kBlocked)) == flow_app_flag::kDone;
  }
  // A verdict (policy application rule or signature) ended this flow.
  bool blocked(const conntrack::Flow& flow, uint32_t slot) const {
    const FlowApp& app = apps_[slot];
    return app.flow_id == flow.id && (app.flags & flow_app_flag::kBlocked) != 0;
  }
  // A signature dropped a packet outside the inspector (a packet signature): every later packet is dropped.
  void block(const conntrack::Flow& flow, uint32_t slot) {
    if (slot >= flow_slots_) return;
    FlowApp& app = apps_[slot];
    if (app.flow_id != flow.id) {
      if (app.session != 0xffffffffu) return;  // a stale slot with a session: left to flow_ended()
      app = FlowApp{};
      app.flow_id = flow.id;
    }
    app.flags |= flow_app_flag::kBlocked;
  }
  // The application layer found malformed data in this flow (counted and logged when it happened).
  bool anomalous(const conntrack::Flow& flow, uint32_t slot) const {
    const FlowApp& app = apps_[slot];
    return app.flow_id == flow.id && (app.flags & flow_app_flag::kAnomaly) != 0;
  }
  const InspectionCounters& counters() const { return counters_; }
  const stream::ReassemblyCounters& reassembly_counters() const { return reassembler_.counters(); }
  ProtocolContext& protocol_context() { return *protocols_; }
  uint32_t free_sessions() const { return free_count_; }

 private:
  class Delivery;
  friend class Delivery;
  void on_stream_bytes(FlowApp& app, Session& session, Direction direction, std::span<const uint8_t> bytes,
                       AppCall& call);
  void give_up_identifying(FlowApp& app, AppFacts& facts, uint8_t ip_proto, uint16_t server_port,
                           AppCall& call);
  FlowApp& app_of(const conntrack::Flow& flow, uint32_t slot, AppHooks& hooks, uint64_t now_ns);
  PacketVerdict inspect_tcp(conntrack::Flow& flow, FlowApp& app, const PacketView& packet, AppHooks& hooks,
                            uint64_t now_ns);
  PacketVerdict inspect_udp(conntrack::Flow& flow, FlowApp& app, const PacketView& packet, AppHooks& hooks,
                            uint64_t now_ns);
  Session* take_session(FlowApp& app);
  void release_session(const conntrack::Flow& flow, FlowApp& app, AppHooks& hooks, uint64_t now_ns);
  void identified(FlowApp& app, AppProto proto, AppFacts& facts, AppCall& call);
  const ProtocolModule* module_of(AppProto proto) const;

  InspectionLimits limits_;
  std::span<const ProtocolModule* const> modules_;
  std::unique_ptr<FlowApp[]> apps_;
  uint32_t flow_slots_;
  std::unique_ptr<Session[]> sessions_;
  uint32_t free_head_ = 0xffffffffu;
  uint32_t free_count_ = 0;
  stream::StreamReassembler reassembler_;
  std::unique_ptr<ProtocolContext> protocols_;
  InspectionCounters counters_;
};

}  // namespace torwart::dataplane::applayer
