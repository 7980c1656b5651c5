#include "dataplane/ids/compiled_signature.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "dataplane/ids/fast_pattern.hpp"

namespace torwart::dataplane::ids {
namespace {

using applayer::BufferId;
using applayer::Phase;
namespace sig = signatures;

struct Refused {
  CompileRefusal why;
};

[[noreturn]] void refuse(std::string keyword, std::string reason) {
  throw Refused{{std::move(keyword), std::move(reason)}};
}

// The application protocols the application layer identifies (app_proto.cpp), by Suricata's names.
bool identified_app(std::string_view name) {
  return name == "http" || name == "http1" || name == "tls" || name == "dns" || name == "quic";
}

bool packet_protocol(std::string_view name) {
  return name == "ip" || name == "udp" || name == "icmp" || name == "dns" || name == "quic";
}

// Keywords that only describe the rule (or were folded into Signature's fields by the parser).
const std::set<std::string, std::less<>>& descriptive_keywords() {
  static const std::set<std::string, std::less<>> k = {
      "msg", "sid", "rev", "gid", "classtype", "priority", "metadata", "reference", "target", "fast_pattern"};
  return k;
}

// "8", "<8", ">8", "<=8", ">=8", "!8", "3<>9" (itype, icode).
sig::NumericCondition numeric_text(const std::string& keyword, std::string text) {
  using Op = sig::NumericCondition::Op;
  sig::NumericCondition c;
  std::erase(text, ' ');
  auto number = [&](std::string_view digits) {
    if (digits.empty() || digits.size() > 9 ||
        !std::all_of(digits.begin(), digits.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
      refuse(keyword, "not a number: '" + text + "'");
    return std::stoull(std::string(digits));
  };
  if (const size_t between = text.find("<>"); between != std::string::npos) {
    c.op = Op::between;
    c.value = number(std::string_view(text).substr(0, between));
    c.upper = number(std::string_view(text).substr(between + 2));
    return c;
  }
  std::string_view rest = text;
  if (rest.starts_with("<="))
    c.op = Op::less_equal, rest.remove_prefix(2);
  else if (rest.starts_with(">="))
    c.op = Op::greater_equal, rest.remove_prefix(2);
  else if (rest.starts_with("<"))
    c.op = Op::less, rest.remove_prefix(1);
  else if (rest.starts_with(">"))
    c.op = Op::greater, rest.remove_prefix(1);
  else if (rest.starts_with("!"))
    c.op = Op::not_equal, rest.remove_prefix(1);
  c.value = number(rest);
  return c;
}

uint8_t tcp_flag_bit(char letter, const std::string& keyword) {
  switch (letter) {
    case 'F':
      return 0x01;
    case 'S':
      return 0x02;
    case 'R':
      return 0x04;
    case 'P':
      return 0x08;
    case 'A':
      return 0x10;
    case 'U':
      return 0x20;
    case 'E':
    case '1':
      return 0x40;
    case 'C':
    case '2':
      return 0x80;
    case '0':
      return 0;
    default:
      refuse(keyword, std::string("unknown TCP flag '") + letter + "'");
  }
}

// Buffers a request and a response both have: `flow:to_client` means the response's.
bool in_both_messages(BufferId id) {
  switch (id) {
    case BufferId::kHttpHeader:
    case BufferId::kHttpContentType:
    case BufferId::kHttpProtocol:
    case BufferId::kHttpHeaderNames:
    case BufferId::kHttpConnection:
    case BufferId::kHttpContentLen:
    case BufferId::kHttpStart:
    case BufferId::kHttpHeaderRaw:
      return true;
    default:
      return false;
  }
}

class Compiler {
 public:
  Compiler(const sig::Signature& s, const sig::Variables& variables, FlowbitNames& names)
      : s_(s), variables_(variables), names_(names) {}

  CompiledSignature run() {
    CompiledSignature out;
    out.source = &s_;
    out.action = s_.action;
    check_protocol();
    try {
      out.header = HeaderMatcher::compile(s_, variables_);
    } catch (const sig::VariableError& e) {
      refuse("header", e.what());
    }
    bool packet_only = packet_protocol(s_.protocol);
    for (const sig::Option& option : s_.options) {
      if (const auto* flow = std::get_if<sig::Flow>(&option.value)) {
        flow_of(*flow, out, packet_only);
        continue;
      }
      if (const auto* f = std::get_if<sig::TcpFlags>(&option.value)) {
        out.tcp_flags = tcp_flags_of(*f, option.keyword);
        packet_only = true;
        continue;
      }
      if (const auto* size = std::get_if<sig::SizeCheck>(&option.value); size && size->keyword == "dsize") {
        packet_only = true;
      }
      if (option.keyword == "itype" || option.keyword == "icode") {
        const auto c = numeric_text(option.keyword, option.raw_value);
        (option.keyword == "itype" ? out.icmp_type : out.icmp_code) = c;
        packet_only = true;
      }
    }
    stream_ = !packet_only && (!s_.contents().empty() || has_payload_steps());
    for (const sig::Option& option : s_.options) add_option(option, out);
    decide_phase(out);
    choose_prefilter(out);
    return out;
  }

 private:
  void check_protocol() {
    const std::string& p = s_.protocol;
    if (p == "ip" || p == "tcp" || p == "udp" || p == "icmp") return;
    if (!identified_app(p))
      refuse("protocol", "application protocol '" + p + "' is not identified by torwart");
  }

  bool has_payload_steps() const {
    for (const sig::Option& o : s_.options) {
      if (std::holds_alternative<sig::Pcre>(o.value) || std::holds_alternative<sig::ByteTest>(o.value) ||
          std::holds_alternative<sig::ByteJump>(o.value) ||
          std::holds_alternative<sig::ByteExtract>(o.value) || std::holds_alternative<sig::IsDataAt>(o.value))
        return true;
    }
    return false;
  }

  void flow_of(const sig::Flow& flow, CompiledSignature& out, bool& packet_only) {
    for (const std::string& f : flow.flags) {
      if (f == "established")
        out.flow |= flow_condition::kEstablished;
      else if (f == "not_established")
        out.flow |= flow_condition::kNotEstablished;
      else if (f == "to_server" || f == "from_client")
        out.flow |= flow_condition::kToServer;
      else if (f == "to_client" || f == "from_server")
        out.flow |= flow_condition::kToClient;
      else if (f == "no_stream")
        packet_only = true;
      else if (f == "only_stream" || f == "stateless")
        continue;
      else
        refuse("flow", "flow:" + f + " is not evaluated by the engine (IP fragments are not reassembled)");
    }
  }

  TcpFlagsCondition tcp_flags_of(const sig::TcpFlags& f, const std::string& keyword) {
    TcpFlagsCondition c;
    std::string_view letters = f.flags;
    if (!letters.empty() && (letters[0] == '+' || letters[0] == '*' || letters[0] == '!')) {
      c.modifier = letters[0];
      letters.remove_prefix(1);
    }
    for (char l : letters) {
      if (l == '+' || l == '*' || l == '!') {
        c.modifier = l;
        continue;
      }
      c.flags |= tcp_flag_bit(l, keyword);
    }
    uint8_t ignored = 0;
    for (char l : f.mask) ignored |= tcp_flag_bit(l, keyword);
    c.mask = static_cast<uint8_t>(~ignored);
    return c;
  }

  BufferId buffer_id(const std::string& name, const std::string& keyword) const {
    if (name == sig::kPayloadBuffer) return stream_ ? BufferId::kStream : BufferId::kPayload;
    BufferId id{};
    if (!applayer::buffer_of(name, id)) refuse(keyword, "buffer '" + name + "' is not produced by torwart");
    return id;
  }

  std::vector<Step>& steps_for(CompiledSignature& out, BufferId id) {
    for (BufferSteps& b : out.buffers)
      if (b.buffer == id) return b.steps;
    out.buffers.push_back({id, {}, {}});
    return out.buffers.back().steps;
  }

  Operand operand(const sig::NumberOrVariable& n, const std::string& keyword) const {
    if (!n.is_variable()) return {n.number, -1};
    const auto it = extracted_.find(n.variable);
    if (it == extracted_.end())
      refuse(keyword, "byte_extract variable '" + n.variable + "' not defined before");
    return {0, static_cast<int8_t>(it->second)};
  }

  NumberReading reading(uint32_t bytes, sig::Endian endian, sig::NumberBase base,
                        std::optional<uint64_t> bitmask, const std::string& keyword) const {
    if (endian == sig::Endian::dce) refuse(keyword, "dce byte order needs the DCERPC parser");
    if (base == sig::NumberBase::binary && bytes > 8) refuse(keyword, "more than 8 bytes as a binary number");
    if (bytes == 0 || bytes > 20) refuse(keyword, "byte count out of range");
    return {bytes, endian == sig::Endian::little, base, bitmask};
  }

  void add_option(const sig::Option& option, CompiledSignature& out) {
    const std::string& k = option.keyword;
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, sig::Content>) {
            ContentStep c;
            c.bytes = v.bytes;
            c.nocase = v.nocase;
            if (c.nocase)
              for (char& ch : c.bytes) ch = (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
            c.negated = v.negated;
            c.startswith = v.startswith;
            c.endswith = v.endswith;
            if (v.offset) c.offset = operand(*v.offset, k);
            if (v.depth) c.depth = operand(*v.depth, k);
            if (v.distance) c.distance = operand(*v.distance, k);
            if (v.within) c.within = operand(*v.within, k);
            if (c.bytes.empty()) refuse(k, "empty content");
            steps_for(out, buffer_id(v.buffer, k)).emplace_back(std::move(c));
          } else if constexpr (std::is_same_v<T, sig::Pcre>) {
            PcreStep p;
            std::string flags;
            for (char f : v.flags)
              if (std::string_view("ismxAEG").find(f) != std::string_view::npos) flags += f;
            try {
              p.regex = Regex::compile(v.pattern, flags);
            } catch (const RegexError& e) {
              refuse(k, std::string("PCRE2 refuses the expression: ") + e.what() + " at offset " +
                            std::to_string(e.offset));
            }
            p.negated = v.negated;
            p.relative = v.relative;
            const BufferId id = buffer_id(v.buffer, k);
            if (!v.negated && fast_regex_.empty()) {
              fast_regex_ = v.pattern;
              fast_regex_flags_ = flags;
              fast_regex_buffer_ = id;
            }
            steps_for(out, id).emplace_back(std::move(p));
          } else if constexpr (std::is_same_v<T, sig::ByteTest>) {
            ByteTestStep t;
            t.reading = reading(v.bytes, v.endian, v.base, v.bitmask, k);
            t.negated = v.negated;
            if (v.op == "<=")
              t.op = 'l';
            else if (v.op == ">=")
              t.op = 'g';
            else if (v.op.size() == 1 && std::string_view("<>=&^").find(v.op[0]) != std::string_view::npos)
              t.op = v.op[0];
            else
              refuse(k, "operator '" + v.op + "'");
            t.value = operand(v.value, k);
            t.offset = operand(v.offset, k);
            t.relative = v.relative;
            steps_for(out, buffer_id(v.buffer, k)).emplace_back(t);
          } else if constexpr (std::is_same_v<T, sig::ByteJump>) {
            ByteJumpStep j;
            j.reading = reading(v.bytes, v.endian, v.base, v.bitmask, k);
            j.offset = operand(v.offset, k);
            j.relative = v.relative;
            j.multiplier = v.multiplier.value_or(1);
            j.align = v.align;
            j.from_beginning = v.from_beginning;
            j.from_end = v.from_end;
            j.post_offset = v.post_offset.value_or(0);
            steps_for(out, buffer_id(v.buffer, k)).emplace_back(j);
          } else if constexpr (std::is_same_v<T, sig::ByteExtract>) {
            if (extracted_.size() >= kMaxByteVariables) refuse(k, "more than 8 byte_extract variables");
            ByteExtractStep e;
            e.reading = reading(v.bytes, v.endian, v.base, v.bitmask, k);
            e.offset = v.offset;
            e.relative = v.relative;
            e.multiplier = v.multiplier.value_or(1);
            e.align = v.align.value_or(0);
            e.variable = static_cast<uint8_t>(extracted_.size());
            extracted_.emplace(v.name, e.variable);
            steps_for(out, buffer_id(v.buffer, k)).emplace_back(e);
          } else if constexpr (std::is_same_v<T, sig::IsDataAt>) {
            IsDataAtStep d;
            d.negated = v.negated;
            d.position = operand(v.position, k);
            d.relative = v.relative;
            steps_for(out, buffer_id(v.buffer, k)).emplace_back(d);
          } else if constexpr (std::is_same_v<T, sig::SizeCheck>) {
            if (v.keyword == "dsize") {
              steps_for(out, BufferId::kPayload).emplace_back(SizeStep{v.condition});
            } else if (v.keyword == "bsize") {
              steps_for(out, buffer_id(v.buffer, k)).emplace_back(SizeStep{v.condition});
            } else if (v.keyword == "urilen") {
              steps_for(out, BufferId::kHttpUriRaw).emplace_back(SizeStep{v.condition});
            } else {
              refuse(k, "size check '" + v.keyword + "'");
            }
          } else if constexpr (std::is_same_v<T, sig::Flowbits>) {
            flowbits(v, out);
          } else if constexpr (std::is_same_v<T, sig::Threshold>) {
            if (out.threshold) refuse(k, "more than one threshold or detection_filter");
            std::string error;
            out.threshold = threshold_spec_of(v, error);
            if (!out.threshold) refuse(k, error);
            out.detection_filter = v.keyword == "detection_filter";
          } else if constexpr (std::is_same_v<T, sig::AppLayerProtocol>) {
            if (!identified_app(v.protocol) && v.protocol != "failed" && v.protocol != "unknown")
              refuse(k, "application protocol '" + v.protocol + "' is not identified by torwart");
            out.app_proto = v.protocol == "http1" ? "http" : v.protocol;
            out.app_proto_negated = v.negated;
          } else if constexpr (std::is_same_v<T, sig::StickyBuffer> || std::is_same_v<T, sig::Reference> ||
                               std::is_same_v<T, sig::Flow> || std::is_same_v<T, sig::TcpFlags>) {
            // Sticky buffers are already on each content/pcre; flow and flags were read first.
          } else if constexpr (std::is_same_v<T, sig::Transform>) {
            transform(v, out);
          } else if constexpr (std::is_same_v<T, sig::TextOption>) {
            if (k == "noalert")
              out.noalert = true;
            else if (k == "itype" || k == "icode")
              return;
            else if (!descriptive_keywords().contains(k))
              refuse(k, "not evaluated by the engine");
          }
        },
        option.value);
  }

  void transform(const sig::Transform& v, CompiledSignature& out) {
    static const std::map<std::string, Transform, std::less<>> kKnown = {
        {"dotprefix", Transform::kDotPrefix},
        {"to_lowercase", Transform::kToLowercase},
        {"to_uppercase", Transform::kToUppercase},
        {"strip_whitespace", Transform::kStripWhitespace},
        {"compress_whitespace", Transform::kCompressWhitespace}};
    const auto known = kKnown.find(v.name);
    if (known == kKnown.end()) refuse(v.name, "transform '" + v.name + "' is not applied by the engine");
    const BufferId id = buffer_id(v.buffer, v.name);
    for (BufferSteps& b : out.buffers) {
      if (b.buffer == id && !b.steps.empty())
        refuse(v.name, "a transform after the buffer was inspected untransformed");
    }
    steps_for_transform(out, id).push_back(known->second);
  }

  std::vector<Transform>& steps_for_transform(CompiledSignature& out, BufferId id) {
    for (BufferSteps& b : out.buffers)
      if (b.buffer == id) return b.transforms;
    out.buffers.push_back({id, {}, {}});
    return out.buffers.back().transforms;
  }

  void flowbits(const sig::Flowbits& v, CompiledSignature& out) {
    using C = sig::Flowbits::Command;
    if (v.command == C::noalert) {
      out.noalert = true;
      return;
    }
    FlowbitAction a{v.command, {}, v.combinator};
    for (const std::string& name : v.names) a.bits.push_back(names_.id_of(name));
    if (v.command == C::isset || v.command == C::isnotset)
      out.flowbit_checks.push_back(std::move(a));
    else
      out.flowbit_changes.push_back(std::move(a));
  }

  void decide_phase(CompiledSignature& out) {
    const bool to_client = (out.flow & flow_condition::kToClient) != 0;
    Phase phase = stream_ ? Phase::kStream : Phase::kPacket;
    bool first = true;
    for (BufferSteps& b : out.buffers) {
      Phase p = applayer::phase_of(b.buffer);
      // The header and content-type buffers exist in both messages: the flow direction says which one.
      if (to_client && in_both_messages(b.buffer)) p = Phase::kHttpResponse;
      if (to_client && b.buffer == BufferId::kHttpRequestBody)
        refuse("http.request_body", "in a to_client rule");
      if (first) {
        phase = p;
        first = false;
        continue;
      }
      if (applayer::phase_sees(p, phase)) {
        phase = p;
      } else if (!applayer::phase_sees(phase, p)) {
        refuse(std::string(applayer::buffer_name(b.buffer)),
               "buffers of " + std::string(applayer::phase_name(phase)) + " and " +
                   std::string(applayer::phase_name(p)) + " are never inspected together");
      }
    }
    out.phase = phase;
    if (phase == Phase::kStream && s_.protocol == "udp") refuse("protocol", "stream keywords on udp");
  }

  void choose_prefilter(CompiledSignature& out) {
    if (const sig::Content* fast = fast_pattern_of(s_)) {
      std::string bytes = fast->bytes;
      if (fast->fast_pattern && fast->fast_pattern->offset_length) {
        const auto [offset, length] = *fast->fast_pattern->offset_length;
        if (offset < bytes.size()) bytes = bytes.substr(offset, length);
      }
      const BufferId id = buffer_id(fast->buffer, "content");
      out.prefilter_buffer = index_of(out, id);
      // The prefilter scans the buffer as it is: a pattern for the transformed buffer becomes one that
      // occurs in the untransformed one whenever its transformed form does (or none at all).
      bool nocase = fast->nocase;
      for (Transform t : out.buffers[out.prefilter_buffer].transforms) {
        if (t == Transform::kDotPrefix && !bytes.empty() && bytes[0] == '.') bytes.erase(0, 1);
        if (t == Transform::kToLowercase || t == Transform::kToUppercase) nocase = true;
        if (t == Transform::kStripWhitespace || t == Transform::kCompressWhitespace) bytes.clear();
      }
      out.fast_pattern = std::move(bytes);
      out.fast_pattern_nocase = nocase;
      return;
    }
    if (!fast_regex_.empty() && out.buffers[index_of(out, fast_regex_buffer_)].transforms.empty()) {
      out.fast_regex = fast_regex_;
      out.fast_regex_flags = fast_regex_flags_;
      out.prefilter_buffer = index_of(out, fast_regex_buffer_);
    }
  }

  static size_t index_of(const CompiledSignature& out, BufferId id) {
    for (size_t i = 0; i < out.buffers.size(); ++i)
      if (out.buffers[i].buffer == id) return i;
    return 0;
  }

  const sig::Signature& s_;
  const sig::Variables& variables_;
  FlowbitNames& names_;
  bool stream_ = false;
  std::map<std::string, size_t> extracted_;
  std::string fast_regex_, fast_regex_flags_;
  BufferId fast_regex_buffer_ = BufferId::kPayload;
};

}  // namespace

std::optional<size_t> apply_transforms(std::span<const Transform> transforms, std::span<const uint8_t> in,
                                       std::span<uint8_t> out) {
  if (in.size() + 1 > out.size()) return std::nullopt;
  size_t n = in.size();
  std::copy(in.begin(), in.end(), out.begin());
  const auto space = [](uint8_t c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
  };
  for (Transform t : transforms) {
    switch (t) {
      case Transform::kDotPrefix:
        if (n + 1 > out.size()) return std::nullopt;
        std::copy_backward(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n),
                           out.begin() + static_cast<std::ptrdiff_t>(n + 1));
        out[0] = '.';
        ++n;
        break;
      case Transform::kToLowercase:
        for (size_t i = 0; i < n; ++i)
          if (out[i] >= 'A' && out[i] <= 'Z') out[i] = static_cast<uint8_t>(out[i] - 'A' + 'a');
        break;
      case Transform::kToUppercase:
        for (size_t i = 0; i < n; ++i)
          if (out[i] >= 'a' && out[i] <= 'z') out[i] = static_cast<uint8_t>(out[i] - 'a' + 'A');
        break;
      case Transform::kStripWhitespace: {
        size_t w = 0;
        for (size_t i = 0; i < n; ++i)
          if (!space(out[i])) out[w++] = out[i];
        n = w;
        break;
      }
      case Transform::kCompressWhitespace: {
        size_t w = 0;
        for (size_t i = 0; i < n; ++i) {
          if (space(out[i])) {
            if (w > 0 && out[w - 1] == ' ') continue;
            out[w++] = ' ';
          } else {
            out[w++] = out[i];
          }
        }
        n = w;
        break;
      }
    }
  }
  return n;
}

bool TcpFlagsCondition::holds(uint8_t packet_flags) const {
  const uint8_t have = packet_flags & mask;
  switch (modifier) {
    case '+':
      return (have & flags) == flags;
    case '*':
      return (have & flags) != 0 || flags == 0;
    case '!':
      return (have & flags) == 0;
    default:
      return have == flags;
  }
}

std::optional<CompiledSignature> compile_signature(const sig::Signature& signature,
                                                   const sig::Variables& variables,
                                                   const sig::ClassificationTable* classifications,
                                                   FlowbitNames& flowbit_names, CompileRefusal& refusal) {
  try {
    CompiledSignature out = Compiler(signature, variables, flowbit_names).run();
    if (classifications != nullptr && !signature.classtype.empty()) {
      if (const sig::Classification* c = classifications->find(signature.classtype)) {
        out.category = c->description;
        out.severity = c->priority;
      }
    }
    if (signature.priority) out.severity = *signature.priority;
    return out;
  } catch (const Refused& r) {
    refusal = r.why;
    return std::nullopt;
  }
}

}  // namespace torwart::dataplane::ids
