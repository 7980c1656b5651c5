#pragma once
// Suricata's fast-pattern choice: the content a signature is prefiltered on is the one marked
// `fast_pattern` (its `o,l` slice is applied by the rule set), else the longest non-negated content.
#include "rules/signatures/signature.hpp"

namespace torwart::dataplane::ids {

// The content `signature` is prefiltered on, or nullptr when it has none (only negated contents, or none).
const signatures::Content* fast_pattern_of(const signatures::Signature& signature);

}  // namespace torwart::dataplane::ids
