#include "dataplane/ids/regex_confirm.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <new>

namespace torwart::dataplane::ids {
namespace {

constexpr size_t kJitStackBytes = size_t{256} * 1024;
constexpr uint32_t kMatchLimit = 100000;  // a pathological expression costs a bounded time per packet

}  // namespace

std::unique_ptr<Regex> Regex::compile(const std::string& expression, const std::string& flags) {
  uint32_t options = 0;
  for (char f : flags) {
    switch (f) {
      case 'i':
        options |= PCRE2_CASELESS;
        break;
      case 's':
        options |= PCRE2_DOTALL;
        break;
      case 'm':
        options |= PCRE2_MULTILINE;
        break;
      case 'x':
        options |= PCRE2_EXTENDED;
        break;
      case 'A':
        options |= PCRE2_ANCHORED;
        break;
      case 'E':
        options |= PCRE2_DOLLAR_ENDONLY;
        break;
      case 'G':
        options |= PCRE2_UNGREEDY;
        break;
      default:
        throw RegexError(std::string("unknown pcre modifier '") + f + "'", 0);
    }
  }
  int error = 0;
  PCRE2_SIZE at = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(expression.data()), expression.size(),
                                   options, &error, &at, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof message);
    throw RegexError(reinterpret_cast<const char*>(message), at);
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // without JIT (unsupported CPU) matching still works
  return std::unique_ptr<Regex>(new Regex(code));
}

Regex::~Regex() {
  pcre2_code_free(code_);
}

RegexMatcher::RegexMatcher()
    : data_(pcre2_match_data_create(16, nullptr)),
      context_(pcre2_match_context_create(nullptr)),
      stack_(pcre2_jit_stack_create(size_t{32} * 1024, kJitStackBytes, nullptr)) {
  if (data_ == nullptr || context_ == nullptr || stack_ == nullptr) {
    pcre2_match_data_free(data_);
    pcre2_match_context_free(context_);
    pcre2_jit_stack_free(stack_);
    throw std::bad_alloc();
  }
  pcre2_jit_stack_assign(context_, nullptr, stack_);
  pcre2_set_match_limit(context_, kMatchLimit);
}

RegexMatcher::~RegexMatcher() {
  pcre2_match_data_free(data_);
  pcre2_match_context_free(context_);
  pcre2_jit_stack_free(stack_);
}

bool RegexMatcher::find(const Regex& regex, std::span<const uint8_t> subject, size_t start, size_t& end) {
  size_t match_start = 0;
  return find(regex, subject, start, match_start, end);
}

bool RegexMatcher::find(const Regex& regex, std::span<const uint8_t> subject, size_t start,
                        size_t& match_start, size_t& end) {
  if (start > subject.size()) return false;
  const int rc = pcre2_match(regex.code(), subject.data(), subject.size(), start, 0, data_, context_);
  if (rc < 0) {
    if (rc != PCRE2_ERROR_NOMATCH) ++limit_hits_;
    return false;
  }
  const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data_);
  match_start = ovector[0];
  end = ovector[1];
  return true;
}

}  // namespace torwart::dataplane::ids
