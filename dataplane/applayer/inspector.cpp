#include "dataplane/applayer/inspector.hpp"

#include "dataplane/applayer/protocols/context.hpp"
#include "dataplane/applayer/protocols/eve_record.hpp"

namespace torwart::dataplane::applayer {
namespace {

constexpr uint32_t kNoSession = 0xffffffffu;
constexpr uint8_t kTcpSyn = 0x02;

unsigned index_of(Direction d) {
  return static_cast<unsigned>(d);
}

uint8_t probed_flag(Direction d) {
  return d == Direction::kToServer ? flow_app_flag::kProbedToServer : flow_app_flag::kProbedToClient;
}

PacketVerdict stricter(PacketVerdict a, PacketVerdict b) {
  return a > b ? a : b;
}

}  // namespace

void AppCall::anomaly(std::string_view event) {
  ++*anomalies;
  if (flow_flags != nullptr) *flow_flags |= flow_app_flag::kAnomaly;
  write_app_record(*this, EveKind::kAnomaly, "anomaly", [&](FixedJson& json) {
    json.open_object("anomaly")
        .field("app_proto", app_proto_name(facts.proto))
        .field("type", std::string_view("applayer"))
        .field("event", event)
        .field("layer", std::string_view("proto_parser"))
        .close_object();
  });
}

void AppCall::decide() {
  const PacketVerdict v = hooks.decide(flow, facts);
  *verdict = stricter(*verdict, v);
}

void AppCall::event(const AppEvent& e) {
  *verdict = stricter(*verdict, hooks.event(flow, e, now_ns));
}

// The reassembler's in-order bytes go to identification or the parser.
class Inspector::Delivery final : public stream::StreamReassembler::Sink {
 public:
  Delivery(Inspector& inspector, FlowApp& app, Session& session, Direction direction, AppCall& call)
      : inspector_(inspector), app_(app), session_(session), direction_(direction), call_(call) {}
  void deliver(std::span<const uint8_t> bytes) override {
    inspector_.on_stream_bytes(app_, session_, direction_, bytes, call_);
  }

 private:
  Inspector& inspector_;
  FlowApp& app_;
  Session& session_;
  Direction direction_;
  AppCall& call_;
};

Inspector::Inspector(const InspectionLimits& limits, uint32_t flow_slots,
                     std::span<const ProtocolModule* const> modules)
    : limits_(limits),
      modules_(modules),
      apps_(new FlowApp[flow_slots]),
      flow_slots_(flow_slots),
      sessions_(new Session[limits.sessions]),
      reassembler_(limits.reassembly),
      protocols_(std::make_unique<ProtocolContext>(limits.protocol)) {
  for (uint32_t i = limits.sessions; i-- > 0;) {
    sessions_[i].next_free = free_head_;
    free_head_ = i;
  }
  free_count_ = limits.sessions;
}

Inspector::~Inspector() = default;

const ProtocolModule* Inspector::module_of(AppProto proto) const {
  for (const ProtocolModule* module : modules_)
    if (module->proto == proto) return module;
  return nullptr;
}

FlowApp& Inspector::app_of(const conntrack::Flow& flow, uint32_t slot, AppHooks& hooks, uint64_t now_ns) {
  FlowApp& app = apps_[slot];
  if (app.flow_id != flow.id) {
    // The slot's previous flow left without flow_ended() (a table emptied by a caller that ignores ends).
    if (app.session != kNoSession) release_session(flow, app, hooks, now_ns);
    app = FlowApp{};
    app.flow_id = flow.id;
  }
  return app;
}

PacketVerdict Inspector::inspect(conntrack::Flow& flow, uint32_t slot, const PacketView& packet,
                                 AppHooks& hooks, uint64_t now_ns) {
  if (slot >= flow_slots_) return PacketVerdict::kPass;
  FlowApp& app = app_of(flow, slot, hooks, now_ns);
  if (app.flags & flow_app_flag::kBlocked) {
    ++counters_.blocked_packets;
    return PacketVerdict::kDrop;
  }
  if (app.flags & flow_app_flag::kDone) return PacketVerdict::kPass;
  ++counters_.inspected_packets;
  PacketVerdict verdict = PacketVerdict::kPass;
  if (packet.ip_proto == 6) verdict = inspect_tcp(flow, app, packet, hooks, now_ns);
  if (packet.ip_proto == 17) verdict = inspect_udp(flow, app, packet, hooks, now_ns);
  if (verdict == PacketVerdict::kDrop) ++counters_.verdict_drops;
  if (verdict == PacketVerdict::kReject) ++counters_.verdict_rejects;
  return verdict;
}

Session* Inspector::take_session(FlowApp& app) {
  if (free_head_ == kNoSession) return nullptr;
  const uint32_t index = free_head_;
  Session& s = sessions_[index];
  free_head_ = s.next_free;
  --free_count_;
  ++counters_.sessions_active;
  s.next_free = kNoSession;
  s.stream[0] = s.stream[1] = stream::StreamState{};
  s.probe_length[0] = s.probe_length[1] = 0;
  s.signature_tail[0].end_offset = s.signature_tail[1].end_offset = 0;
  s.signature_tail[0].length = s.signature_tail[1].length = 0;
  s.facts = AppFacts{};
  app.session = index;
  return &s;
}

void Inspector::release_session(const conntrack::Flow& flow, FlowApp& app, AppHooks& hooks, uint64_t now_ns) {
  Session& s = sessions_[app.session];
  const ProtocolModule* module = module_of(app.proto);
  if (module != nullptr && module->end != nullptr && !(app.flags & flow_app_flag::kParserDone)) {
    PacketVerdict ignored = PacketVerdict::kPass;
    // The flow is ending or needs no more inspection: records are written, no verdict is asked for.
    AppCall call{const_cast<conntrack::Flow&>(flow),
                 hooks,
                 *protocols_,
                 s.facts,
                 now_ns,
                 &ignored,
                 &counters_.anomalies,
                 &app.flags};
    module->end(s, call);
  }
  reassembler_.release(s.stream[0]);
  reassembler_.release(s.stream[1]);
  s.next_free = free_head_;
  free_head_ = app.session;
  ++free_count_;
  --counters_.sessions_active;
  app.session = kNoSession;
}

void Inspector::identified(FlowApp& app, AppProto proto, AppFacts& facts, AppCall& call) {
  app.proto = proto;
  const auto index = static_cast<size_t>(proto);
  ++counters_.identified[index];
  counters_.packets_to_identify[index] += app.data_packets[0] + app.data_packets[1];
  facts.proto = proto;
  facts.known |= fact::kApp;
  call.decide();
}

void Inspector::give_up_identifying(FlowApp& app, AppFacts& facts, uint8_t ip_proto, uint16_t server_port,
                                    AppCall& call) {
  // One direction that no probe recognises settles it: what the policy has not declared must not pass on
  // while the other side is still waited for.
  const bool one_done = (app.flags & (flow_app_flag::kProbedToServer | flow_app_flag::kProbedToClient)) != 0;
  const bool budget_spent =
      app.data_packets[0] >= limits_.identify_packets || app.data_packets[1] >= limits_.identify_packets;
  if (!one_done && !budget_spent) return;
  const AppProto verdict =
      well_known_service(ip_proto, server_port) != AppProto::kNone ? AppProto::kFailed : AppProto::kUnknown;
  identified(app, verdict, facts, call);
  app.flags |= flow_app_flag::kDone;
}

void Inspector::on_stream_bytes(FlowApp& app, Session& session, Direction direction,
                                std::span<const uint8_t> bytes, AppCall& call) {
  if (call.hooks.wants_stream()) {
    *call.verdict =
        stricter(*call.verdict, call.hooks.stream(call.flow, session, direction, bytes, call.now_ns));
  }
  if (app.flags & flow_app_flag::kParserDone) return;
  if (app.proto != AppProto::kNone) {
    if (const ProtocolModule* module = module_of(app.proto); module != nullptr)
      module->stream(session, direction, bytes, call);
    return;
  }
  if (app.flags & probed_flag(direction)) return;
  const unsigned d = index_of(direction);
  const size_t room = kProbeBytes - session.probe_length[d];
  const size_t kept = std::min(room, bytes.size());
  std::copy_n(bytes.data(), kept, session.probe_bytes[d] + session.probe_length[d]);
  session.probe_length[d] = static_cast<uint16_t>(session.probe_length[d] + kept);
  const std::span<const uint8_t> first(session.probe_bytes[d], session.probe_length[d]);
  bool undecided = false;
  for (const ProtocolModule* module : modules_) {
    if (!module->over_tcp) continue;
    const ProbeResult result = module->probe_tcp(direction, first);
    if (result == ProbeResult::kNeedMore) undecided = true;
    if (result != ProbeResult::kMatch) continue;
    identified(app, module->proto, session.facts, call);
    module->start(session, *protocols_);
    // The parser gets every byte probing kept, the other direction's first; then what this call did not keep.
    const unsigned other = index_of(opposite(direction));
    if (session.probe_length[other] > 0)
      module->stream(session, opposite(direction), {session.probe_bytes[other], session.probe_length[other]},
                     call);
    module->stream(session, direction, first, call);
    if (kept < bytes.size()) module->stream(session, direction, bytes.subspan(kept), call);
    return;
  }
  if (!undecided || session.probe_length[d] == kProbeBytes) app.flags |= probed_flag(direction);
}

PacketVerdict Inspector::inspect_tcp(conntrack::Flow& flow, FlowApp& app, const PacketView& packet,
                                     AppHooks& hooks, uint64_t now_ns) {
  const unsigned d = index_of(packet.direction);
  uint32_t seq = packet.tcp_seq;
  if (packet.tcp_flags & kTcpSyn) {
    app.isn[d] = packet.tcp_seq;
    app.flags |=
        packet.direction == Direction::kToServer ? flow_app_flag::kSynSeen : flow_app_flag::kSynAckSeen;
    seq += 1;  // data on a SYN (TCP Fast Open) starts after it
  }
  if (packet.payload.empty()) return PacketVerdict::kPass;
  if (app.proto == AppProto::kNone && app.data_packets[d] < 255) ++app.data_packets[d];
  Session* session = app.session != kNoSession ? &sessions_[app.session] : take_session(app);
  if (session == nullptr) {
    ++counters_.sessions_exhausted;
    if (limits_.on_limit == LimitAction::kDrop) {
      ++counters_.limit_dropped;
      return PacketVerdict::kLimitDrop;  // the sender retransmits; a session may be free by then
    }
    ++counters_.limit_passed;
    app.flags |= flow_app_flag::kDone;
    return PacketVerdict::kPass;
  }
  stream::StreamState& state = session->stream[d];
  if (!(state.flags & stream::stream_flag::kStarted)) {
    const uint8_t syn_flag =
        packet.direction == Direction::kToServer ? flow_app_flag::kSynSeen : flow_app_flag::kSynAckSeen;
    if (app.flags & syn_flag) {
      stream::StreamReassembler::start(state, app.isn[d] + 1);
    } else {
      stream::StreamReassembler::start(state, seq);
      ++counters_.midstream_starts;
    }
  }
  PacketVerdict verdict = PacketVerdict::kPass;
  AppCall call{flow, hooks, *protocols_, session->facts, now_ns, &verdict, &counters_.anomalies, &app.flags};
  Delivery delivery(*this, app, *session, packet.direction, call);
  const stream::SegmentResult result = reassembler_.add(state, seq, packet.payload, delivery);
  if (result == stream::SegmentResult::kLimit) {
    if (limits_.on_limit == LimitAction::kDrop) {
      ++counters_.limit_dropped;
      return PacketVerdict::kLimitDrop;
    }
    // Fail-open: this segment passes unseen, so the direction has a hole that never closes; stop inspecting.
    ++counters_.limit_passed;
    release_session(flow, app, hooks, now_ns);
    app.flags |= flow_app_flag::kDone;
    return verdict;
  }
  if (result == stream::SegmentResult::kDepth) ++counters_.depth_reached;
  if (app.proto == AppProto::kNone) {
    give_up_identifying(app, session->facts, packet.ip_proto, packet.server_port, call);
  }
  if (verdict != PacketVerdict::kPass) {
    app.flags |= flow_app_flag::kBlocked;
    release_session(flow, app, hooks, now_ns);
    return verdict;
  }
  const bool both_deep = (session->stream[0].flags & stream::stream_flag::kDepth) &&
                         (session->stream[1].flags & stream::stream_flag::kDepth);
  const ProtocolModule* module = module_of(app.proto);
  const bool finished = module != nullptr && module->finished != nullptr && module->finished(*session);
  const bool parser_over = (app.flags & (flow_app_flag::kDone | flow_app_flag::kParserDone)) || finished;
  if (both_deep || (parser_over && !hooks.wants_stream())) {
    release_session(flow, app, hooks, now_ns);
    app.flags = static_cast<uint8_t>((app.flags & ~flow_app_flag::kParserDone) | flow_app_flag::kDone);
  } else if (parser_over && !(app.flags & flow_app_flag::kParserDone)) {
    // Records of the finished parser are written now, as without signatures; the stream stays inspected.
    if (module != nullptr && module->end != nullptr) {
      PacketVerdict ignored = PacketVerdict::kPass;
      AppCall end_call{flow,   hooks,    *protocols_,          session->facts,
                       now_ns, &ignored, &counters_.anomalies, &app.flags};
      module->end(*session, end_call);
    }
    app.flags = static_cast<uint8_t>((app.flags & ~flow_app_flag::kDone) | flow_app_flag::kParserDone);
  }
  return verdict;
}

PacketVerdict Inspector::inspect_udp(conntrack::Flow& flow, FlowApp& app, const PacketView& packet,
                                     AppHooks& hooks, uint64_t now_ns) {
  if (packet.payload.empty()) return PacketVerdict::kPass;
  const unsigned d = index_of(packet.direction);
  PacketVerdict verdict = PacketVerdict::kPass;
  AppFacts facts;
  facts.proto = app.proto;
  if (app.proto != AppProto::kNone) facts.known |= fact::kApp;
  AppCall call{flow, hooks, *protocols_, facts, now_ns, &verdict, &counters_.anomalies, &app.flags};
  if (app.proto == AppProto::kNone) {
    if (app.data_packets[d] < 255) ++app.data_packets[d];
    for (const ProtocolModule* module : modules_) {
      if (!module->over_udp || module->probe_udp(packet.direction, packet.payload) != ProbeResult::kMatch)
        continue;
      identified(app, module->proto, facts, call);
      break;
    }
    if (app.proto == AppProto::kNone) {
      app.flags |= probed_flag(packet.direction);
      give_up_identifying(app, facts, packet.ip_proto, packet.server_port, call);
      return verdict;
    }
  }
  const ProtocolModule* module = module_of(app.proto);
  if (module == nullptr || module->datagram == nullptr) {
    app.flags |= flow_app_flag::kDone;  // identified, nothing to parse (QUIC is encrypted)
    return verdict;
  }
  module->datagram(packet.direction, packet.payload, call);
  // A datagram's verdict is its own: one refused DNS name does not end a resolver's other queries.
  return verdict;
}

void Inspector::flow_ended(const conntrack::Flow& flow, uint32_t slot, AppHooks& hooks, uint64_t now_ns) {
  if (slot >= flow_slots_) return;
  FlowApp& app = apps_[slot];
  if (app.flow_id != flow.id) return;
  if (app.session != kNoSession) release_session(flow, app, hooks, now_ns);
  app = FlowApp{};
}

}  // namespace torwart::dataplane::applayer
