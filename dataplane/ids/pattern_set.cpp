#include "dataplane/ids/pattern_set.hpp"

#include <hs/hs.h>

namespace torwart::dataplane::ids {
namespace {

unsigned flags_of(const Pattern& p) {
  unsigned flags = 0;
  if (p.nocase) flags |= HS_FLAG_CASELESS;
  if (p.single_match) flags |= HS_FLAG_SINGLEMATCH;
  if (p.regex) flags |= HS_FLAG_DOTALL;  // a superset of pcre without `s`: the verifier decides
  if (p.regex && p.prefilter) flags |= HS_FLAG_PREFILTER;
  return flags;
}

}  // namespace

std::shared_ptr<const PatternSet> PatternSet::compile(const std::vector<Pattern>& patterns) {
  if (patterns.empty()) throw std::invalid_argument("an empty pattern set");
  std::vector<const char*> expressions;
  std::vector<size_t> lengths;
  std::vector<unsigned> flags, ids;
  bool any_regex = false, any_literal = false;
  for (const Pattern& p : patterns) {
    expressions.push_back(p.bytes.c_str());
    lengths.push_back(p.bytes.size());
    flags.push_back(flags_of(p));
    ids.push_back(p.id);
    (p.regex ? any_regex : any_literal) = true;
  }
  if (any_regex && any_literal) {
    // One database holds either literals or expressions; callers group them (fast patterns are literals).
    throw std::invalid_argument("literals and regular expressions must be compiled into separate sets");
  }
  hs_database_t* database = nullptr;
  hs_compile_error_t* error = nullptr;
  hs_error_t rc;
  if (any_regex) {
    rc = hs_compile_multi(expressions.data(), flags.data(), ids.data(),
                          static_cast<unsigned>(patterns.size()), HS_MODE_BLOCK, nullptr, &database, &error);
  } else {
    rc = hs_compile_lit_multi(expressions.data(), flags.data(), ids.data(), lengths.data(),
                              static_cast<unsigned>(patterns.size()), HS_MODE_BLOCK, nullptr, &database,
                              &error);
  }
  if (rc != HS_SUCCESS) {
    const int index = error != nullptr ? error->expression : -1;
    const std::string reason =
        error != nullptr && error->message != nullptr ? error->message : "compile failed";
    hs_free_compile_error(error);
    throw PatternError(index >= 0 ? patterns[static_cast<size_t>(index)].id : 0, reason);
  }
  return std::shared_ptr<const PatternSet>(new PatternSet(database, patterns.size()));
}

std::shared_ptr<const PatternSet> PatternSet::deserialize(std::span<const uint8_t> bytes) {
  hs_database_t* database = nullptr;
  if (hs_deserialize_database(reinterpret_cast<const char*>(bytes.data()), bytes.size(), &database) !=
      HS_SUCCESS)
    throw std::runtime_error("not a Hyperscan database of this version and platform");
  return std::shared_ptr<const PatternSet>(new PatternSet(database, 0));
}

PatternSet::~PatternSet() {
  hs_free_database(database_);
}

std::vector<uint8_t> PatternSet::serialize() const {
  char* bytes = nullptr;
  size_t length = 0;
  if (hs_serialize_database(database_, &bytes, &length) != HS_SUCCESS)
    throw std::runtime_error("Hyperscan could not serialise the database");
  std::vector<uint8_t> out(bytes, bytes + length);
  std::free(
      bytes);  // NOLINT(cppcoreguidelines-no-malloc): Hyperscan allocates with its misc allocator, malloc
  return out;
}

size_t PatternSet::database_bytes() const {
  size_t size = 0;
  hs_database_size(database_, &size);
  return size;
}

PatternScratch::~PatternScratch() {
  hs_free_scratch(scratch_);
}

void PatternScratch::prepare_for(const PatternSet& set) {
  if (hs_alloc_scratch(set.database(), &scratch_) != HS_SUCCESS)
    throw std::runtime_error("Hyperscan could not allocate scratch space");
}

bool PatternScratch::scan(const PatternSet& set, std::span<const uint8_t> data, MatchFn on_match,
                          void* context) const {
  if (scratch_ == nullptr) return false;
  struct Call {
    MatchFn fn;
    void* context;
  } call{on_match, context};
  auto callback = [](unsigned id, unsigned long long, unsigned long long to, unsigned, void* c) -> int {
    const Call& f = *static_cast<const Call*>(c);
    return f.fn(f.context, id, to) ? 0 : 1;
  };
  const hs_error_t rc = hs_scan(set.database(), reinterpret_cast<const char*>(data.data()),
                                static_cast<unsigned>(data.size()), 0, scratch_, callback, &call);
  return rc == HS_SUCCESS || rc == HS_SCAN_TERMINATED;
}

}  // namespace torwart::dataplane::ids
