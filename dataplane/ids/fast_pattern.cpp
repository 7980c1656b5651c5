#include "dataplane/ids/fast_pattern.hpp"

namespace torwart::dataplane::ids {

const signatures::Content* fast_pattern_of(const signatures::Signature& signature) {
  const signatures::Content* longest = nullptr;
  for (const signatures::Content* c : signature.contents()) {
    if (c->negated || c->bytes.empty()) continue;
    if (c->fast_pattern) return c;
    if (longest == nullptr || c->bytes.size() > longest->bytes.size()) longest = c;
  }
  return longest;
}

}  // namespace torwart::dataplane::ids
