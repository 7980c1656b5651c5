#include "dataplane/ids/buffer_program.hpp"

#include <algorithm>
#include <cstring>

namespace torwart::dataplane::ids {
namespace {

// Like Suricata's recursion limit: a signature whose contents occur very often cannot make one buffer cost
// more than this many step attempts.
constexpr uint32_t kStepBudget = 4096;

uint8_t lower(uint8_t c) {
  return c >= 'A' && c <= 'Z' ? static_cast<uint8_t>(c - 'A' + 'a') : c;
}

class Evaluation {
 public:
  Evaluation(std::span<const Step> steps, std::span<const uint8_t> buffer, ProgramContext& context,
             uint64_t base)
      : steps_(steps), buffer_(buffer), context_(context), base_(base) {}

  bool from(size_t index, int64_t pointer) {
    if (index == steps_.size()) return true;
    if (budget_ == 0) return false;
    --budget_;
    return std::visit([&](const auto& step) { return run(step, index, pointer); }, steps_[index]);
  }

 private:
  int64_t value_of(const Operand& operand) const {
    return operand.variable < 0 ? operand.number
                                : static_cast<int64_t>(context_.variables.value[operand.variable]);
  }
  int64_t size() const { return static_cast<int64_t>(buffer_.size()); }

  bool equal_at(const ContentStep& c, int64_t at) const {
    const uint8_t* have = buffer_.data() + at;
    const auto* want = reinterpret_cast<const uint8_t*>(c.bytes.data());
    if (!c.nocase) return std::memcmp(have, want, c.bytes.size()) == 0;
    for (size_t i = 0; i < c.bytes.size(); ++i)
      if (lower(have[i]) != want[i]) return false;
    return true;
  }

  // The window [begin, end) a content's match must lie in.
  bool window(const ContentStep& c, int64_t pointer, int64_t& begin, int64_t& end) const {
    const auto base = static_cast<int64_t>(base_);
    begin = 0;
    end = size();
    if (c.startswith) {
      if (base != 0) return false;
      end = std::min<int64_t>(end, static_cast<int64_t>(c.bytes.size()));
    } else if (c.relative()) {
      begin = pointer + (c.distance ? value_of(*c.distance) : 0);
      if (c.within) end = std::min(end, begin + value_of(*c.within));
    } else {
      const int64_t offset = c.offset ? value_of(*c.offset) : 0;
      begin = offset - base;
      if (c.depth) end = std::min(end, offset + value_of(*c.depth) - base);
    }
    begin = std::max<int64_t>(begin, 0);
    return begin <= end;
  }

  bool run(const ContentStep& c, size_t index, int64_t pointer) {
    int64_t begin = 0, end = 0;
    const bool has_window = window(c, pointer, begin, end);
    const auto n = static_cast<int64_t>(c.bytes.size());
    if (c.negated) {
      if (has_window) {
        for (int64_t at = begin; at + n <= end; ++at)
          if (equal_at(c, at) && (!c.endswith || at + n == size())) return false;
      }
      return from(index + 1, pointer);
    }
    if (!has_window) return false;
    if (c.endswith) {
      const int64_t at = size() - n;
      return at >= begin && at + n <= end && equal_at(c, at) && from(index + 1, at + n);
    }
    for (int64_t at = begin; at + n <= end; ++at) {
      if (!c.nocase) {
        const void* first = std::memchr(buffer_.data() + at, static_cast<uint8_t>(c.bytes[0]),
                                        static_cast<size_t>(end - n + 1 - at));
        if (first == nullptr) return false;
        at = static_cast<const uint8_t*>(first) - buffer_.data();
      }
      if (!equal_at(c, at)) continue;
      if (from(index + 1, at + n)) return true;  // else: the next occurrence (backtracking)
      if (budget_ == 0) return false;
    }
    return false;
  }

  bool run(const PcreStep& p, size_t index, int64_t pointer) {
    // Relative: the subject starts at the detection pointer, so that ^ anchors there (as in Suricata).
    const size_t origin = p.relative ? static_cast<size_t>(std::clamp<int64_t>(pointer, 0, size())) : 0;
    const std::span<const uint8_t> subject = buffer_.subspan(origin);
    size_t start = 0, match_start = 0, match_end = 0;
    if (p.negated) {
      if (context_.regex.find(*p.regex, subject, 0, match_start, match_end)) return false;
      return from(index + 1, pointer);
    }
    while (start <= subject.size() && context_.regex.find(*p.regex, subject, start, match_start, match_end)) {
      if (from(index + 1, static_cast<int64_t>(origin + match_end))) return true;
      if (budget_ == 0) return false;
      start = match_start + 1;
    }
    return false;
  }

  bool run(const ByteTestStep& t, size_t index, int64_t pointer) {
    const int64_t at = (t.relative ? pointer : 0) + value_of(t.offset);
    uint64_t value = 0;
    if (!read_number(t.reading, buffer_, at, value)) return false;
    const auto operand = static_cast<uint64_t>(value_of(t.value));
    bool holds = false;
    switch (t.op) {
      case '<':
        holds = value < operand;
        break;
      case '>':
        holds = value > operand;
        break;
      case '=':
        holds = value == operand;
        break;
      case 'l':
        holds = value <= operand;
        break;
      case 'g':
        holds = value >= operand;
        break;
      case '&':
        holds = (value & operand) != 0;
        break;
      case '^':
        holds = (value ^ operand) != 0;
        break;
      default:
        return false;
    }
    if (holds == t.negated) return false;
    return from(index + 1, pointer);
  }

  bool run(const ByteJumpStep& j, size_t index, int64_t pointer) {
    const int64_t at = (j.relative ? pointer : 0) + value_of(j.offset);
    uint64_t value = 0;
    if (!read_number(j.reading, buffer_, at, value)) return false;
    auto jump = static_cast<int64_t>(value * j.multiplier);
    int64_t target = 0;
    if (j.from_beginning) {
      target = jump;
    } else if (j.from_end) {
      target = size() + jump;
    } else {
      target = at + static_cast<int64_t>(j.reading.bytes) + jump;
    }
    if (j.align) target = (target + 3) & ~int64_t{3};
    target += j.post_offset;
    if (target < 0 || target > size()) return false;
    return from(index + 1, target);
  }

  bool run(const ByteExtractStep& e, size_t index, int64_t pointer) {
    const int64_t at = (e.relative ? pointer : 0) + e.offset;
    uint64_t value = 0;
    if (!read_number(e.reading, buffer_, at, value)) return false;
    value *= e.multiplier;
    if (e.align > 1) value = (value + e.align - 1) / e.align * e.align;
    context_.variables.value[e.variable] = value;
    return from(index + 1, at + static_cast<int64_t>(e.reading.bytes));
  }

  bool run(const IsDataAtStep& d, size_t index, int64_t pointer) {
    const int64_t n = value_of(d.position);
    const bool there = d.relative ? pointer + n <= size() && pointer + n >= 0 : n < size();
    if (there == d.negated) return false;
    return from(index + 1, pointer);
  }

  bool run(const SizeStep& s, size_t index, int64_t pointer) {
    if (!numeric_condition_holds(s.condition, buffer_.size())) return false;
    return from(index + 1, pointer);
  }

  std::span<const Step> steps_;
  std::span<const uint8_t> buffer_;
  ProgramContext& context_;
  uint64_t base_;
  uint32_t budget_ = kStepBudget;
};

int digit_value(uint8_t c, unsigned radix) {
  int v = -1;
  if (c >= '0' && c <= '9') v = c - '0';
  if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
  if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
  return v >= 0 && static_cast<unsigned>(v) < radix ? v : -1;
}

}  // namespace

bool read_number(const NumberReading& reading, std::span<const uint8_t> buffer, int64_t at, uint64_t& value) {
  if (at < 0 || reading.bytes == 0 || at + reading.bytes > static_cast<int64_t>(buffer.size())) return false;
  const uint8_t* p = buffer.data() + at;
  value = 0;
  if (reading.base == signatures::NumberBase::binary) {
    if (reading.bytes > 8) return false;
    for (uint32_t i = 0; i < reading.bytes; ++i) {
      const uint8_t b = reading.little_endian ? p[reading.bytes - 1 - i] : p[i];
      value = (value << 8) | b;
    }
  } else {
    unsigned radix = 10;
    if (reading.base == signatures::NumberBase::hex) radix = 16;
    if (reading.base == signatures::NumberBase::octal) radix = 8;
    uint32_t digits = 0;
    for (; digits < reading.bytes; ++digits) {
      const int d = digit_value(p[digits], radix);
      if (d < 0) break;
      value = value * radix + static_cast<unsigned>(d);
    }
    if (digits == 0) return false;  // like strtoull: leading digits count, none is no number
  }
  if (reading.bitmask) {
    const uint64_t mask = *reading.bitmask;
    value &= mask;
    if (mask != 0) value >>= __builtin_ctzll(mask);
  }
  return true;
}

bool numeric_condition_holds(const signatures::NumericCondition& c, uint64_t value) {
  using Op = signatures::NumericCondition::Op;
  switch (c.op) {
    case Op::equal:
      return value == c.value;
    case Op::not_equal:
      return value != c.value;
    case Op::less:
      return value < c.value;
    case Op::less_equal:
      return value <= c.value;
    case Op::greater:
      return value > c.value;
    case Op::greater_equal:
      return value >= c.value;
    case Op::between:
      return value > c.value && value < c.upper;
  }
  return false;
}

bool run_program(std::span<const Step> steps, std::span<const uint8_t> buffer, ProgramContext& context,
                 uint64_t base_offset) {
  Evaluation evaluation(steps, buffer, context, base_offset);
  return evaluation.from(0, 0);
}

}  // namespace torwart::dataplane::ids
