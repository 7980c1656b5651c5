#pragma once
// The signature engine of one worker: given a rule set (ruleset.hpp) and one moment of a flow (a packet, a
// piece of its reassembled stream, or an application-layer event with its buffers), it selects candidate
// signatures with one Hyperscan scan per buffer, verifies each exactly in rule order (header, flow, flags,
// flowbits, payload steps, threshold), and then applies the actions as Suricata orders them: a matching pass
// signature silences the moment; drop and reject give the verdict (inline only); every other match that
// is not noalert is reported as an alert. Per-flow state (flowbits, header-only signatures done) is indexed
// by flow-table slot. No allocation, no exceptions after construction.
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "dataplane/applayer/app_buffers.hpp"
#include "dataplane/ids/flowbits.hpp"
#include "dataplane/ids/header_match.hpp"
#include "dataplane/ids/regex_confirm.hpp"
#include "dataplane/ids/ruleset.hpp"
#include "dataplane/ids/thresholds.hpp"

namespace torwart::dataplane::ids {

enum class DetectVerdict : uint8_t { kPass, kDrop, kReject };

// The flow and packet a moment belongs to.
struct DetectTarget {
  uint64_t flow_id = 0;
  uint32_t slot = 0;  // flow-table slot
  uint8_t ip_proto = 0;
  applayer::Direction direction = applayer::Direction::kToServer;
  bool established = false;
  uint8_t tcp_flags = 0;
  uint8_t icmp_type = 0, icmp_code = 0;
  bool has_icmp = false;
  bool monitor_only = false;   // a copy (mirror port): drop and reject signatures only alert
  std::string_view app_proto;  // "" until identified
  Endpoint from, to;           // the sender of this moment's data and its receiver
};

class AlertSink {
 public:
  virtual ~AlertSink() = default;
  // `blocked`: the signature's drop or reject takes effect (inline).
  virtual void alert(const CompiledSignature& signature, bool blocked, const DetectTarget& target) = 0;
};

struct DetectorCounters {
  uint64_t scans = 0;       // buffers scanned by a prefilter database
  uint64_t candidates = 0;  // signatures verified
  uint64_t matches = 0;     // signatures that matched (before thresholds)
  uint64_t alerts = 0;
  uint64_t drops = 0;        // moments a drop or reject signature stopped
  uint64_t passes = 0;       // moments a pass signature silenced
  uint64_t thresholded = 0;  // matches a threshold or detection_filter held back
  uint64_t scan_errors = 0;
  uint64_t stream_bytes = 0;
  uint64_t transform_too_long = 0;  // a buffer too long to transform (the signature did not match)

  void add(const DetectorCounters& o) {
    scans += o.scans;
    candidates += o.candidates;
    matches += o.matches;
    alerts += o.alerts;
    drops += o.drops;
    passes += o.passes;
    thresholded += o.thresholded;
    scan_errors += o.scan_errors;
    stream_bytes += o.stream_bytes;
    transform_too_long += o.transform_too_long;
  }
};

using applayer::kStreamTailBytes;
using applayer::StreamTail;

class Detector {
 public:
  // `flow_slots`: the worker's flow-table capacity. Allocates everything; throws std::bad_alloc.
  Detector(unsigned worker, uint32_t flow_slots, uint32_t threshold_entries = 16384);
  ~Detector();
  Detector(const Detector&) = delete;
  Detector& operator=(const Detector&) = delete;

  // A packet: packet-phase signatures on its payload, and the header-only ones once per flow direction.
  DetectVerdict packet(const Ruleset& set, const DetectTarget& target, std::span<const uint8_t> payload,
                       AlertSink& sink, uint64_t now_ns);
  // In-order stream bytes of one direction (`tail` is that direction's).
  DetectVerdict stream(const Ruleset& set, const DetectTarget& target, StreamTail& tail,
                       std::span<const uint8_t> bytes, AlertSink& sink, uint64_t now_ns);
  // An application-layer moment with its buffers.
  DetectVerdict event(const Ruleset& set, const DetectTarget& target, const applayer::AppEvent& event,
                      AlertSink& sink, uint64_t now_ns);
  void flow_ended(uint32_t slot);
  // A signature alerted on this flow (EVE flow records say "alerted": true).
  bool alerted(uint32_t slot, uint64_t flow_id) const {
    return slot < flow_slots_ && marks_[slot].flow_id == flow_id && marks_[slot].alerted;
  }

  const DetectorCounters& counters() const { return counters_; }
  uint64_t regex_limit_hits() const { return regex_.limit_hits(); }

 private:
  static constexpr size_t kJoinBytes = kStreamTailBytes + 16384;
  static constexpr size_t kTransformBytes = 65536;

  struct Moment;
  void collect(const Ruleset& set, const RuleGroupView* group, std::span<const uint8_t> data,
               uint64_t skip_before, Moment& moment);
  DetectVerdict decide(const Ruleset& set, const DetectTarget& target, const applayer::AppEvent& event,
                       uint64_t base_offset, Moment& moment, AlertSink& sink, uint64_t now_ns);
  bool verify(const CompiledSignature& s, const DetectTarget& target, const applayer::AppEvent& event,
              uint64_t base_offset);
  DetectVerdict stream_window(const Ruleset& set, const DetectTarget& target, StreamTail& tail,
                              std::span<const uint8_t> piece, AlertSink& sink, uint64_t now_ns);

  unsigned worker_;
  uint32_t flow_slots_;
  FlowbitTable flowbits_;
  ThresholdTable thresholds_;
  RegexMatcher regex_;
  struct FlowMarks {
    uint64_t flow_id;
    uint8_t header_only_done;  // bit per direction: header-only signatures evaluated
    bool alerted;
  };
  FlowMarks& marks_of(const DetectTarget& target);
  std::unique_ptr<FlowMarks[]> marks_;
  std::unique_ptr<uint8_t[]> join_;
  std::unique_ptr<uint8_t[]> transformed_;
  DetectorCounters counters_;
};

}  // namespace torwart::dataplane::ids
