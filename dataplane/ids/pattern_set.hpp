#pragma once
// A set of patterns compiled into one Hyperscan database: the first stage of signature matching (issue 7),
// where each rule group's fast patterns are found in one pass over a buffer and only the rules whose
// pattern matched are verified exactly. Literals (any bytes, NUL included) and regular expressions;
// case-insensitive per pattern. Compiled once in the control path (exceptions fine); scanned on the fast
// path with a per-worker scratch (no allocation, no exceptions).
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

struct hs_database;
struct hs_scratch;

namespace torwart::dataplane::ids {

struct Pattern {
  uint32_t id = 0;    // reported on a match (e.g. the signature's index in its group)
  std::string bytes;  // literal bytes, or the expression when `regex`
  bool regex = false;
  bool nocase = false;
  bool single_match = false;  // report the first match only (enough to select a signature for verification)
  // Regexes Hyperscan cannot do exactly (back-references, look-around) compile to a superset that PCRE2
  // then confirms (regex_confirm.hpp).
  bool prefilter = false;
};

// A pattern Hyperscan refused: which one and why.
struct PatternError : std::runtime_error {
  PatternError(uint32_t pattern_id, const std::string& reason)
      : std::runtime_error("pattern " + std::to_string(pattern_id) + ": " + reason), id(pattern_id) {}
  uint32_t id;
};

class PatternSet {
 public:
  // Throws PatternError (naming the first refused pattern) or std::invalid_argument for an empty set.
  static std::shared_ptr<const PatternSet> compile(const std::vector<Pattern>& patterns);
  // A database written by serialize(), for the on-disk cache; throws std::runtime_error when it does not
  // belong to this Hyperscan version or platform.
  static std::shared_ptr<const PatternSet> deserialize(std::span<const uint8_t> bytes);

  ~PatternSet();
  PatternSet(const PatternSet&) = delete;
  PatternSet& operator=(const PatternSet&) = delete;

  std::vector<uint8_t> serialize() const;
  size_t database_bytes() const;
  size_t pattern_count() const { return pattern_count_; }
  const hs_database* database() const { return database_; }

 private:
  PatternSet(hs_database* database, size_t patterns) : database_(database), pattern_count_(patterns) {}
  hs_database* database_;
  size_t pattern_count_;
};

// Per-worker scratch space for scanning; grown (in the control path) to fit every set it will scan.
class PatternScratch {
 public:
  PatternScratch() = default;
  ~PatternScratch();
  PatternScratch(const PatternScratch&) = delete;
  PatternScratch& operator=(const PatternScratch&) = delete;
  // Makes room for scanning `set`; throws std::runtime_error. Not for the fast path.
  void prepare_for(const PatternSet& set);

  // Calls on_match(pattern id, end offset) for each match in `data`; returning false stops the scan. False
  // when the scratch was not prepared for `set` or Hyperscan failed. No allocation.
  using MatchFn = bool (*)(void* context, uint32_t id, uint64_t end);
  bool scan(const PatternSet& set, std::span<const uint8_t> data, MatchFn on_match, void* context) const;
  template <typename OnMatch>
  bool scan(const PatternSet& set, std::span<const uint8_t> data, OnMatch&& on_match) const {
    using F = std::remove_reference_t<OnMatch>;
    return scan(
        set, data, [](void* c, uint32_t id, uint64_t end) { return (*static_cast<F*>(c))(id, end); },
        static_cast<void*>(&on_match));
  }

 private:
  hs_scratch* scratch_ = nullptr;
};

}  // namespace torwart::dataplane::ids
