#pragma once
// One signature as the engine evaluates it: its header as a predicate, the flow and packet conditions, per
// buffer the payload steps (buffer_program.hpp), flowbits, threshold, and the phase at which it is decided
// (applayer/app_buffers.hpp). compile_signature() refuses, with the keyword and the reason, what the engine
// cannot honour exactly: the loader then skips the rule instead of running a weaker one.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/applayer/app_buffers.hpp"
#include "dataplane/ids/buffer_program.hpp"
#include "dataplane/ids/flowbits.hpp"
#include "dataplane/ids/header_match.hpp"
#include "dataplane/ids/thresholds.hpp"
#include "rules/signatures/classification.hpp"

namespace torwart::dataplane::ids {

// Suricata's transforms the engine applies to a buffer before its steps, in rule order.
enum class Transform : uint8_t {
  kDotPrefix,
  kToLowercase,
  kToUppercase,
  kStripWhitespace,
  kCompressWhitespace
};

struct BufferSteps {
  applayer::BufferId buffer = applayer::BufferId::kPayload;
  std::vector<Transform> transforms;
  std::vector<Step> steps;
};

// Applies `transforms` to `in` into `out`; the transformed length, or nullopt when it does not fit.
std::optional<size_t> apply_transforms(std::span<const Transform> transforms, std::span<const uint8_t> in,
                                       std::span<uint8_t> out);

namespace flow_condition {
inline constexpr uint8_t kEstablished = 1 << 0;
inline constexpr uint8_t kNotEstablished = 1 << 1;
inline constexpr uint8_t kToServer = 1 << 2;
inline constexpr uint8_t kToClient = 1 << 3;
}  // namespace flow_condition

struct TcpFlagsCondition {
  uint8_t flags = 0;    // the flags named
  uint8_t mask = 0xff;  // flags outside the mask are ignored
  char modifier = 0;    // 0: exactly these; '+': these and any others; '*': any of these; '!': none of these
  bool holds(uint8_t packet_flags) const;
};

struct NumberCondition {  // itype, icode
  signatures::NumericCondition condition;
};

struct FlowbitAction {
  signatures::Flowbits::Command command;
  std::vector<uint16_t> bits;
  char combinator = 0;  // for isset/isnotset of several: '|' any, '&' all
};

// Fields ordered by size (clang-analyzer's padding check); one per signature, read on every candidate.
struct CompiledSignature {
  const signatures::Signature* source = nullptr;
  size_t prefilter_buffer = 0;  // the fast pattern's buffer is buffers[prefilter_buffer]
  std::vector<BufferSteps> buffers;
  std::vector<FlowbitAction> flowbit_checks;   // isset, isnotset
  std::vector<FlowbitAction> flowbit_changes;  // set, unset, toggle
  std::optional<signatures::NumericCondition> icmp_type, icmp_code;
  std::string category;  // classtype's description
  // The content prefiltered on; empty: a pcre (below) or none, verified on every event of its group.
  std::string fast_pattern;
  std::string fast_regex;  // a pcre prefiltered in Hyperscan's prefilter mode when there is no content
  std::string fast_regex_flags;
  std::optional<std::string> app_proto;  // app-layer-protocol
  HeaderMatcher header;
  uint32_t index = 0;  // in the rule set
  signatures::Action action = signatures::Action::alert;
  uint32_t severity = 3;
  std::optional<ThresholdSpec> threshold;
  applayer::Phase phase = applayer::Phase::kPacket;
  uint8_t flow = 0;  // flow_condition::*
  bool app_proto_negated = false;
  bool noalert = false;
  bool detection_filter = false;  // `threshold` is a detection_filter
  bool fast_pattern_nocase = false;
  std::optional<TcpFlagsCondition> tcp_flags;
};

struct CompileRefusal {
  std::string keyword;
  std::string reason;
};

// Compiles `signature`; nullopt with `refusal` set when the engine cannot honour it. `flowbit_names` assigns
// ids to flowbit names across the rule set.
std::optional<CompiledSignature> compile_signature(const signatures::Signature& signature,
                                                   const signatures::Variables& variables,
                                                   const signatures::ClassificationTable* classifications,
                                                   FlowbitNames& flowbit_names, CompileRefusal& refusal);

}  // namespace torwart::dataplane::ids
