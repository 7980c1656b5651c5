#pragma once
// The exact check behind a signature's pcre: Hyperscan finds candidates (prefilter mode, a superset), PCRE2
// with its JIT confirms them with Perl semantics (back-references, look-around). Compiled in the control
// path; matched on the fast path with per-worker match data and JIT stack allocated beforehand.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>

struct pcre2_real_code_8;
struct pcre2_real_match_data_8;
struct pcre2_real_match_context_8;
struct pcre2_real_jit_stack_8;

namespace torwart::dataplane::ids {

struct RegexError : std::runtime_error {
  RegexError(const std::string& reason, size_t at) : std::runtime_error(reason), offset(at) {}
  size_t offset;  // where in the expression PCRE2 stopped
};

class Regex {
 public:
  // `flags`: Suricata's pcre modifiers that change the expression: i (caseless), s (dot matches newline),
  // m (multi-line), x (extended), A (anchored at the start offset), E (dollar only at the end), G (ungreedy).
  // Other letters (R and the buffer selectors) are the caller's; an unknown letter is an error.
  static std::unique_ptr<Regex> compile(const std::string& expression, const std::string& flags);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;
  const pcre2_real_code_8* code() const { return code_; }

 private:
  explicit Regex(pcre2_real_code_8* code) : code_(code) {}
  pcre2_real_code_8* code_;
};

// One per worker.
class RegexMatcher {
 public:
  RegexMatcher();  // throws std::bad_alloc
  ~RegexMatcher();
  RegexMatcher(const RegexMatcher&) = delete;
  RegexMatcher& operator=(const RegexMatcher&) = delete;

  // Searches `subject` from `start`; on a match sets `end` (one past the match) and returns true. A PCRE2
  // resource limit (match limit, JIT stack) counts as no match and is counted in limit_hits().
  bool find(const Regex& regex, std::span<const uint8_t> subject, size_t start, size_t& end);
  // The same, also telling where the match begins (for trying the next occurrence).
  bool find(const Regex& regex, std::span<const uint8_t> subject, size_t start, size_t& match_start,
            size_t& end);
  uint64_t limit_hits() const { return limit_hits_; }

 private:
  pcre2_real_match_data_8* data_;
  pcre2_real_match_context_8* context_;
  pcre2_real_jit_stack_8* stack_;
  uint64_t limit_hits_ = 0;
};

}  // namespace torwart::dataplane::ids
