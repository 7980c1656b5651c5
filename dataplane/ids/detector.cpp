#include "dataplane/ids/detector.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <cstring>

namespace torwart::dataplane::ids {

using applayer::BufferId;
using applayer::Phase;

namespace {
bool sets_flowbits_only(const CompiledSignature& s) {
  return !s.flowbit_changes.empty() && s.flowbit_checks.empty();
}
}  // namespace

// One moment's candidates as sort keys: rule order, except that signatures which only set flowbits go
// first, so that a checker in the same moment sees their bits (as Suricata orders setters before readers).
// The buffer (the rule set's, per worker) holds every signature the moment could select.
struct Detector::Moment {
  static constexpr uint32_t kLater = 1u << 31;
  std::span<uint32_t> keys;
  size_t count = 0;
  void add(const Ruleset& set, uint32_t index) {
    if (count == keys.size()) return;  // cannot happen: the buffer fits the largest phase
    keys[count++] = sets_flowbits_only(set.signature(index)) ? index : index | kLater;
  }
  uint32_t index(size_t i) const { return keys[i] & ~kLater; }
};

namespace {

constexpr size_t kMaxMatches = 32;  // alerts reported per moment, as Suricata's packet_alert_max (15) bounds

bool flowbit_check_holds(const FlowbitTable& bits, const FlowbitAction& check, const DetectTarget& t) {
  using C = signatures::Flowbits::Command;
  const std::span<const uint16_t> ids(check.bits);
  const bool any = check.combinator == '|';
  if (check.command == C::isset)
    return any ? bits.any_set(t.slot, t.flow_id, ids) : bits.all_set(t.slot, t.flow_id, ids);
  // isnotset: '|' is satisfied when one of them is unset, otherwise none may be set.
  return any ? !bits.all_set(t.slot, t.flow_id, ids) : !bits.any_set(t.slot, t.flow_id, ids);
}

void apply_flowbit_change(FlowbitTable& bits, const FlowbitAction& change, const DetectTarget& t) {
  using C = signatures::Flowbits::Command;
  for (uint16_t bit : change.bits) {
    if (change.command == C::set) bits.set(t.slot, t.flow_id, bit);
    if (change.command == C::unset) bits.unset(t.slot, t.flow_id, bit);
    if (change.command == C::toggle) bits.toggle(t.slot, t.flow_id, bit);
  }
}

}  // namespace

Detector::Detector(unsigned worker, uint32_t flow_slots, uint32_t threshold_entries)
    : worker_(worker),
      flow_slots_(flow_slots),
      flowbits_(flow_slots),
      thresholds_(threshold_entries),
      marks_(new FlowMarks[flow_slots]()),
      join_(new uint8_t[kJoinBytes]),
      transformed_(new uint8_t[kTransformBytes]) {}

Detector::~Detector() = default;

void Detector::flow_ended(uint32_t slot) {
  if (slot >= flow_slots_) return;
  flowbits_.clear(slot);
  marks_[slot] = {};
}

Detector::FlowMarks& Detector::marks_of(const DetectTarget& t) {
  FlowMarks& marks = marks_[t.slot];
  if (marks.flow_id != t.flow_id) marks = {t.flow_id, 0, false};
  return marks;
}

void Detector::collect(const Ruleset& set, const RuleGroupView* group, std::span<const uint8_t> data,
                       uint64_t skip_before, Moment& moment) {
  if (group == nullptr) return;
  if (group->patterns && !data.empty()) {
    ++counters_.scans;
    const bool ok = set.scratch(worker_).scan(*group->patterns, data, [&](uint32_t id, uint64_t end) {
      if (end > skip_before) moment.add(set, group->by_pattern[id]);
      return true;
    });
    if (!ok) ++counters_.scan_errors;
  }
  for (uint32_t index : group->always) moment.add(set, index);
}

bool Detector::verify(const CompiledSignature& s, const DetectTarget& t, const applayer::AppEvent& event,
                      uint64_t base_offset) {
  if (!s.header.matches(t.ip_proto, t.app_proto, t.from, t.to)) return false;
  if ((s.flow & flow_condition::kEstablished) && !t.established) return false;
  if ((s.flow & flow_condition::kNotEstablished) && t.established) return false;
  if ((s.flow & flow_condition::kToServer) && t.direction != applayer::Direction::kToServer) return false;
  if ((s.flow & flow_condition::kToClient) && t.direction != applayer::Direction::kToClient) return false;
  if (s.tcp_flags && (t.ip_proto != IPPROTO_TCP || !s.tcp_flags->holds(t.tcp_flags))) return false;
  if (s.icmp_type && (!t.has_icmp || !numeric_condition_holds(*s.icmp_type, t.icmp_type))) return false;
  if (s.icmp_code && (!t.has_icmp || !numeric_condition_holds(*s.icmp_code, t.icmp_code))) return false;
  if (s.app_proto && ((t.app_proto == *s.app_proto) == s.app_proto_negated)) return false;
  for (const FlowbitAction& check : s.flowbit_checks)
    if (!flowbit_check_holds(flowbits_, check, t)) return false;
  ByteVariables variables;
  ProgramContext context{regex_, variables};
  for (const BufferSteps& b : s.buffers) {
    if (!event.has(b.buffer)) return false;
    const uint64_t base = b.buffer == BufferId::kStream ? base_offset : 0;
    std::span<const uint8_t> data = event.get(b.buffer);
    if (!b.transforms.empty()) {
      const auto n = apply_transforms(b.transforms, data, {transformed_.get(), kTransformBytes});
      if (!n) {
        ++counters_.transform_too_long;
        return false;
      }
      data = {transformed_.get(), *n};
    }
    if (!run_program(b.steps, data, context, base)) return false;
  }
  return true;
}

DetectVerdict Detector::decide(const Ruleset& set, const DetectTarget& t, const applayer::AppEvent& event,
                               uint64_t base_offset, Moment& moment, AlertSink& sink, uint64_t now_ns) {
  // Rule order; a signature selected twice (a `<>` header-only one filed under both sides) is verified once.
  const auto first = moment.keys.begin();
  std::sort(first, first + static_cast<std::ptrdiff_t>(moment.count));
  moment.count =
      static_cast<size_t>(std::unique(first, first + static_cast<std::ptrdiff_t>(moment.count)) - first);
  const CompiledSignature* matched[kMaxMatches];
  bool alert_allowed[kMaxMatches];
  size_t matches = 0;
  bool pass = false;
  signatures::Action strongest = signatures::Action::alert;
  const ThresholdKey key{t.from.address, t.to.address, t.flow_id};
  for (size_t i = 0; i < moment.count; ++i) {
    const CompiledSignature& s = set.signature(moment.index(i));
    ++counters_.candidates;
    if (!verify(s, t, event, base_offset)) continue;
    ++counters_.matches;
    bool alert = !s.noalert;
    if (s.threshold) {
      // Keyed by sid, not by the index in the set, so that counts survive a reload.
      const bool allowed = thresholds_.allow(s.source->sid, *s.threshold, key, now_ns);
      if (!allowed) ++counters_.thresholded;
      if (s.detection_filter && !allowed) continue;  // not a match until the rate is reached
      if (!s.detection_filter) alert = alert && allowed;
    }
    for (const FlowbitAction& change : s.flowbit_changes) apply_flowbit_change(flowbits_, change, t);
    if (s.action == signatures::Action::pass) pass = true;
    if (s.action == signatures::Action::reject ||
        (s.action == signatures::Action::drop && strongest != signatures::Action::reject))
      strongest = s.action;
    if (matches < kMaxMatches) {
      matched[matches] = &s;
      alert_allowed[matches] = alert;
      ++matches;
    }
  }
  if (pass) {
    ++counters_.passes;
    return DetectVerdict::kPass;
  }
  const bool inline_mode = set.inline_mode() && !t.monitor_only;
  for (size_t i = 0; i < matches; ++i) {
    if (!alert_allowed[i]) continue;
    const signatures::Action a = matched[i]->action;
    const bool blocked = inline_mode && (a == signatures::Action::drop || a == signatures::Action::reject);
    ++counters_.alerts;
    if (t.slot < flow_slots_) marks_of(t).alerted = true;
    sink.alert(*matched[i], blocked, t);
  }
  if (!inline_mode || strongest == signatures::Action::alert) return DetectVerdict::kPass;
  ++counters_.drops;
  return strongest == signatures::Action::reject ? DetectVerdict::kReject : DetectVerdict::kDrop;
}

DetectVerdict Detector::packet(const Ruleset& set, const DetectTarget& t, std::span<const uint8_t> payload,
                               AlertSink& sink, uint64_t now_ns) {
  // Built only for a moment that has candidates: most packets have none.
  auto payload_event = [&] {
    applayer::AppEvent event;
    event.phase = Phase::kPacket;
    event.direction = t.direction;
    event.set(BufferId::kPayload, payload);
    return event;
  };
  DetectVerdict verdict = DetectVerdict::kPass;
  if (!set.ip_only().empty() && t.slot < flow_slots_) {
    FlowMarks& marks = marks_of(t);
    const auto bit = static_cast<uint8_t>(1u << static_cast<unsigned>(t.direction));
    if (!(marks.header_only_done & bit)) {
      marks.header_only_done |= bit;
      Moment moment{set.candidate_buffer(worker_)};
      set.header_only_index().candidates(t.from, t.to, [&](uint32_t index) { moment.add(set, index); });
      if (moment.count > 0) verdict = decide(set, t, payload_event(), 0, moment, sink, now_ns);
    }
  }
  const RuleGroupView* group = set.group(Phase::kPacket, BufferId::kPayload);
  if (group == nullptr) return verdict;
  Moment moment{set.candidate_buffer(worker_)};
  collect(set, group, payload, 0, moment);
  if (moment.count == 0) return verdict;
  return std::max(verdict, decide(set, t, payload_event(), 0, moment, sink, now_ns));
}

DetectVerdict Detector::stream(const Ruleset& set, const DetectTarget& t, StreamTail& tail,
                               std::span<const uint8_t> bytes, AlertSink& sink, uint64_t now_ns) {
  DetectVerdict verdict = DetectVerdict::kPass;
  constexpr size_t kPiece = kJoinBytes - kStreamTailBytes;
  for (size_t at = 0; at < bytes.size(); at += kPiece) {
    const auto piece = bytes.subspan(at, std::min(kPiece, bytes.size() - at));
    verdict = std::max(verdict, stream_window(set, t, tail, piece, sink, now_ns));
  }
  return verdict;
}

DetectVerdict Detector::stream_window(const Ruleset& set, const DetectTarget& t, StreamTail& tail,
                                      std::span<const uint8_t> piece, AlertSink& sink, uint64_t now_ns) {
  counters_.stream_bytes += piece.size();
  std::memcpy(join_.get(), tail.bytes, tail.length);
  std::memcpy(join_.get() + tail.length, piece.data(), piece.size());
  const std::span<const uint8_t> window(join_.get(), tail.length + piece.size());
  const uint64_t base = tail.end_offset - tail.length;
  DetectVerdict verdict = DetectVerdict::kPass;
  if (const RuleGroupView* group = set.group(Phase::kStream, BufferId::kStream)) {
    Moment moment{set.candidate_buffer(worker_)};
    // Matches that end inside the kept tail were found when those bytes were new.
    collect(set, group, window, tail.length, moment);
    if (moment.count > 0) {
      applayer::AppEvent event;
      event.phase = Phase::kStream;
      event.direction = t.direction;
      event.set(BufferId::kStream, window);
      verdict = decide(set, t, event, base, moment, sink, now_ns);
    }
  }
  const size_t keep = std::min<size_t>(kStreamTailBytes, window.size());
  std::memmove(tail.bytes, window.data() + window.size() - keep, keep);
  tail.length = static_cast<uint16_t>(keep);
  tail.end_offset += piece.size();
  return verdict;
}

DetectVerdict Detector::event(const Ruleset& set, const DetectTarget& t, const applayer::AppEvent& event,
                              AlertSink& sink, uint64_t now_ns) {
  Moment moment{set.candidate_buffer(worker_)};
  for (size_t b = 0; b < applayer::kBufferCount; ++b) {
    const auto id = static_cast<BufferId>(b);
    if (!event.has(id)) continue;
    collect(set, set.group(event.phase, id), event.get(id), 0, moment);
  }
  if (moment.count == 0) return DetectVerdict::kPass;
  return decide(set, t, event, 0, moment, sink, now_ns);
}

}  // namespace torwart::dataplane::ids
