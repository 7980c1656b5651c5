#pragma once
// The exact check of a signature on one buffer: its payload keywords (content, pcre, byte_test, byte_jump,
// byte_extract, isdataat, bsize) in rule order, as Suricata evaluates them: a detection pointer that moves
// to the end of each content or pcre match, of a byte_jump or byte_extract; relative keywords start from it;
// when a later keyword fails, the last content or pcre is tried at its next occurrence (backtracking).
// Built in the control path from the parsed signature; evaluated on the fast path without allocation.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "dataplane/ids/regex_confirm.hpp"
#include "rules/signatures/signature.hpp"

namespace torwart::dataplane::ids {

inline constexpr size_t kMaxByteVariables = 8;  // byte_extract names per signature

// A number from the rule, or the value a byte_extract of the same signature stored.
struct Operand {
  int64_t number = 0;
  int8_t variable = -1;  // index into the signature's extracted values, -1: the number
};

struct ContentStep {
  std::string bytes;
  bool nocase = false;
  bool negated = false;
  bool startswith = false;
  bool endswith = false;
  std::optional<Operand> offset, depth, distance, within;
  bool relative() const { return distance.has_value() || within.has_value(); }
};

struct PcreStep {
  std::shared_ptr<const Regex> regex;
  bool negated = false;
  bool relative = false;
};

// How byte_test, byte_jump and byte_extract read a number.
struct NumberReading {
  uint32_t bytes = 0;
  bool little_endian = false;
  signatures::NumberBase base = signatures::NumberBase::binary;
  std::optional<uint64_t> bitmask;
};

struct ByteTestStep {
  NumberReading reading;
  char op = '=';  // < > = & ^ and 'l' (<=), 'g' (>=)
  bool negated = false;
  Operand value;
  Operand offset;
  bool relative = false;
};

struct ByteJumpStep {
  NumberReading reading;
  Operand offset;
  bool relative = false;
  uint32_t multiplier = 1;
  bool align = false;
  bool from_beginning = false;
  bool from_end = false;
  int64_t post_offset = 0;
};

struct ByteExtractStep {
  NumberReading reading;
  int64_t offset = 0;
  bool relative = false;
  uint32_t multiplier = 1;
  uint32_t align = 0;
  uint8_t variable = 0;
};

struct IsDataAtStep {
  bool negated = false;
  Operand position;
  bool relative = false;
};

struct SizeStep {  // bsize (of this buffer) or dsize (of the packet's payload, which is the buffer)
  signatures::NumericCondition condition;
};

using Step =
    std::variant<ContentStep, PcreStep, ByteTestStep, ByteJumpStep, ByteExtractStep, IsDataAtStep, SizeStep>;

struct ByteVariables {
  uint64_t value[kMaxByteVariables] = {};
};

// Per-evaluation context: the worker's PCRE2 matcher, the signature's extracted values.
struct ProgramContext {
  RegexMatcher& regex;
  ByteVariables& variables;
};

// The steps of one buffer of one signature. `base_offset`: where the buffer starts within the data the
// signature's absolute offsets count from (a stream window behind the stream's start); absolute windows
// are shifted by it and startswith only holds at 0.
bool run_program(std::span<const Step> steps, std::span<const uint8_t> buffer, ProgramContext& context,
                 uint64_t base_offset = 0);

// Reads a number as byte_test/byte_jump/byte_extract do; false when the bytes are not there or not digits.
bool read_number(const NumberReading& reading, std::span<const uint8_t> buffer, int64_t at, uint64_t& value);

bool numeric_condition_holds(const signatures::NumericCondition& condition, uint64_t value);

}  // namespace torwart::dataplane::ids
